/**
 * `npm run bench:engine`: the benchmark matrix. The screening engine beside JavaScript
 * Aho–Corasick peers (exact matching only) and a bare charCodeAt loop (the ceiling), on four
 * dictionary shapes × two texts (bench/engine/shapes.ts), printed as one table with the
 * targets of issue #18 judged per shape.
 *
 *   npm run bench:engine                          every shape (about 5 minutes on 2 cores)
 *   npm run bench:engine -- --shape cjk --quick   one shape, 200,000-character texts, fewer rounds
 *   npm run bench:engine -- --hostile             the hostile texts only (bench/engine/hostile.ts, about 30 s)
 *   options: --shape current,cjk,latin,scale (or a,b,c,d)  --quick  --no-peers  --no-hostile  --hostile  --processes N  --json FILE
 *   ENGINE=/path/to/engine/index.ts    measure another build (e.g. a baseline checked out with git archive)
 *
 * Each shape is measured by bench/engine/measure.ts, one process for the engine (with the bare
 * loop) and one per peer, one after another: a worker isolate holds one matcher, and another
 * matcher's heap in the same process slows a scan's garbage collection (measure.ts). All of it
 * twice over (`--processes`), each matcher's best kept (bestOf). Then, in a process of its own,
 * the hostile texts (hostile.ts): the engine alone, without targets, each text's speed beside the
 * microblog text's and at two lengths.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { HostileResult } from "./hostile.js";
import type { MatcherResult, ShapeResult } from "./measure.js";
import { PEERS } from "./peers.js";
import { SHAPE_NAMES, type ShapeName } from "./shapes.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");

/** Targets per 50,000 terms, scaled linearly above that (issue #18). */
const TARGET = { buildMs: 200, loadMs: 10, memoryMB: 24, peerRatio: 10, cjkMicroblogMchar: 60 };

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const LETTERS: Record<string, ShapeName> = { a: "current", b: "cjk", c: "latin", d: "scale" };
const shapes = (opt("--shape")?.split(",") ?? SHAPE_NAMES).map((s) => {
  const name = LETTERS[s] ?? s;
  if (!SHAPE_NAMES.includes(name as ShapeName)) throw new Error(`unknown shape "${s}"; one of ${SHAPE_NAMES.join(", ")} (or a–d)`);
  return name as ShapeName;
});
const passOn = ["--quick", "--no-peers"].filter((f) => args.includes(f));
/** Processes per matcher and shape (`--processes N`; 1 with --quick). */
const processes = Number(opt("--processes") ?? (args.includes("--quick") ? 1 : 2));
if (!Number.isInteger(processes) || processes < 1) throw new Error("--processes must be a positive integer");
const matrix = !args.includes("--hostile");
const hostile = args.includes("--hostile") || !args.includes("--no-hostile");

/**
 * One shape: the engine's process, then each peer's, `processes` times over (alternated, so a
 * slow spell of the machine falls on everyone), each matcher's best kept (bestOf).
 */
async function measure(shape: ShapeName): Promise<ShapeResult> {
  const parts: ShapeResult[] = [];
  for (let k = 0; k < processes; k++) {
    parts.push(await measureIn(shape, "engine"));
    if (!passOn.includes("--no-peers")) for (const p of PEERS) parts.push(await measureIn(shape, `peer:${p.name}`));
  }
  const byName = new Map<string, MatcherResult[]>();
  for (const m of parts.flatMap((r) => r.matchers)) byName.set(m.name, [...(byName.get(m.name) ?? []), m]);
  return { ...parts[0]!, matchers: [...byName.values()].map(bestOf), seconds: parts.reduce((s, r) => s + r.seconds, 0) };
}

/**
 * One matcher's results from several processes: the best time of each kind (the fastest scan per
 * text, with its match count and prefix; the shortest build and load()) and the largest memory.
 * The same code reads 10–15 % apart between processes here (a scan waits on memory, and how long
 * depends on where the process's pages fall), so one process is a lottery ticket for engine and
 * peers alike; the best of several is the speed the code reaches on this machine.
 */
function bestOf(runs: MatcherResult[]): MatcherResult {
  const min = (f: (m: MatcherResult) => number | undefined) => { const v = runs.map(f).filter((x) => x !== undefined); return v.length ? Math.min(...v) : undefined; };
  const max = (f: (m: MatcherResult) => number | undefined) => { const v = runs.map(f).filter((x) => x !== undefined); return v.length ? Math.max(...v) : undefined; };
  const scans: MatcherResult["scans"] = {};
  for (const text of Object.keys(runs[0]!.scans)) scans[text] = runs.map((m) => m.scans[text]!).reduce((a, b) => (b.mchar > a.mchar ? b : a));
  return {
    ...runs[0]!, scans,
    build: min((m) => m.build), load: min((m) => m.load), buildFirst: min((m) => m.buildFirst), loadFirst: min((m) => m.loadFirst),
    memory: max((m) => m.memory), memoryCompiled: max((m) => m.memoryCompiled), memoryLoaded: max((m) => m.memoryLoaded), compilePeak: max((m) => m.compilePeak),
  };
}

function measureIn(shape: ShapeName, only: string): Promise<ShapeResult> {
  return runChild<ShapeResult>("measure.ts", [shape, ...passOn, "--only", only], `measuring ${shape} (${only})`);
}

/** Runs one of this folder's scripts in a process of its own and parses its `RESULT {json}` line. */
function runChild<T>(script: string, scriptArgs: string[], what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", path.join(here, script), ...scriptArgs], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("RESULT "));
      if (code !== 0 || !line) return reject(new Error(`${what} failed (exit ${code})`));
      resolve(JSON.parse(line.slice(7)) as T);
    });
  });
}

interface Check { what: string; ok: boolean }

/** The engine's targets on one shape. */
function checks(r: ShapeResult): Check[] {
  const scale = Math.max(1, r.termCount / 50_000);
  const eng = r.matchers.find((m) => m.kind === "engine")!;
  const out: Check[] = [];
  const limit = (what: string, v: number | undefined, max: number, unit: string, d = 0) =>
    out.push({ what: `${what} ${v?.toFixed(d)} ${v !== undefined && v <= max ? "≤" : ">"} ${max.toFixed(d)} ${unit}`, ok: v !== undefined && v <= max });
  limit("build", eng.build, TARGET.buildMs * scale, "ms");
  limit("load", eng.load, TARGET.loadMs * scale, "ms", 1);
  limit("memory", eng.memory, TARGET.memoryMB * scale, "MB", 1);
  for (const t of r.texts) {
    const ratio = peerRatio(r, t.name);
    if (ratio !== undefined)
      out.push({ what: `${t.name} ${ratio.toFixed(1)}× ${ratio >= TARGET.peerRatio ? "≥" : "<"} ${TARGET.peerRatio}× peer`, ok: ratio >= TARGET.peerRatio });
  }
  if (r.shape === "cjk") {
    const v = eng.scans.microblog?.mchar ?? 0;
    out.push({ what: `microblog ${v.toFixed(1)} ${v >= TARGET.cjkMicroblogMchar ? "≥" : "<"} ${TARGET.cjkMicroblogMchar} Mchar/s`, ok: v >= TARGET.cjkMicroblogMchar });
  }
  return out;
}

/** Engine scan ÷ the fastest peer's on one text (undefined without peers). */
function peerRatio(r: ShapeResult, text: string): number | undefined {
  const eng = r.matchers.find((m) => m.kind === "engine")!;
  const peers = r.matchers.filter((m) => m.kind === "peer" && m.scans[text]);
  if (!peers.length) return undefined;
  return eng.scans[text]!.mchar / Math.max(...peers.map((p) => p.scans[text]!.mchar));
}

const num = (x: number | undefined, d = 0) => (x === undefined ? "–" : x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d }));
const mchar = (x: number | undefined) => (x === undefined ? "–" : x < 10 ? num(x, 2) : num(x, 1));

function rows(r: ShapeResult): string[] {
  const textNames = r.texts.map((t) => t.name);
  const cell = (m: MatcherResult, f: (s: MatcherResult["scans"][string]) => string) => textNames.map((t) => (m.scans[t] ? f(m.scans[t]!) : "–"));
  const shapeCell = `**${r.shape}** (${num(r.termCount)})`;
  return r.matchers.map((m) => {
    const eng = m.kind === "engine";
    const prefix = Object.values(m.scans).find((s) => s.prefix)?.prefix;
    const name = (eng ? "**this engine**" : m.name) + (prefix ? ` (first ${num(prefix)} chars)` : "") + (m.note ? ` (${m.note})` : "");
    const scans = cell(m, (s) => (eng ? `**${mchar(s.mchar)}**` : mchar(s.mchar)));
    const matches = m.kind === "bare" ? "–" : cell(m, (s) => num(s.matches)).join(" / ");
    const memory = eng ? `${num(m.memoryCompiled, 1)} / ${num(m.memoryLoaded, 1)} (${num(m.compilePeak)})` : num(m.memory, 1);
    const ratio = eng ? textNames.map((t) => { const x = peerRatio(r, t); return x === undefined ? "–" : `${x.toFixed(1)}×`; }).join(" / ") : "";
    let verdict = "";
    if (eng) {
      const failed = checks(r).filter((c) => !c.ok);
      verdict = failed.length ? `MISS: ${failed.map((c) => c.what).join("; ")}` : "PASS";
    } else if (m.kind === "bare") verdict = "ceiling";
    return `| ${shapeCell} | ${name} | ${scans.join(" | ")} | ${matches} | ${num(m.build)}${m.buildFirst !== undefined ? ` (${num(m.buildFirst)})` : ""} | ${num(m.bytes)} | ${m.load === undefined ? "–" : num(m.load, 2)}${m.loadFirst !== undefined ? ` (${num(m.loadFirst, 1)})` : ""} | ${memory} | ${ratio} | ${verdict} |`;
  });
}

/** The hostile texts' table: each text's speed as the largest post and as a long text, beside the microblog text's. */
function hostileLines(h: HostileResult): string[] {
  const base = h.rows.find((r) => r.name === "microblog")!;
  const slowest = h.rows.reduce((a, b) => (b.postMs > a.postMs ? b : a));
  return [
    `Hostile texts (bench/engine/hostile.ts): the engine on the scale dictionary (${num(h.termCount)} terms), each text as the largest post the screening API takes ` +
      `(${num(h.postBytes)} bytes of UTF-8) and as ${num(h.longLength)} characters; linear: the ${num(h.longLength)} characters read at least 0.7 times as fast per character as their first quarter; measured in ${h.seconds.toFixed(0)} s.`,
    "",
    `| text | what it is | characters in the largest post | ms per largest post | Mchar/s, largest post | Mchar/s, ${num(h.longLength)} chars | ÷ microblog | matches per 1,000 chars | linear |`,
    "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ...h.rows.map((r) =>
      `| ${r.name} | ${r.describe} | ${num(r.postChars)} | ${num(r.postMs, 2)} | ${mchar(r.mcharPost)} | ${mchar(r.mcharLong)} | ${(r.mcharLong / base.mcharLong).toFixed(2)} | ${num(r.perThousand, 1)} | ` +
      // Judged between the long text and its first quarter: a cost that grows faster than the
      // text reads several times slower per character on four times the text. Not against the
      // post: a post's matches fit the caches, a long text's do not (glued terms, 281 matches per
      // 1,000 characters: the post 17, the long text 7.6–9.5 Mchar/s, flat from 131,072 characters on).
      `${r.mcharLong >= 0.7 * r.mcharQuarter ? "yes" : "NO: slower per character on four times the text"} |`,
    ),
    "",
    `Slowest post: ${slowest.name}, ${num(slowest.postMs, 2)} ms of engine time for ${num(slowest.postChars)} characters (the microblog text's: ${num(base.postMs, 2)} ms for ${num(base.postChars)}).`,
  ];
}

async function main() {
  const started = performance.now();
  const load0 = os.loadavg();
  const cpu = `${os.cpus()[0]?.model ?? "unknown CPU"} × ${os.cpus().length}`;
  console.error(`bench:engine — ${matrix ? `shapes ${shapes.join(", ")}` : "hostile texts"}${passOn.length ? ` (${passOn.join(" ")})` : ""}; load average ${load0.map((x) => x.toFixed(2)).join(", ")}`);
  const results: ShapeResult[] = [];
  if (matrix) for (const s of shapes) results.push(await measure(s));
  const hostileResult = hostile ? await runChild<HostileResult>("hostile.ts", passOn.filter((f) => f === "--quick"), "hostile texts") : undefined;
  const load1 = os.loadavg();

  const head = [
    "| shape (terms) | matcher | scan Mchar/s, microblog | scan Mchar/s, current text | matches (microblog / current) | build ms (engine: first) | serialized bytes | load() ms (first) | retained MB, heap + ArrayBuffers (engine: compile peak) | engine ÷ fastest peer (microblog / current) | targets |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
  ];
  const matrixLines = [
    ...head,
    ...results.flatMap(rows),
    "",
    "Shapes:",
    ...results.map((r) => {
      const eng = r.matchers.find((m) => m.kind === "engine")!;
      const rate = r.texts.map((t) => `${t.name} ${num(t.length)} chars, ${eng.scans[t.name]?.matches ? num(t.length / eng.scans[t.name]!.matches!, 0) : "–"} chars per engine match`).join("; ");
      return `- ${r.shape}: ${r.describe}; ${num(r.distinctHan)} distinct Chinese characters. Texts: ${rate}. Measured in ${r.seconds.toFixed(0)} s.`;
    }),
    "",
    `Targets (issue #18), per 50,000 terms and linear above: build ≤ ${TARGET.buildMs} ms, load() ≤ ${TARGET.loadMs} ms, retained memory ≤ ${TARGET.memoryMB} MB ` +
      `(the larger of the compiled and the loaded matcher, module tables included; shown as compiled / loaded; in brackets how far resident memory rose during the first compile, ` +
      `which a publish needs in its isolate on top of the rest and is no target), scan ≥ ${TARGET.peerRatio}× the fastest peer on every text, ` +
      `≥ ${TARGET.cjkMicroblogMchar} Mchar/s on the cjk microblog text. Build and load() are judged on the best of several warm runs; ` +
      `in brackets the process's first call, on cold code, which is what a publish and an isolate's first screen pay. The engine runs with all normalisation (folding, noise, repeats, whole words); the peers match exactly, so they find fewer matches.`,
    ...results.map((r) => `- ${r.shape}: ${checks(r).map((c) => `${c.ok ? "PASS" : "MISS"} ${c.what}`).join("; ")}`),
  ];
  const lines = [
    `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC — ${cpu}, ${os.platform()} ${os.arch()}, Node ${process.version}; ` +
      `load average before ${load0.map((x) => x.toFixed(2)).join(", ")}, after ${load1.map((x) => x.toFixed(2)).join(", ")}; ` +
      `${((performance.now() - started) / 1000).toFixed(0)} s${passOn.length ? ` (${passOn.join(" ")})` : ""}` +
      (matrix ? `; each matcher the best of ${processes} process${processes > 1 ? "es" : ""}` : ""),
    "",
    ...(matrix ? matrixLines : []),
    ...(matrix && hostileResult ? [""] : []),
    ...(hostileResult ? hostileLines(hostileResult) : []),
  ];
  console.log(lines.join("\n"));
  const json = opt("--json");
  if (json) writeFileSync(json, JSON.stringify({ load: [load0, load1], cpu, node: process.version, results, hostile: hostileResult }, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
