import { makeShape } from "../shapes.js";
const shape = makeShape((process.env.SHAPE ?? "scale") as any, 1000);
const entries = shape.terms.map((pattern, i) => ({ id: i + 1, pattern, category: "x", severity: 1 }));
(globalThis as any).gc();
const base = process.memoryUsage();
const { compile } = await import("../../../workers/screening/engine/index.js");
if (process.env.DO) { const m = compile(entries); const b = m.serialize(); (globalThis as any).keep = [m, b]; }
(globalThis as any).gc();
const after = process.memoryUsage();
console.log(process.env.SHAPE, process.env.DO ? "compile" : "baseline", "rss", (base.rss / 2 ** 20).toFixed(0), "→", (after.rss / 2 ** 20).toFixed(0), "MB");
