/**
 * Hostile texts: what a user who wants screening to be slow, or to miss, can write. The engine
 * on the scale dictionary (every script the shapes use) scans texts made to hit its slow paths
 * (noise, invisible characters, look-alikes, full-width letters, leetspeak, combining marks),
 * its deepest walks (prefixes of long terms that never complete) and the most matches per
 * character a realistic dictionary gives (terms back to back), beside the shape's microblog text
 * measured in the same process. Each text as the largest post the screening API takes (65,536
 * bytes of UTF-8: 65,536 ASCII characters, 21,845 Chinese ones) and at 1,000,000 characters, so
 * a cost that grows faster than the text shows.
 *
 *   node --expose-gc --import tsx bench/engine/hostile.ts [--quick]   (run.ts starts it; prints `RESULT {json}`)
 *   (ENGINE=/path/to/engine/index.ts: another build of the engine, as in measure.ts)
 */
import * as OpenCC from "opencc-js";
import { MAX_TEXT_BYTES } from "../../workers/screening/src/text.js";
import { mulberry32 } from "./data.js";
import { makeShape } from "./shapes.js";
import { bestTime } from "./timing.js";

export interface HostileRow {
  name: string;
  describe: string;
  /** The largest post of this text: its characters and engine time (best, ms) and Mchar/s. */
  postChars: number;
  postMs: number;
  /** Mchar/s of the largest post and of the long text; matches per 1,000 characters (long text). */
  mcharPost: number;
  mcharLong: number;
  /** The long text's first quarter: linearity is judged between it and the whole (run.ts). */
  mcharQuarter: number;
  perThousand: number;
}
export interface HostileResult {
  termCount: number;
  postBytes: number;
  longLength: number;
  rows: HostileRow[];
  seconds: number;
}

/** The screening API's limit on a post's text, in bytes of UTF-8. */
export const POST_BYTES = MAX_TEXT_BYTES;

/** The longest prefix of `text` within `bytes` bytes of UTF-8 (not splitting a surrogate pair). */
export function prefixWithin(text: string, bytes: number): string {
  let used = 0, i = 0;
  while (i < text.length) {
    const u = text.charCodeAt(i);
    const pair = u >= 0xd800 && u < 0xdc00 && i + 1 < text.length;
    const size = pair ? 4 : u < 0x80 ? 1 : u < 0x800 ? 2 : 3;
    if (used + size > bytes) break;
    used += size;
    i += pair ? 2 : 1;
  }
  return text.slice(0, i);
}

/** Hostile texts of `length` characters from a dictionary's terms (seeded: the same every run). */
export function hostileTexts(terms: readonly string[], microblog: string, length: number): { name: string; describe: string; text: string }[] {
  const rnd = mulberry32(20261211);
  const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length)]!;
  const fill = (part: (i: number) => string) => {
    const parts: string[] = [];
    for (let n = 0, i = 0; n < length; i++) {
      const p = part(i);
      parts.push(p);
      n += p.length;
    }
    return parts.join("").slice(0, length);
  };
  const han = terms.filter((t) => /^\p{Script=Han}+$/u.test(t));
  const latin = terms.filter((t) => /^[a-z]+( [a-z]+)*$/.test(t));
  const longHan = [...han].sort((a, b) => b.length - a.length).slice(0, 200);
  const toTraditional = OpenCC.Converter({ from: "cn", to: "t" });
  const fullWidth = (s: string) => s.replace(/[a-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).replace(/ /g, "\u3000");
  const leet = (s: string) => s.replace(/a/g, "@").replace(/s/g, "$").replace(/e/g, "3").replace(/o/g, "0").replace(/i/g, "1");
  const lookAlike = (s: string) => s.replace(/a/g, "\u0430").replace(/o/g, "\u043e").replace(/e/g, "\u0435").replace(/p/g, "\u0440").replace(/c/g, "\u0441");
  return [
    { name: "microblog", describe: "the scale shape's microblog text (the baseline)", text: microblog.slice(0, length) },
    { name: "glued terms", describe: "Chinese terms back to back: the most matches a realistic dictionary gives", text: fill(() => pick(han)) },
    { name: "noise-split terms", describe: "each character of a term after a `*` (every match crosses noise)", text: fill(() => [...pick(han)].join("*") + "，") },
    { name: "invisible-split terms", describe: "Chinese terms with a zero-width space between characters", text: fill(() => [...pick(han)].join("\u200b") + " ") },
    { name: "traditional terms", describe: "Chinese terms in traditional characters (OpenCC), back to back", text: fill(() => toTraditional(pick(han))) },
    { name: "term prefixes", describe: "the longest Chinese terms without their last character: deep walks that never match", text: fill(() => { const t = pick(longHan); return t.slice(0, -1); }) },
    { name: "one character", describe: "哈 repeated", text: "哈".repeat(length) },
    { name: "Latin phrases", describe: "English terms separated by spaces", text: fill(() => pick(latin) + " ") },
    { name: "Latin glued", describe: "English terms without spaces (the whole-word rule rejects nearly every match)", text: fill(() => pick(latin).replace(/ /g, "")) },
    { name: "leetspeak", describe: "English terms with @ $ 3 0 1 for a s e o i", text: fill(() => leet(pick(latin)) + " ") },
    { name: "full-width", describe: "English terms in full-width letters (ｆｒｅｅ)", text: fill(() => fullWidth(pick(latin)) + "\u3000") },
    { name: "look-alikes", describe: "English terms with Cyrillic а о е р с", text: fill(() => lookAlike(pick(latin)) + " ") },
    { name: "spaced letters", describe: "English terms letter by letter (s p a m)", text: fill(() => [...pick(latin).replace(/ /g, "")].join(" ") + "   ") },
    { name: "combining marks", describe: "English terms with U+0301 after every letter", text: fill(() => pick(latin).replace(/[a-z]/g, "$&\u0301") + " ") },
    { name: "@ and $", describe: "@$ repeated (each one asks whether it stands for a letter)", text: fill((i) => (i % 2 ? "@" : "$")) },
    { name: "emoji", describe: "emoji only (surrogate pairs)", text: fill(() => pick(["😀", "🙏", "👍", "🤣", "🐶", "🔥"])) },
    { name: "one long word", describe: "a single ASCII word: a repeated", text: "a".repeat(length) },
    { name: "digits", describe: "digits only", text: fill((i) => String(i % 10)) },
  ];
}

const gc = (globalThis as { gc?: () => void }).gc;

async function main(quick: boolean): Promise<HostileResult> {
  const started = performance.now();
  const longLength = quick ? 200_000 : 1_000_000;
  const shape = makeShape("scale", longLength);
  const { compile } = await import(process.env.ENGINE ?? "../../workers/screening/engine/index.js");
  const matcher = compile(shape.terms.map((pattern, i) => ({ id: i + 1, pattern, category: i % 2 ? "spam" : "abuse", severity: 1 + (i % 3) })));
  const microblog = shape.texts.find((t) => t.name === "microblog")!.text;
  const texts = hostileTexts(shape.terms, microblog, longLength);
  const posts = texts.map((t) => prefixWithin(t.text, POST_BYTES));
  const quarters = texts.map((t) => t.text.slice(0, t.text.length >> 2));
  const rows: HostileRow[] = texts.map((t, i) => ({
    name: t.name, describe: t.describe, postChars: posts[i]!.length, postMs: Infinity, mcharPost: 0, mcharLong: 0, mcharQuarter: 0,
    perThousand: (matcher.findAll(t.text).length * 1000) / t.text.length,
  }));
  // Interleaved rounds, best kept per text (as measure.ts does), so a burst of load on a shared
  // machine does not favour one text.
  for (let round = 0; round < (quick ? 2 : 3); round++) {
    texts.forEach((t, i) => {
      const post = posts[i]!, row = rows[i]!;
      gc?.();
      row.postMs = Math.min(row.postMs, bestTime(() => matcher.findAll(post), 8, 1));
      row.mcharPost = post.length / row.postMs / 1000;
      gc?.();
      row.mcharLong = Math.max(row.mcharLong, t.text.length / bestTime(() => matcher.findAll(t.text), quick ? 2 : 3, 1) / 1000);
      gc?.();
      row.mcharQuarter = Math.max(row.mcharQuarter, quarters[i]!.length / bestTime(() => matcher.findAll(quarters[i]!), quick ? 2 : 3, 1) / 1000);
    });
    process.stderr.write(`  [hostile] round ${round + 1} done\n`);
  }
  return { termCount: shape.terms.length, postBytes: POST_BYTES, longLength, rows, seconds: (performance.now() - started) / 1000 };
}

if (process.argv[1]?.endsWith("hostile.ts")) {
  main(process.argv.includes("--quick")).then(
    (r) => process.stdout.write(`RESULT ${JSON.stringify(r)}\n`),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
