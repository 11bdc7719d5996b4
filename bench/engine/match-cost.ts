/**
 * What a match costs: each shape's microblog text without planted terms (prose alone), with the
 * shape's terms planted as in bench:engine, and with the planted terms drawn from only 1, 100 or
 * 10,000 of them (the same rate, the same generator). The time a planted term takes, its own
 * characters included, is the text's time less its prose at the prose-alone rate; with ten terms
 * planted over and over everything the walk reads stays in L1, so the gap between that row and
 * the whole dictionary's is what the machine's memory costs per match.
 *
 *   node --expose-gc --import tsx bench/engine/match-cost.ts [--shape cjk,latin]   (default: cjk)
 *   (ENGINE=/path/to/engine/index.ts: another build of the engine, as in measure.ts)
 */
import { mulberry32 } from "./data.js";
import { makeShape, microblogText, PLANT_EVERY, SHAPE_NAMES, type ShapeName } from "./shapes.js";
import { bestTime } from "./timing.js";
import type { Matcher } from "../../workers/screening/engine/index.js";
const { compile } = (await import(process.env.ENGINE ?? "../../workers/screening/engine/index.js")) as typeof import("../../workers/screening/engine/index.js");

const LENGTH = 1_000_000;
const ROUNDS = 20;
const shapeArg = process.argv.indexOf("--shape");
const shapes = (shapeArg > 0 ? process.argv[shapeArg + 1]! : "cjk").split(",") as ShapeName[];
for (const s of shapes) if (!SHAPE_NAMES.includes(s)) throw new Error(`--shape: one or more of ${SHAPE_NAMES.join(", ")}`);

const gc = (globalThis as { gc?: () => void }).gc;
/** Best of ROUNDS scans, each after a full collection (outside the timing). */
const time = (m: Matcher, text: string) => bestTime(() => m.findAll(text), ROUNDS, 2, gc);
const f1 = (x: number) => x.toFixed(1);

for (const name of shapes) {
  const { terms } = makeShape(name, 1);
  const m = compile(terms.map((pattern, i) => ({ id: i + 1, pattern, category: "x", severity: 1 })));
  const seed = 20261210 + SHAPE_NAMES.indexOf(name); // makeShape's: the "every term" text is bench:engine's
  const prose = microblogText(terms, LENGTH, Number.MAX_SAFE_INTEGER, seed);
  const proseMs = time(m, prose);
  const perProseChar = proseMs / prose.length;
  const rnd = mulberry32(seed);
  const sample = (k: number) => Array.from({ length: k }, () => terms[Math.floor(rnd() * terms.length)]!);
  console.log(`\n${name} (${terms.length.toLocaleString("en")} terms), ${(LENGTH / 1e6).toFixed(0)}M characters, best of ${ROUNDS}; prose alone ${f1(prose.length / proseMs / 1000)} Mchar/s (${(perProseChar * 1e6).toFixed(1)} ns a character), ${m.findAll(prose).length.toLocaleString("en")} chance matches`);
  console.log("| planted terms drawn from | planted | matches | Mchar/s | ns per planted term (its characters included) |");
  console.log("|---|---:|---:|---:|---:|");
  for (const [label, list] of [["10 terms", sample(10)], ["100 terms", sample(100)], ["10,000 terms", sample(10_000)], ["every term (bench:engine's text)", terms]] as const) {
    const planted = { terms: 0, chars: 0 };
    const text = microblogText(list, LENGTH, PLANT_EVERY[name], seed, planted);
    const ms = time(m, text);
    const perTerm = (ms - (text.length - planted.chars) * perProseChar) / planted.terms;
    console.log(`| ${label} | ${planted.terms.toLocaleString("en")} | ${m.findAll(text).length.toLocaleString("en")} | ${f1(text.length / ms / 1000)} | ${(perTerm * 1e6).toFixed(0)} |`);
  }
}
