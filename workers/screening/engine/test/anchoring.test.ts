/**
 * Word-start anchoring (search.ts, Runtime.skipUnit): once the automaton's state string
 * starts inside a run of ASCII letters and digits, the searcher skips the rest of the run.
 * These tests aim at that path: Latin-heavy texts, whole-word dictionaries, runs that go
 * on across noise after a skipped word, and the dictionaries that must turn it off.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compile, type CompileOptions, type TermEntry } from "../index.js";
import type { Runtime } from "../search.js";
import { expectAgreesWithReference } from "./agree.js";
import { referenceFindAll } from "./reference.js";

const LETTERS = ["a", "b", "c", "i", "l", "o", "s", "x"];
// Mostly ASCII words; some code units that stop a skip (non-ASCII letters, CJK numerals
// folding to digits, digits) or join words (noise within maxGap).
// "@", "$" and astral letters (𝐚 = a, 𝐬 = s) take the slow path.
const wordArb = fc.array(fc.constantFrom(...LETTERS, ...LETTERS, "1", "0", "3", "Ａ", "é", "一", "三", "@", "$", "𝐚", "𝐬"), { minLength: 1, maxLength: 9 }).map((a) => a.join(""));
const sepArb = fc.constantFrom(" ", " ", " ", "-", "  ", ". ", "\u200b", "词", "");
const textArb = fc.array(fc.tuple(wordArb, sepArb), { maxLength: 24 }).map((ws) => ws.map(([w, s]) => w + s).join(""));

const termArb = fc.record({
  pattern: fc.oneof(
    fc.array(fc.constantFrom(...LETTERS), { minLength: 1, maxLength: 9 }).map((a) => a.join("")),
    fc.constantFrom("一词", "三x", "ab cd", "词a"),
  ),
  category: fc.constant("c"),
  severity: fc.constant(1),
  flags: fc.record({ repeats: fc.boolean(), wholeWord: fc.constantFrom(true, true, true, true, false) }, { requiredKeys: [] }),
});
const dictArb = fc.array(termArb, { minLength: 1, maxLength: 30 }).map((ts) => ts.map((t, i): TermEntry => ({ id: i + 1, ...t })));
const optionsArb = fc.record(
  {
    maxGap: fc.integer({ min: 0, max: 3 }),
    denseMinFrequency: fc.constantFrom(1, 2, 4),
    allow: fc.array(fc.array(fc.constantFrom(...LETTERS, " "), { minLength: 1, maxLength: 7 }).map((a) => a.join("").trim() || "a"), { maxLength: 2 }),
  },
  { requiredKeys: [] },
);

const skipUnits = (m: ReturnType<typeof compile>) => {
  const table = (m as unknown as { rt: Runtime }).rt.skipUnit; // white-box: the derived table
  return [...table].flatMap((x, u) => (x ? [String.fromCharCode(u)] : [])).join("");
};

describe("word-start anchoring", () => {
  it("agrees with the reference on Latin-heavy texts", () => {
    // Texts built from the dictionary's own terms, glued to letters (so they die mid-word
    // and get skipped), standing alone or split by noise (so a whole word so far goes on in
    // the next one), between random words.
    const withTerms = dictArb.chain((dict) => {
      const term = fc.constantFrom(...dict.map((t) => t.pattern));
      const piece = fc.oneof(
        wordArb,
        fc.tuple(fc.constantFrom(...LETTERS, ""), term, fc.constantFrom(...LETTERS, "", "", "")).map(([a, t, b]) => a + t + b),
        fc.tuple(term, fc.nat(), fc.constantFrom(" ", "-", ". ")).map(([t, k, sep]) => t.slice(0, k % (t.length + 1)) + sep + t.slice(k % (t.length + 1))),
      );
      const text = fc.array(fc.tuple(piece, sepArb), { maxLength: 16 }).map((ps) => ps.map(([w, sep]) => w + sep).join(""));
      return fc.tuple(fc.constant(dict), fc.array(fc.oneof(text, textArb), { minLength: 1, maxLength: 3 }));
    });
    fc.assert(
      fc.property(withTerms, optionsArb, ([dict, texts], options: CompileOptions) => {
        expectAgreesWithReference(dict, options, texts);
      }),
      { numRuns: 2500 },
    );
  });

  it("a word that is a term's prefix goes on across noise from any depth", () => {
    // At the space the state is the whole word so far; the next letter follows its goto edge
    // (or starts from the root). Five letters in, the state is past the dense ones.
    const dict: TermEntry[] = [
      { id: 1, pattern: "abcdefgh", category: "c", severity: 1 },
      { id: 2, pattern: "abcd", category: "c", severity: 1 },
    ];
    for (const denseMinFrequency of [1, 1e9]) {
      const m = compile(dict, { denseMinFrequency });
      for (const text of ["abcde fgh", "abcdef gh", "ab cdefgh", "abcdefg h", "xy abcde fgh abcd"]) {
        expect(m.findAll(text)).toEqual(referenceFindAll(dict, { denseMinFrequency }, text));
      }
      expect(m.findAll("abcde fgh")).toEqual([{ termId: 1, start: 0, end: 9 }]);
    }
  });

  it("a run that goes on across noise after a skipped word keeps its true start and length", () => {
    // After "pxosa" the state string ("xosa") starts mid-word, so the rest of "pxosai" is
    // skipped; its last run (i) goes on after the space.
    const entries = (repeats: boolean): TermEntry[] => [
      { id: 1, pattern: "pxos", category: "c", severity: 1, flags: { repeats } },
      { id: 2, pattern: "xosa", category: "c", severity: 1, flags: { repeats } },
      { id: 3, pattern: "irliy", category: "c", severity: 1, flags: { repeats } },
    ];
    const text = "pxosai irliy";
    for (const repeats of [true, false]) {
      const dict = entries(repeats);
      const m = compile(dict, { denseMinFrequency: 1 });
      expect(m.findAll(text)).toEqual(referenceFindAll(dict, { denseMinFrequency: 1 }, text));
    }
    // The whole run "i i" starts mid-word; a repeats match may begin at its later symbol, and an
    // ordinary pattern may start inside the run: both find "irliy" after the space.
    for (const repeats of [true, false])
      expect(compile(entries(repeats), { denseMinFrequency: 1 }).findAll(text)).toEqual([{ termId: 3, start: 7, end: 12 }]);
  });

  it("a skipped word's last run that goes on through the slow path is followed from its state", () => {
    // "sas" dies at the second "s" (the state string "s" starts mid-word) and is skipped;
    // its last run, s, goes on after the space with 𝐬 (slow path), where "sal" may start.
    const dict: TermEntry[] = [{ id: 1, pattern: "sal", category: "c", severity: 1, flags: { repeats: false } }];
    const m = compile(dict, { denseMinFrequency: 1 });
    for (const text of ["sas 𝐬al", "sas 𝐬al sal", "sas @sal"]) expect(m.findAll(text)).toEqual(referenceFindAll(dict, { denseMinFrequency: 1 }, text));
    expect(m.findAll("sas 𝐬al")).toEqual([{ termId: 1, start: 4, end: 8 }]);
  });

  it("a state string reaching back across noise and a repeat is not taken for a mid-word one", () => {
    // At "c", the failure step leaves "xoob" for "oobc": 3 runs but 4 code units, starting
    // at a word start after the space. Counting code units as runs would skip it.
    const dict: TermEntry[] = [
      { id: 1, pattern: "xoobz", category: "c", severity: 1 },
      { id: 2, pattern: "oobc", category: "c", severity: 1 },
    ];
    const m = compile(dict, { denseMinFrequency: 1 });
    for (const text of ["x oobc", "x-oobc", "x oobc oobc"]) expect(m.findAll(text)).toEqual(referenceFindAll(dict, { denseMinFrequency: 1 }, text));
    expect(m.findAll("x oobc")).toEqual([{ termId: 2, start: 2, end: 6 }]);
  });

  it("is on for whole-word Latin dictionaries and off for the classes of patterns that may start mid-word", () => {
    const latin: TermEntry[] = [{ id: 1, pattern: "abc", category: "c", severity: 1 }];
    const all = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    expect(skipUnits(compile(latin))).toBe(all);
    // wholeWord: false on a term starting with "a" (A and a are one class).
    expect(skipUnits(compile([...latin, { id: 2, pattern: "ab", category: "c", severity: 1, flags: { wholeWord: false } }]))).toBe(all.replace(/[Aa]/g, ""));
    // A CJK term starting with 一 (folds to 1, the class of 1, i and l) may start anywhere.
    expect(skipUnits(compile([...latin, { id: 2, pattern: "一中", category: "c", severity: 1 }]))).toBe(all.replace(/[1IiLl]/g, ""));
    // Allow phrases are whole-word at their Latin ends, like terms: they do not turn it off.
    expect(skipUnits(compile(latin, { allow: ["bcd"] }))).toBe(all);
  });

  it("allow phrases match whole words at their Latin ends", () => {
    const dict: TermEntry[] = [{ id: 1, pattern: "sex", category: "c", severity: 1, flags: { wholeWord: false } }];
    const m = compile(dict, { allow: ["sussex"] });
    expect(m.findAll("sussex")).toEqual([]);
    expect(m.findAll("xsussex").map((x) => x.start)).toEqual([3]); // "xsussex" is not the phrase ("ss" is one run)
    expect(m.findAll("sussexy").map((x) => x.start)).toEqual([2]);
    expect(m.findAll("the sussex coast")).toEqual([]);
  });
});
