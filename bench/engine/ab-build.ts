/**
 * Paired A/B timing of build (`compile`) and `load()` for two engine builds in one process:
 * `BASE=/path/to/other/engine/index.ts SHAPE=latin node --expose-gc --import tsx bench/engine/ab-build.ts`
 * (ROUNDS=8, CLOCK=cpu as in ab.ts; PROFILE=1 only compiles this build ROUNDS times, for
 * `node --cpu-prof`). Each round times A, B, B, A (ABBA) and keeps the round's A/B ratio; the
 * median ratio is the result. Also checks that both builds serialize the same bytes.
 */
import { benchInput } from "./shapes.js";

const B = await import(process.env.THIS ?? "../../workers/screening/engine/index.js");
const { terms } = benchInput();
const entries = terms.map((pattern, i) => ({ id: i + 1, pattern, category: i % 2 ? "spam" : "abuse", severity: 1 + (i % 3) }));
const rounds = Number(process.env.ROUNDS ?? 8);
const gc = () => (globalThis as { gc?: () => void }).gc?.();
if (process.env.PROFILE) {
  for (let r = 0; r < rounds; r++) B.compile(entries);
  process.exit(0);
}
const basePath = process.env.BASE;
if (!basePath) throw new Error("set BASE to the index.ts of the engine build to compare against");
const A = await import(basePath);
const cpuClock = process.env.CLOCK !== "wall";
const now = () => {
  if (!cpuClock) return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const ba: Uint8Array = A.compile(entries).serialize(), bb: Uint8Array = B.compile(entries).serialize();
const same = ba.length === bb.length && ba.every((x, i) => x === bb[i]);
console.log(`bytes: base ${ba.length}, this ${bb.length}${same ? " (identical)" : " (DIFFERENT)"}`);
const timeBuild = (E: typeof B) => { gc(); const t0 = now(); E.compile(entries); return now() - t0; };
const timeLoad = (E: typeof B, bytes: Uint8Array) => { let best = Infinity; for (let k = 0; k < 4; k++) { const t0 = now(); E.load(bytes); best = Math.min(best, now() - t0); } return best; };
const median = (x: number[]) => x.slice().sort((p, q) => p - q)[x.length >> 1]!;
const report = (what: string, ra: number[], rb: number[], ratio: number[]) =>
  console.log(`${what}: median paired speedup ${((median(ratio) - 1) * 100).toFixed(1)}% | best base ${Math.min(...ra).toFixed(1)} ms, this ${Math.min(...rb).toFixed(1)} ms | median base ${median(ra).toFixed(1)}, this ${median(rb).toFixed(1)}`);
const buildA: number[] = [], buildB: number[] = [], buildR: number[] = [], loadA: number[] = [], loadB: number[] = [], loadR: number[] = [];
for (let r = 0; r < rounds; r++) {
  const a1 = timeBuild(A), b1 = timeBuild(B), b2 = timeBuild(B), a2 = timeBuild(A);
  const a = Math.min(a1, a2), b = Math.min(b1, b2);
  buildA.push(a); buildB.push(b); buildR.push(a / b);
  gc();
  const la1 = timeLoad(A, ba), lb1 = timeLoad(B, bb), lb2 = timeLoad(B, bb), la2 = timeLoad(A, ba);
  const la = Math.min(la1, la2), lb = Math.min(lb1, lb2);
  loadA.push(la); loadB.push(lb); loadR.push(la / lb);
}
report("build", buildA, buildB, buildR);
report("load()", loadA, loadB, loadR);
