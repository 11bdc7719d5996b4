/**
 * Paired A/B timing of two engine builds in one process, for hot-loop work on a shared,
 * noisy machine: `BASE=/path/to/other/engine/index.ts node --expose-gc --import tsx bench/engine/ab.ts`
 * (ROUNDS=60, CLOCK=cpu, SHAPE=cjk TEXT=microblog as in quick.ts; THIS=/path/to/index.ts times another
 * build in place of this one, e.g. a copy of the base to measure the noise).
 *
 * Each round times A, B, B, A on the bench text (ABBA cancels drift within the round) and
 * keeps the round's A/B ratio; the median ratio is the result. Separate processes (quick.ts
 * with ENGINE=) drift by ±15 % between runs here; this stays within about ±2 %, and an
 * engine timed against a copy of itself reads 0–1 % on a quiet machine (−2 to +6 % with
 * CLOCK=cpu at a load average of 8–11 on two cores). The base copy should live inside the
 * repository (tsx compiles files outside it differently, which alone made one copy ~10 %
 * slower), e.g. `git archive <commit> workers/screening/engine | tar -x -C /tmp/x` moved
 * under workers/screening/.
 */
import { matchChecksum } from "./data.js";
import { benchInput } from "./shapes.js";

const basePath = process.env.BASE;
if (!basePath) throw new Error("set BASE to the index.ts of the engine build to compare against");
const A = await import(basePath);
const B = await import(process.env.THIS ?? "../../workers/screening/engine/index.js");
const { terms, text } = benchInput(); // SHAPE=cjk TEXT=microblog for another cell of the matrix
const entries = terms.map((pattern, i) => ({ id: i + 1, pattern, category: i % 2 ? "spam" : "abuse", severity: 1 + (i % 3) }));
const ma = A.compile(entries), mb = B.compile(entries);
const ha = matchChecksum(ma.findAll(text)), hb = matchChecksum(mb.findAll(text));
if (ha !== hb) console.log(`MATCHES DIFFER: base ${ha}, this build ${hb}`);
// CLOCK=cpu times by the process's CPU time (user + system, µs resolution) instead of the wall
// clock: on a loaded machine a scan's wall time includes the time it waited for a core.
const cpuClock = process.env.CLOCK === "cpu";
const now = () => {
  if (!cpuClock) return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const time = (m: { findAll(t: string): unknown }) => {
  const t0 = now();
  m.findAll(text);
  return now() - t0;
};
const rounds = Number(process.env.ROUNDS ?? 60);
const ra: number[] = [], rb: number[] = [], ratio: number[] = [];
for (let r = 0; r < rounds; r++) {
  if (r % 10 === 0) (globalThis as { gc?: () => void }).gc?.();
  const a1 = time(ma), b1 = time(mb), b2 = time(mb), a2 = time(ma);
  const a = Math.min(a1, a2), b = Math.min(b1, b2);
  ra.push(a);
  rb.push(b);
  ratio.push(a / b);
}
const median = (x: number[]) => x.slice().sort((p, q) => p - q)[x.length >> 1]!;
const mchar = (ms: number) => (text.length / ms / 1000).toFixed(1);
console.log(
  `this build vs base: median paired speedup ${((median(ratio) - 1) * 100).toFixed(1)}% over ${rounds} rounds | ` +
    `Mchar/s best: base ${mchar(Math.min(...ra))}, this ${mchar(Math.min(...rb))} | median: base ${mchar(median(ra))}, this ${mchar(median(rb))}`,
);
