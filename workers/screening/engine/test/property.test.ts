/** Property tests: the engine agrees with the naive reference on random dictionaries and texts. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compile, type CompileOptions, type TermEntry } from "../index.js";
import { expectAgreesWithReference } from "./agree.js";
import { referenceFindAll } from "./reference.js";

// Small alphabets so matches, overlaps, runs and disguises are frequent.
const TERM_CHARS = ["a", "b", "c", "s", "o", "l", "词", "语", "法", "一", "é", "x", "가", "ก", "п"];
const TEXT_CHARS = [
  ...TERM_CHARS, ...TERM_CHARS, "A", "Ａ", "а", "ο", "0", "1", "i", "I", "@", "$", "詞", "語", "壹", "①", "ﬁ", "⑩",
  " ", " ", "-", ".", "*", "\u200b", "\u0301", "😀", "𠀀", "\ud800", "\udc00", "z", "中",
];

const termArb = fc.record({
  pattern: fc.array(fc.constantFrom(...TERM_CHARS, " ", "-"), { minLength: 1, maxLength: 5 }).map((a) => a.join("")),
  category: fc.constantFrom("a", "b"),
  severity: fc.integer({ min: 0, max: 3 }),
  flags: fc.record(
    { wholeWord: fc.boolean(), repeats: fc.boolean(), pinyin: fc.boolean(), initials: fc.boolean() },
    { requiredKeys: [] },
  ),
});
const dictArb = fc
  .array(termArb, { minLength: 0, maxLength: 12 })
  .map((ts) => ts.filter((t) => /[^ -]/.test(t.pattern)).map((t, i): TermEntry => ({ id: i * 7 + 1, ...t })));
const optionsArb = fc.record(
  {
    maxGap: fc.integer({ min: 0, max: 3 }),
    // 1 gives dense DFA rows to every Latin character, exercising the dense path.
    denseMinFrequency: fc.constantFrom(1, 2, 3, 5, 1000),
    allow: fc.array(fc.array(fc.constantFrom(...TERM_CHARS), { minLength: 1, maxLength: 6 }).map((a) => a.join("")), { maxLength: 2 }),
  },
  { requiredKeys: [] },
);
const textArb = fc.array(fc.constantFrom(...TEXT_CHARS), { maxLength: 80 }).map((a) => a.join(""));
// The disguises of the hostile texts (bench/engine/hostile.ts), applied to a term.
const DISGUISES: ((t: string) => string)[] = [
  (t) => t,
  (t) => [...t].join("*"),
  (t) => [...t].join("\u200b"),
  (t) => [...t].join(" "),
  (t) => t.replace(/[a-z]/g, "$&\u0301"),
  (t) => t.replace(/[a-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)),
  (t) => t.replace(/a/g, "\u0430").replace(/o/g, "\u043e").replace(/c/g, "\u0441"),
  (t) => t.replace(/a/g, "@").replace(/s/g, "$").replace(/o/g, "0").replace(/l/g, "1"),
  (t) => t.toUpperCase(),
  (t) => t.slice(0, -1),
];

describe("engine vs reference", () => {
  it("findAll, test and load(serialize()) agree with the reference", () => {
    fc.assert(
      fc.property(dictArb, optionsArb, fc.array(textArb, { minLength: 1, maxLength: 4 }), (dict, options: CompileOptions, texts) => {
        expectAgreesWithReference(dict, options, texts);
      }),
      { numRuns: 3000 },
    );
  });

  it("agrees on the dictionary's own terms under the hostile texts' disguises, glued and separated", () => {
    const partArb = fc.tuple(fc.nat(), fc.nat({ max: DISGUISES.length - 1 }), fc.constantFrom("", "", " ", "，", "x"));
    fc.assert(
      fc.property(dictArb, optionsArb, fc.array(partArb, { minLength: 1, maxLength: 15 }), (dict, options: CompileOptions, parts) => {
        const text = dict.length ? parts.map(([k, d, sep]) => DISGUISES[d]!(dict[k % dict.length]!.pattern) + sep).join("") : "";
        expectAgreesWithReference(dict, options, [text]);
      }),
      { numRuns: 800 },
    );
  });

  it("agrees on longer texts built from embedded terms", () => {
    fc.assert(
      fc.property(dictArb, fc.array(fc.oneof(textArb, fc.constantFrom("abc", "词语", "s o l", "fa lun", "ab-c", "aabbcc")), { maxLength: 30 }), (dict, parts) => {
        const text = parts.join(" ");
        const m = compile(dict, { denseMinFrequency: 3 });
        expect(m.findAll(text)).toEqual(referenceFindAll(dict, {}, text));
      }),
      { numRuns: 400 },
    );
  });
});
