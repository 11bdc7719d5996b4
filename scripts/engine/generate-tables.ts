/**
 * Generates the engine's static lookup tables into committed `.ts` files so the
 * screening worker needs neither opencc-js nor pinyin-pro at run time (small
 * bundle, fast cold start):
 *
 *   workers/screening/engine/data/fold.generated.ts    code point → folded symbols
 *   workers/screening/engine/data/pinyin.generated.ts  CJK char → toneless pinyin readings
 *
 * Run: ./node_modules/.bin/tsx scripts/engine/generate-tables.ts
 *
 * Folding pipeline for one code point (the same pipeline is applied to terms
 * and to text, so it only has to be consistent, not linguistically perfect):
 *   1. format / combining / default-ignorable characters → IGNORE (invisible), except
 *      the marks that spell words (below)
 *   2. NFKC (full-width, circled, styled letters, ligatures), lower case,
 *      NFD and drop combining marks (é → e), except the marks that spell words: the
 *      vowel signs, viramas and tone marks (not the nuktas) of the Indic scripts (Devanagari to Sinhala),
 *      Thai, Lao, Tibetan, Myanmar and Khmer, and the kana voicing marks. Dropped, they
 *      made different words one (Thai ดี "good" → ด; Hindi बीमा "insurance" → बम "bomb";
 *      が → か): they are symbols like letters, and a character composed with one folds
 *      to its parts (が → か + U+3099).
 *   3. per resulting char: traditional → simplified (OpenCC TSCharacters),
 *      Latin look-alikes (Cyrillic/Greek confusables), Chinese number forms → digits,
 *      leet digits (0 → o, 1 → i) and l → i (1/l/i are one class)
 *   4. letters and numbers that remain are symbols; everything else is dropped;
 *      nothing left → NOISE.
 * Steps 2–3 are iterated to a fixpoint so fold(fold(x)) = fold(x).
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
// @ts-expect-error opencc-js ships no types for its dictionary modules
import TSCharacters from "opencc-js/dict/TSCharacters";
import { pinyin } from "pinyin-pro";

const outDir = join(dirname(fileURLToPath(import.meta.url)), "../../workers/screening/engine/data");

const t2s = new Map<string, string>();
for (const pair of (TSCharacters as unknown as string).split("|")) {
  const [from, to] = pair.split(" ");
  if (from && to && [...from].length === 1 && [...to].length === 1) t2s.set(from, to);
}

// Latin look-alikes from other scripts (lower case: folding lower-cases first).
const CONFUSABLES: Record<string, string> = {
  // Cyrillic
  а: "a", в: "b", е: "e", ё: "e", к: "k", м: "m", н: "h", о: "o", р: "p", с: "c", т: "t",
  у: "y", х: "x", ѕ: "s", і: "i", ї: "i", ј: "j", һ: "h", ԁ: "d", ԛ: "q", ԝ: "w", ӏ: "l", ь: "b",
  // Greek
  α: "a", β: "b", ε: "e", η: "n", ι: "i", κ: "k", ν: "v", ο: "o", ρ: "p", τ: "t", υ: "u",
  χ: "x", ω: "w", ϲ: "c", ϳ: "j",
};
// Chinese number forms → digits (plain and financial forms).
const NUMBERS: Record<string, string> = {
  〇: "0", 零: "0", 一: "1", 壹: "1", 二: "2", 贰: "2", 三: "3", 叁: "3", 四: "4", 肆: "4",
  五: "5", 伍: "5", 六: "6", 陆: "6", 七: "7", 柒: "7", 八: "8", 捌: "8", 九: "9", 玖: "9",
};
// Leet: digits that stand for letters inside words. 1, l and i become one class.
const LEET: Record<string, string> = { "0": "o", "1": "i", l: "i" };

/** Indic nuktas: writers often leave them out (ज़रूरी / जरूरी), so they stay dropped like accents. */
const NUKTAS = new Set([0x093c, 0x09bc, 0x0a3c, 0x0abc, 0x0b3c, 0x0c3c, 0x0cbc]);
/** A combining mark that spells words in its script (see step 2): kept as a symbol. */
const spellsWords = (c: string) => {
  const cp = c.codePointAt(0)!;
  return /^\p{M}$/u.test(c) && !NUKTAS.has(cp) && ((cp >= 0x0900 && cp <= 0x0dff) || (cp >= 0x0e00 && cp <= 0x109f) || (cp >= 0x1780 && cp <= 0x17ff) || cp === 0x3099 || cp === 0x309a);
};
const isSymbolChar = (c: string) => /^[\p{L}\p{N}]$/u.test(c) || spellsWords(c);
const isIgnorable = (c: string) => /^[\p{Cf}\p{Mn}\p{Me}\p{Default_Ignorable_Code_Point}]$/u.test(c) && !spellsWords(c);

function foldString(s: string): string {
  const base = s.normalize("NFKC").toLowerCase().normalize("NFD").replace(/\p{M}/gu, (m) => (spellsWords(m) ? m : "")).normalize("NFC");
  let out = "";
  // A character composed with a mark that spells words folds to its parts (ば → は + ゙), as the
  // same text written decomposed or with a half-width mark (ﾊﾞ) folds code point by code point.
  const parts = [...base].flatMap((c) => {
    const d = [...c.normalize("NFD")];
    return d.length > 1 && d.some(spellsWords) ? d : [c];
  });
  for (let c of parts) {
    c = t2s.get(c) ?? c;
    c = CONFUSABLES[c] ?? c;
    c = NUMBERS[c] ?? c;
    c = LEET[c] ?? c;
    if (isSymbolChar(c)) out += c;
  }
  return out;
}

function foldCodePoint(cp: number): string | null {
  const ch = String.fromCodePoint(cp);
  if (isIgnorable(ch)) return null;
  let prev = ch;
  let cur = foldString(ch);
  for (let i = 0; i < 4 && cur !== prev; i++) {
    prev = cur;
    cur = foldString(cur);
  }
  return cur;
}

// Kinds, shared with data/fold.ts (keep in sync).
const K_NOISE = 0, K_IGNORE = 1, K_IDENTITY = 2, K_MAP = 3, K_EXPAND = 4, K_LEET = 5, K_SURROGATE = 6;

const runs: number[] = [];
let mapped = "";
const expanded: string[] = [];
let runKind = -1;
let runLen = 0;
const push = (k: number) => {
  if (k === runKind) runLen++;
  else {
    if (runLen > 0) runs.push(runKind, runLen);
    runKind = k;
    runLen = 1;
  }
};
for (let cp = 0; cp <= 0x10ffff; cp++) {
  if (cp >= 0xd800 && cp <= 0xdfff) { push(K_SURROGATE); continue; }
  if (cp === 0x40 || cp === 0x24) { push(K_LEET); continue; } // @ and $: letters only next to letters
  const f = foldCodePoint(cp);
  if (f === null) push(K_IGNORE);
  else if (f === "") push(K_NOISE);
  else if (f === String.fromCodePoint(cp)) push(K_IDENTITY);
  else if ([...f].length === 1) { push(K_MAP); mapped += f; }
  else { push(K_EXPAND); expanded.push(f); }
}
runs.push(runKind, runLen);

const header = "// GENERATED by scripts/engine/generate-tables.ts — do not edit by hand.\n";
writeFileSync(
  join(outDir, "fold.generated.ts"),
  header +
    "// Sources: Unicode NFKC/case data of the generating Node runtime, OpenCC TSCharacters (opencc-js).\n" +
    `/** Alternating [kind, runLength] over code points 0..0x10FFFF. */\nexport const FOLD_RUNS: readonly number[] = ${JSON.stringify(runs)};\n` +
    `/** Targets of MAP code points, in code point order. */\nexport const FOLD_MAPPED = ${JSON.stringify(mapped)};\n` +
    `/** Targets of EXPAND code points, in code point order, joined by ",". */\nexport const FOLD_EXPANDED = ${JSON.stringify(expanded.join(","))};\n`,
);

// Pinyin: CJK Ext A + URO. Chars folding to another CJK char (traditional forms) are left
// out: their simplified target carries the readings. Number chars (一 → 1) keep theirs, since
// the compiler looks readings up by the term's original char first.
const PINYIN_FIRST = 0x3400, PINYIN_LAST = 0x9fff;
const readings: string[] = [];
for (let cp = PINYIN_FIRST; cp <= PINYIN_LAST; cp++) {
  const ch = String.fromCodePoint(cp);
  const f = foldCodePoint(cp) ?? "";
  if (f !== ch && /^\p{Script=Han}$/u.test(f)) { readings.push(""); continue; }
  const r = (pinyin(ch, { toneType: "none", multiple: true, type: "array" }) as string[])
    .map((p) => foldString(p))
    .filter((p) => /^[a-z]+$/.test(p));
  readings.push([...new Set(r)].slice(0, 3).join(" "));
}
while (readings.length && readings[readings.length - 1] === "") readings.pop();
writeFileSync(
  join(outDir, "pinyin.generated.ts"),
  header +
    "// Source: pinyin-pro (toneless, up to 3 readings per char, most common first), folded like terms.\n" +
    `export const PINYIN_FIRST = 0x${PINYIN_FIRST.toString(16)};\n` +
    `/** Readings of PINYIN_FIRST + i, separated by ","; readings of one char separated by " ". */\nexport const PINYIN_READINGS = ${JSON.stringify(readings.join(","))};\n`,
);
console.log(`fold runs: ${runs.length / 2}, mapped: ${[...mapped].length}, expanded: ${expanded.length}, pinyin chars: ${readings.length}`);
