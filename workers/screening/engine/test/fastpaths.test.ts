/**
 * The scan's fast paths (FastPaths) are exact: with any of them off, and with all of them off
 * (every code point through the slow path's transition()), a matcher finds the same matches.
 * And transition() is the automaton the tables define, on every state.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ALL_FAST_PATHS, compile, load, NO_FAST_PATHS, type CompileOptions, type FastPaths, type TermEntry } from "../index.js";
import { findEdge } from "../build/automaton.js";
import type { CompiledMatcher } from "../matcher.js";
import { transition, type Runtime } from "../search.js";
import { FIRST_CLASS } from "../tables.js";
import { nextMayHave, rootEdgeNext, rootEdgeTo } from "../records.js";

const FAST_PATHS = Object.keys(ALL_FAST_PATHS) as (keyof FastPaths)[];

// Terms: CJK, Latin, CJK mixed with Latin and digits; characters few enough that terms share
// prefixes, repeats and overlaps, and Latin letters frequent enough to be dense classes.
const CJK = ["词", "语", "法", "轮", "功", "代", "开", "发", "票", "一", "三", "마", "약"];
const LATIN = ["a", "b", "c", "s", "o", "l", "i", "x", "q", "ก", "п"];
const termArb = fc.record({
  pattern: fc.oneof(
    fc.array(fc.constantFrom(...CJK), { minLength: 1, maxLength: 6 }).map((a) => a.join("")),
    fc.array(fc.constantFrom(...LATIN), { minLength: 1, maxLength: 7 }).map((a) => a.join("")),
    fc.tuple(fc.array(fc.constantFrom(...CJK), { minLength: 1, maxLength: 3 }), fc.array(fc.constantFrom(...LATIN, "1", "2"), { minLength: 1, maxLength: 3 }))
      .map(([a, b]) => (a.length % 2 ? a.join("") + b.join("") : b.join("") + a.join(""))),
    fc.constantFrom("ab cd", "法轮功", "代开发票qq", "v信123", "s o l"),
  ),
  category: fc.constantFrom("a", "b"),
  severity: fc.constant(1),
  flags: fc.record(
    { wholeWord: fc.constantFrom(true, true, true, false), repeats: fc.boolean(), pinyin: fc.boolean(), initials: fc.boolean() },
    { requiredKeys: [] },
  ),
});
const dictArb = fc.array(termArb, { minLength: 1, maxLength: 25 }).map((ts) => ts.map((t, i): TermEntry => ({ id: i * 3 + 1, ...t })));
const optionsArb = fc.record(
  {
    maxGap: fc.integer({ min: 0, max: 3 }),
    denseMinFrequency: fc.constantFrom(1, 2, 4, 1000),
    allow: fc.array(fc.constantFrom("sussex", "abc", "词语法", "class", "a b"), { maxLength: 2 }),
  },
  { requiredKeys: [] },
);
// Texts: CJK prose, Latin words, noise, emoji, pinyin, full-width and traditional forms.
const pieceArb = fc.oneof(
  fc.array(fc.constantFrom(...CJK, ...CJK, "中", "的", "詞", "語", "輪"), { minLength: 1, maxLength: 8 }).map((a) => a.join("")),
  fc.array(fc.constantFrom(...LATIN, ...LATIN, "1", "0", "Ａ", "é", "@", "$", "z"), { minLength: 1, maxLength: 9 }).map((a) => a.join("")),
  fc.constantFrom(" ", " ", "，", "。", "-", "  ", ". ", "\u200b", "😀", "🙂🙂", "𠀀", "#", "@user ", "\ud800", "[doge]"),
  fc.constantFrom("falungong", "fa lun gong", "flg", "daikaifapiao", "dkfp", "sussex", "class", "qqq", "V信"),
);
const textArb = fc.array(pieceArb, { maxLength: 30 }).map((a) => a.join(""));

/** findAll and test of `dict` with every fast path on, each one off, and all off, on `texts`. */
function expectFastPathsExact(dict: TermEntry[], options: CompileOptions, texts: string[]): void {
  const on = compile(dict, options);
  const variants = [
    compile(dict, { ...options, fastPaths: NO_FAST_PATHS }),
    load(on.serialize(), { fastPaths: NO_FAST_PATHS }),
    ...FAST_PATHS.map((name) => compile(dict, { ...options, fastPaths: { [name]: false } })),
  ];
  for (const text of texts) {
    const want = on.findAll(text);
    const wantTest = on.test(text);
    for (const v of variants) {
      expect(v.findAll(text)).toEqual(want);
      expect(v.test(text)).toBe(wantTest);
    }
  }
}

describe("fast paths", () => {
  it("each fast path off, and all off, finds the same matches on random dictionaries and texts", () => {
    fc.assert(
      fc.property(dictArb, optionsArb, fc.array(textArb, { minLength: 1, maxLength: 3 }), (dict, options: CompileOptions, texts) => {
        expectFastPathsExact(dict, options, texts);
      }),
      { numRuns: 400 },
    );
  });

  it("with texts built from the dictionary's own terms", () => {
    fc.assert(
      fc.property(dictArb, optionsArb, fc.array(fc.tuple(fc.nat(), pieceArb), { maxLength: 20 }), (dict, options: CompileOptions, parts) => {
        const text = parts.map(([k, sep]) => dict[k % dict.length]!.pattern + sep).join("");
        expectFastPathsExact(dict, options, [text, text.toUpperCase()]);
      }),
      { numRuns: 300 },
    );
  });

  it("all off takes no fast path: every code unit through the slow path", () => {
    const m = compile([{ id: 1, pattern: "ab", category: "x", severity: 1 }], { fastPaths: NO_FAST_PATHS }) as CompiledMatcher;
    expect(m.rt.classTable.every((c) => c === 2 /* C_SLOW */)).toBe(true);
    expect(m.rt.latinLoop).toBe(false);
    expect(m.rt.shallowStates).toBe(0);
    expect(m.rt.pairBloom.every((w) => w === -1)).toBe(true);
    expect(m.rt.skipUnit.every((u) => u === 0)).toBe(true);
    expect(m.findAll("xx ab a-b")).toEqual([{ termId: 1, start: 3, end: 5 }, { termId: 1, start: 6, end: 9 }]);
  });
});

/** The goto/failure step as the tables define it: the textbook Aho–Corasick δ. */
function delta(m: Runtime, s: number, c: number): number {
  for (;;) {
    const t = findEdge(m.edgeStart, m.edgeClass, m.edgeTarget, s, c);
    if (t !== 0 || s === 0) return t;
    s = m.fail[s]!;
  }
}

/** transition()'s result as a state (it returns -(state + 1) for a root child by a non-dense class). */
const stateOf = (x: number) => (x >= 0 ? x : -x - 1);

describe("transition()", () => {
  it("is the textbook goto/failure step on every state and class", () => {
    fc.assert(
      fc.property(dictArb, optionsArb, fc.constantFrom(ALL_FAST_PATHS, NO_FAST_PATHS), (dict, options: CompileOptions, fastPaths) => {
        const m = (compile(dict, { ...options, fastPaths }) as CompiledMatcher).rt;
        const N = m.fail.length, classEnd = FIRST_CLASS + m.alphabet.length, denseLimit = FIRST_CLASS + m.denseClasses;
        for (let s = 0; s < N; s++) {
          for (let c = FIRST_CLASS; c < classEnd; c++) expect(stateOf(transition(m, s, c, -1))).toBe(delta(m, s, c));
        }
        // From a root child reached by a non-dense class (the scan's rc), by the pair filter.
        for (let rc = m.denseClasses; rc < m.alphabet.length; rc++) {
          const s = m.rootRow[rc]!;
          if (s === 0) continue;
          for (let c = denseLimit; c < classEnd; c++) expect(stateOf(transition(m, s, c, rc))).toBe(delta(m, s, c));
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe("rootEdges' next (pairStates)", () => {
  it("never rules out an edge the pair's state has, and is only set for a state without outputs", () => {
    fc.assert(
      fc.property(dictArb, optionsArb, (dict, options: CompileOptions) => {
        const m = (compile(dict, options) as CompiledMatcher).rt;
        const classEnd = FIRST_CLASS + m.alphabet.length;
        for (let e = 0; e < m.rootEdges.length / 2; e++) {
          const next = rootEdgeNext(m.rootEdges, e), t = rootEdgeTo(m.rootEdges, e);
          if (next === 0) continue;
          expect(m.emitMask[t]).toBe(0);
          for (let c = FIRST_CLASS; c < classEnd; c++) {
            if (findEdge(m.edgeStart, m.edgeClass, m.edgeTarget, t, c) !== 0) expect(nextMayHave(next, c), `edge by ${c} of s${t}`).toBe(true);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
