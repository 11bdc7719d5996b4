/**
 * Alternating solo timing of two engine builds: each measurement is a process of its own
 * holding one matcher, loaded from bytes as an isolate would, and the builds alternate
 * (base, this, base, this, ...). `BASE=/path/to/other/engine/index.ts node --expose-gc --import
 * tsx bench/engine/solo.ts` (PAIRS=6, SECONDS=6 per process, SHAPE=cjk TEXT=microblog as in ab.ts).
 *
 * Why besides ab.ts: a scan here spends much of its time waiting for memory, and how long
 * depends on the whole process (where the kernel put its pages, what else is cached). ab.ts
 * keeps both builds' matchers in one process, which measured a memory-layout change at +4 to +8 %
 * that solo processes could not tell from noise (README.md, 2026-12-07 06:50); this is slower
 * (a few minutes) and noisier per run (±10–15 %), and says whether a gain survives outside ab.ts.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { benchInput } from "./shapes.js";

const child = process.argv[2] === "--child";
if (child) {
  const { compile, load } = await import(process.argv[3]!);
  const { terms, text } = benchInput();
  const entries = terms.map((pattern: string, i: number) => ({ id: i + 1, pattern, category: i % 2 ? "spam" : "abuse", severity: 1 + (i % 3) }));
  const m = load(compile(entries).serialize());
  (globalThis as { gc?: () => void }).gc?.();
  let best = Infinity;
  const until = performance.now() + 1000 * Number(process.env.SECONDS ?? 6);
  while (performance.now() < until) {
    const t0 = performance.now();
    m.findAll(text);
    best = Math.min(best, performance.now() - t0);
  }
  console.log(text.length / best / 1000);
} else {
  const basePath = process.env.BASE;
  if (!basePath) throw new Error("set BASE to the index.ts of the engine build to compare against");
  const thisPath = process.env.THIS ?? fileURLToPath(new URL("../../workers/screening/engine/index.ts", import.meta.url));
  const run = (engine: string): number => {
    const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", fileURLToPath(import.meta.url), "--child", engine], { encoding: "utf8", env: process.env });
    if (r.status !== 0) throw new Error(`solo run failed: ${r.stderr}`);
    return Number(r.stdout.trim());
  };
  const base: number[] = [], mine: number[] = [];
  const pairs = Number(process.env.PAIRS ?? 6);
  for (let p = 0; p < pairs; p++) {
    base.push(run(basePath));
    mine.push(run(thisPath));
    console.log(`pair ${p + 1}/${pairs}: base ${base[p]!.toFixed(1)}, this ${mine[p]!.toFixed(1)} Mchar/s`);
  }
  const median = (x: number[]) => x.slice().sort((a, b) => a - b)[x.length >> 1]!;
  const range = (x: number[]) => `${Math.min(...x).toFixed(1)}–${Math.max(...x).toFixed(1)}`;
  const faster = mine.filter((v, i) => v > base[i]!).length;
  console.log(
    `solo, ${pairs} alternating pairs: base ${range(base)} (median ${median(base).toFixed(1)}), this ${range(mine)} (median ${median(mine).toFixed(1)}) Mchar/s; ` +
      `medians ${((median(mine) / median(base) - 1) * 100).toFixed(1)} %, this faster in ${faster} of ${pairs} pairs`,
  );
}
