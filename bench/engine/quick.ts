/**
 * Quick scan-only timing for iteration: engine findAll vs bare loop, plus a result checksum.
 * ENGINE=/path/to/a/copy/of/engine/index.ts times another engine (paired before/after runs).
 */
import { matchChecksum } from "./data.js";
import { benchInput } from "./shapes.js";
const { compile, load } = await import(process.env.ENGINE ?? "../../workers/screening/engine/index.js");

const { terms, text } = benchInput(); // SHAPE=cjk TEXT=microblog for another cell of the matrix
const entries = terms.map((pattern, i) => ({ id: i + 1, pattern, category: i % 2 ? "spam" : "abuse", severity: 1 + (i % 3) }));
let t0 = performance.now();
let m = compile(entries);
for (let i = 0; i < 2; i++) m = compile(entries);
t0 = performance.now();
m = compile(entries);
const buildMs = performance.now() - t0;
const bytes = m.serialize();
let loadMs = Infinity;
for (let i = 0; i < 20; i++) { const a = performance.now(); load(bytes); loadMs = Math.min(loadMs, performance.now() - a); }
const m2 = load(bytes);
const res = m.findAll(text);
const h = matchChecksum(res);
const h2 = matchChecksum(process.env.NOLOAD ? res : m2.findAll(text));
const bare = () => { let x = 0; for (let i = 0; i < text.length; i++) x = (x + text.charCodeAt(i)) | 0; return x; };
let be = Infinity, bb = Infinity, bl = Infinity;
const rounds = Number(process.env.ROUNDS ?? 6);
for (let r = 0; r < rounds; r++) {
  for (let k = 0; k < 4; k++) { const a = performance.now(); bare(); bb = Math.min(bb, performance.now() - a); }
  (globalThis as { gc?: () => void }).gc?.();
  for (let k = 0; k < 4; k++) { const a = performance.now(); m.findAll(text); be = Math.min(be, performance.now() - a); }
  if (!process.env.NOLOAD) for (let k = 0; k < 2; k++) { const a = performance.now(); m2.findAll(text); bl = Math.min(bl, performance.now() - a); }
}
const mc = (ms: number) => (text.length / ms / 1000).toFixed(1);
console.log(`matches ${res.length} hash ${h} loaded-hash ${h2} | engine ${mc(be)} loaded ${mc(bl)} bare ${mc(bb)} => ${((bb / be) * 100).toFixed(1)}% | build ${buildMs.toFixed(0)} ms bytes ${bytes.length} load ${loadMs.toFixed(2)} ms`);
