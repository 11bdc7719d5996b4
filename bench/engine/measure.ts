/**
 * One shape of the engine benchmark matrix: the engine (with the bare loop), one peer, or all of
 * them, measured in this process. Prints progress on stderr and one `RESULT {json}` line on stdout.
 *
 *   node --expose-gc --import tsx bench/engine/measure.ts <shape> [--quick] [--no-peers] [--only engine|peer:<name>]
 *   (ENGINE=/path/to/engine/index.ts: another build of the engine, e.g. a baseline's)
 *
 * run.ts starts one process per shape and matcher (`--only`), so each starts from an empty heap,
 * the engine's module-level tables count in every shape's figure, and no matcher is timed beside
 * another's heap: a worker isolate holds one matcher, and a large heap slows the collection of
 * a scan's results (2026-12-07, latin microblog text: 59.0 Mchar/s alone, 52.8 beside a 350 MB heap
 * of Maps; 53.2 in this process without the peers, 48.2 with them and their 100–360 MB).
 *
 * Retained memory = growth of V8 heap + ArrayBuffer memory after a full GC, the matcher kept
 * alive. For the engine: the compiled matcher (module tables included, as imported after the
 * baseline) and the matcher `load()` makes from the serialized bytes (bytes, derived tables and
 * module tables), the larger of the two being what a target is judged on.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { PEER_BUILD_LIMIT_MS, PEER_SCAN_LIMIT_MS, PEERS } from "./peers.js";
import { makeShape, SHAPE_NAMES, type ShapeName } from "./shapes.js";
import { bestTime } from "./timing.js";

const gc = (globalThis as { gc?: () => void }).gc;

export interface MatcherResult {
  name: string;
  kind: "bare" | "engine" | "peer";
  build?: number; // ms
  bytes?: number;
  load?: number; // ms
  /** engine: the process's first compile() and load(), on cold code */
  buildFirst?: number;
  loadFirst?: number;
  memory?: number; // MB, heap + ArrayBuffers (engine: max of compiled and loaded)
  memoryCompiled?: number;
  memoryLoaded?: number;
  /** engine: how far the process's resident memory rose during its first compile() (MB; Linux only) */
  compilePeak?: number;
  /** per text name: Mchar/s, matches, and the prefix length when only a prefix was scanned */
  scans: Record<string, { mchar: number; matches?: number; prefix?: number }>;
  note?: string;
}
export interface ShapeResult {
  shape: ShapeName;
  describe: string;
  termCount: number;
  distinctHan: number;
  texts: { name: string; length: number }[];
  matchers: MatcherResult[];
  seconds: number;
}

function heapNow(): number {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}
const MB = 2 ** 20;

/**
 * How far resident memory rose while `f` ran, in MB: the kernel's high-water mark, reset first
 * (Linux's /proc/self/clear_refs), less the resident size before. What publishing a policy needs
 * on top of what the isolate already holds. Undefined where /proc is not there.
 */
function peakGrowthMB(f: () => void): number | undefined {
  const status = (field: string) => Number(/(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8").split("\n").find((l) => l.startsWith(field)) ?? "")?.[1]) / 1024;
  let before: number;
  try {
    gc?.();
    before = status("VmRSS:");
    writeFileSync("/proc/self/clear_refs", "5");
  } catch {
    f();
    return undefined;
  }
  f();
  const peak = status("VmHWM:") - before;
  return Number.isFinite(peak) ? peak : undefined;
}

const log = (msg: string) => process.stderr.write(`  [${shapeName}] ${msg}\n`);

const args = process.argv.slice(2);
const shapeName = args.find((a) => !a.startsWith("--")) as ShapeName;
if (!SHAPE_NAMES.includes(shapeName)) throw new Error(`unknown shape ${shapeName}; one of ${SHAPE_NAMES.join(", ")}`);
const quick = args.includes("--quick");
/** ENGINE=/path/to/a/copy/of/engine/index.ts measures another build (a baseline in the same conditions). */
const ENGINE = process.env.ENGINE ?? "../../workers/screening/engine/index.js";
const only = args[args.indexOf("--only") + 1];
const withEngine = !args.includes("--only") || only === "engine";
const withPeers = !args.includes("--no-peers") && (!args.includes("--only") || only?.startsWith("peer:"));
const peers = args.includes("--only") ? PEERS.filter((p) => only === `peer:${p.name}`) : PEERS;

async function main(): Promise<ShapeResult> {
  const started = performance.now();
  const shape = makeShape(shapeName, quick ? 200_000 : 1_000_000);
  const { terms } = shape;
  log(`${terms.length} terms, texts ${shape.texts.map((t) => `${t.name} ${t.text.length}`).join(", ")}`);
  const results: MatcherResult[] = [];
  type Scanner = { result: MatcherResult; text: string; textName: string; runs: number; scan: () => number };
  const scanners: Scanner[] = [];

  const bare: MatcherResult = { name: "bare charCodeAt loop", kind: "bare", scans: {} };
  if (withEngine) results.push(bare);
  for (const { name, text } of withEngine ? shape.texts : []) {
    const loop = () => {
      let h = 0;
      for (let i = 0; i < text.length; i++) h = (h + text.charCodeAt(i)) | 0;
      return h;
    };
    scanners.push({ result: bare, text, textName: name, runs: 8, scan: loop });
  }

  if (withEngine) {
    const base = heapNow();
    const { compile, load } = await import(ENGINE);
    const entries = terms.map((pattern, i) => ({ id: i + 1, pattern, category: i % 2 ? "spam" : "abuse", severity: 1 + (i % 3) }));
    // The first compile and load() of the process run on cold code, as a worker's publish and
    // an isolate's first screen do; the targets are judged on the warm best, as before.
    let matcher: ReturnType<typeof compile>;
    let buildFirst = 0;
    const compilePeak = peakGrowthMB(() => {
      const t0 = performance.now();
      matcher = compile(entries);
      buildFirst = performance.now() - t0;
    });
    const build = bestTime(() => (matcher = compile(entries)), quick ? 2 : 3, 1);
    const memoryCompiled = (heapNow() - base) / MB + moduleMB;
    const bytes = matcher.serialize();
    const t1 = performance.now();
    load(bytes);
    const loadFirst = performance.now() - t1;
    // As before each scan round: the build's garbage is collected first, so a background GC does not
    // share the memory bus with load()'s checksum (it made load() read 2–3 ms slower here).
    gc?.();
    const loadMs = bestTime(() => load(bytes), quick ? 10 : 30);
    // The loaded matcher's own figure: its copy of the bytes, what load() derives, and the
    // module tables (already in the heap, measured at start-up).
    const loadedBase = heapNow();
    const loaded = load(bytes.slice());
    const memoryLoaded = (heapNow() - loadedBase) / MB + moduleMB;
    if (loaded.termCount !== matcher.termCount) throw new Error("loaded matcher differs");
    const r: MatcherResult = {
      name: "this engine (findAll, all normalisation)", kind: "engine", build, buildFirst, bytes: bytes.length, load: loadMs, loadFirst,
      memoryCompiled, memoryLoaded, memory: Math.max(memoryCompiled, memoryLoaded), compilePeak, scans: {},
    };
    results.push(r);
    log(`engine: build ${build.toFixed(0)} ms (first ${buildFirst.toFixed(0)}), load ${loadMs.toFixed(2)} ms (first ${loadFirst.toFixed(1)}), ${bytes.length} bytes, ${memoryCompiled.toFixed(1)} / ${memoryLoaded.toFixed(1)} MB`);
    for (const { name, text } of shape.texts) scanners.push({ result: r, text, textName: name, runs: 8, scan: () => matcher.findAll(text).length });
  }

  if (withPeers) {
    for (const p of peers) {
      const r: MatcherResult = { name: p.name, kind: "peer", scans: {} };
      results.push(r);
      const tenth = terms.slice(0, Math.ceil(terms.length / 10));
      p.make(terms.slice(0, 1000)); // warm the constructor
      const t10 = performance.now();
      p.make(tenth);
      const estimate = (performance.now() - t10) * 10;
      if (estimate > PEER_BUILD_LIMIT_MS) {
        r.note = `skipped: build of a tenth of the terms took ${(estimate / 10000).toFixed(1)} s`;
        log(`${p.name}: ${r.note}`);
        continue;
      }
      const base = heapNow();
      const t0 = performance.now();
      const m = p.make(terms);
      r.build = performance.now() - t0;
      r.memory = (heapNow() - base) / MB;
      log(`${p.name}: build ${r.build.toFixed(0)} ms, ${r.memory.toFixed(1)} MB`);
      for (const { name, text } of shape.texts) {
        let t = p.prefix ? text.slice(0, p.prefix) : text;
        if (!p.prefix) {
          // Probe on a prefix; time a prefix only if the whole text would take too long.
          const probe = text.slice(0, 50_000);
          const ms = bestTime(() => p.scan(m, probe), 1, 1) * (text.length / probe.length);
          if (ms > PEER_SCAN_LIMIT_MS) t = text.slice(0, Math.floor((text.length * PEER_SCAN_LIMIT_MS) / ms / 1000) * 1000);
        }
        scanners.push({ result: r, text: t, textName: name, runs: quick ? 1 : 2, scan: () => p.scan(m, t) });
      }
    }
  }

  // Scans in interleaved rounds, best kept per matcher and text, so a burst of load on a shared
  // machine does not favour whoever ran in a quiet moment.
  for (const s of scanners) {
    const matches = s.scan(); // warm-up
    s.result.scans[s.textName] = { mchar: 0, matches: s.result.kind === "bare" ? undefined : matches, prefix: s.text.length < shape.texts.find((t) => t.name === s.textName)!.text.length ? s.text.length : undefined };
  }
  const rounds = quick ? 2 : 3;
  for (let round = 0; round < rounds; round++) {
    for (const s of scanners) {
      gc?.(); // settle the previous matcher's garbage so background GC does not steal this one's time
      const ms = bestTime(s.scan, s.runs, 0);
      const cell = s.result.scans[s.textName]!;
      cell.mchar = Math.max(cell.mchar, s.text.length / ms / 1000);
    }
    log(`scan round ${round + 1}/${rounds} done`);
  }

  return {
    shape: shapeName,
    describe: shape.describe,
    termCount: terms.length,
    distinctHan: new Set(terms.join("").match(/\p{Script=Han}/gu) ?? []).size,
    texts: shape.texts.map((t) => ({ name: t.name, length: t.text.length })),
    matchers: results,
    seconds: (performance.now() - started) / 1000,
  };
}

// The engine's module-level tables (fold table, pinyin data), imported alone into a fresh heap;
// added to both engine figures, as they are part of what a worker holding a matcher retains.
const moduleBase = heapNow();
await import(ENGINE);
const moduleMB = (heapNow() - moduleBase) / MB;

main().then(
  (r) => process.stdout.write(`RESULT ${JSON.stringify(r)}\n`),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
