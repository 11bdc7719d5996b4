/** Edge cases: empty inputs, big texts, surrogates, astral characters, bad compile input. */
import { describe, expect, it } from "vitest";
import { compile, EngineInputError, type TermEntry } from "../index.js";
import { expectAgreesWithReference } from "./agree.js";
import { referenceFindAll } from "./reference.js";
import { ASTRAL_NOISE_BLOCKS, F_NOISE, foldCodePoint } from "../fold.js";

const t = (id: number, pattern: string, flags?: TermEntry["flags"]): TermEntry => ({ id, pattern, category: "c", severity: 1, flags });

describe("edge cases", () => {
  it("empty text and empty dictionary", () => {
    expect(compile([t(1, "a")]).findAll("")).toEqual([]);
    expect(compile([t(1, "a")]).test("")).toBe(false);
    expect(compile([]).findAll("some text")).toEqual([]);
    expect(compile([], { allow: ["x"] }).test("x")).toBe(false);
  });

  it("1 MB text", () => {
    const m = compile([t(1, "needle"), t(2, "词语")]);
    const text = ("lorem ipsum 中文文本 " + "x".repeat(50)).repeat(15_000) + " n-e-e-d-l-e 詞語";
    expect(text.length).toBeGreaterThan(1_000_000);
    const hits = m.findAll(text);
    expect(hits.map((h) => text.slice(h.start, h.end))).toEqual(["n-e-e-d-l-e", "詞語"]);
    expect(m.test(text)).toBe(true);
    const long = "a".repeat(1_000_000);
    expect(compile([t(1, "a", { wholeWord: false, repeats: false })]).findAll(long)).toHaveLength(1_000_000);
    expect(compile([t(1, "aa", { wholeWord: false })]).findAll(long)).toEqual([{ termId: 1, start: 0, end: 1_000_000 }]);
    expect(compile([t(1, "sa", { wholeWord: false })]).findAll("@$".repeat(100_000))).toEqual([]);
  });

  it("orders candidates that arrive far out of start order (nested overlaps)", () => {
    // Every "a" ends a one-letter match and a 20-letter one that started 19 earlier, so each
    // long match arrives after 19 shorter ones it must precede: past findAll's cheap sort.
    const entries = [t(1, "a", { wholeWord: false, repeats: false }), t(2, "a".repeat(20), { wholeWord: false, repeats: false }), t(3, "ab", { wholeWord: false, repeats: false })];
    for (const text of ["a".repeat(200), "a".repeat(60) + "b", "ab".repeat(30) + "a".repeat(25)]) {
      const got = compile(entries).findAll(text);
      expect(got).toEqual(referenceFindAll(entries, {}, text));
      expect(got.length).toBeGreaterThan(0);
    }
  });

  it("outputs kept in state records and in the output table agree with the reference", () => {
    // A term end holds its one output in its record when every run is one symbol; two terms
    // on one state, a doubled letter, repeats and dictionary links take the output table.
    // Everything dense (denseMinFrequency 1) and nothing dense exercise both kinds of state.
    const entries = [
      t(1, "词语"), t(2, "语"), t(3, "词语"), t(4, "book"), t(5, "noo", { repeats: true }), t(6, "ab", { wholeWord: false }),
      t(2 ** 40, "xyz"), t(-7, "lo", { wholeWord: false }), t(9, "词语句子"), t(10, "句子"), t(11, "bookend"), t(12, "seed", { repeats: false }),
    ];
    const texts = [
      "词语 语 詞語句子 book booook bok noooo no ab-xyz lo hello bookend",
      "词词语语句子 b-o-o-k x y z abab sed seed seeed s-e-e-d",
      "noo nooo xyzz ab lolo 句子词语 bokend",
    ];
    for (const denseMinFrequency of [1, 1e9]) expectAgreesWithReference(entries, { denseMinFrequency }, texts);
  });

  it("dense states step by goto records, or by DFA rows when the records cannot hold them", () => {
    // Goto records hold at most 31 dense classes; with 36 (letters and digits, all dense
    // at denseMinFrequency 1) the DFA rows are built and read instead.
    const symbols = "abcdefghijklmnopqrstuvwxyz0123456789";
    const entries = Array.from({ length: 60 }, (_, i) => t(i + 1, symbols[i % 36]! + symbols[(i * 7 + 3) % 36]! + symbols[(i * 11 + 5) % 36]!, { wholeWord: i % 3 !== 0 }));
    const texts = [entries.map((e) => e.pattern).join(" "), entries.map((e) => e.pattern.slice(1) + e.pattern).join("-"), symbols + " " + symbols.split("").reverse().join("")];
    const rows = (m: ReturnType<typeof compile>) => (m as unknown as { rt: { denseRows: Uint16Array } }).rt.denseRows.length; // white-box
    expect(rows(compile(entries, { denseMinFrequency: 1 }))).toBeGreaterThan(0);
    expect(rows(compile(entries.slice(0, 8), { denseMinFrequency: 1 }))).toBe(0);
    expectAgreesWithReference(entries, { denseMinFrequency: 1 }, texts);
    expectAgreesWithReference(entries.slice(0, 8), { denseMinFrequency: 1 }, texts);
  });

  it("lone surrogates are noise and never crash", () => {
    const m = compile([t(1, "ab", { wholeWord: false })]);
    expect(m.findAll("a\ud800b")).toEqual([{ termId: 1, start: 0, end: 3 }]);
    expect(m.findAll("a\udc00b")).toEqual([{ termId: 1, start: 0, end: 3 }]);
    expect(m.findAll("\ud800")).toEqual([]);
    expect(m.findAll("ab\ud800")).toEqual([{ termId: 1, start: 0, end: 2 }]);
    expect(m.findAll("\udfffab\ud83d")).toEqual([{ termId: 1, start: 1, end: 3 }]);
  });

  it("astral characters: emoji are noise, CJK extension B are letters", () => {
    const m = compile([t(1, "𠀀𠀁"), t(2, "ok")]);
    expect(m.findAll("x𠀀𠀁y")).toEqual([{ termId: 1, start: 1, end: 5 }]);
    expect(m.findAll("𠀀😀𠀁")).toEqual([{ termId: 1, start: 0, end: 6 }]);
    expect(m.findAll("o👍k 👨‍👩‍👧 ok")).toEqual([{ termId: 2, start: 0, end: 4 }, { termId: 2, start: 14, end: 16 }]);
    expect(m.findAll("𝐨𝐤")).toEqual([{ termId: 2, start: 0, end: 4 }]);
  });

  it("emoji count as one noise character each, up to maxGap", () => {
    const m = compile([t(1, "ok"), t(2, "词语")], { maxGap: 2 });
    expect(m.findAll("o😀🔥k")).toEqual([{ termId: 1, start: 0, end: 6 }]);
    expect(m.findAll("o😀🔥🙏k")).toEqual([]);
    expect(m.findAll("词😀 语 词😀🔥🙏语")).toEqual([{ termId: 2, start: 0, end: 5 }]);
    expect(m.findAll("ok😀")).toEqual([{ termId: 1, start: 0, end: 2 }]);
  });

  it("ASTRAL_NOISE_BLOCKS marks exactly the blocks of astral code points that all fold to noise", () => {
    const wrong: number[] = [];
    let marked = 0;
    for (let b = 0; b < 0x1000; b++) {
      let all = true;
      for (let cp = 0x10000 + (b << 8); all && cp < 0x10000 + ((b + 1) << 8); cp++) all = foldCodePoint(cp) === F_NOISE;
      if (ASTRAL_NOISE_BLOCKS[b] !== (all ? 1 : 0)) wrong.push(b);
      marked += ASTRAL_NOISE_BLOCKS[b]!;
    }
    expect(wrong).toEqual([]);
    expect(ASTRAL_NOISE_BLOCKS[(0x1f600 - 0x10000) >> 8]).toBe(1); // emoji
    expect(ASTRAL_NOISE_BLOCKS[(0x1d41a - 0x10000) >> 8]).toBe(0); // mathematical letters fold to letters
    expect(ASTRAL_NOISE_BLOCKS[(0x20000 - 0x10000) >> 8]).toBe(0); // CJK extension B
    expect(marked).toBeGreaterThan(0);
  });

  it("a CJK character that starts many terms (its pair list searched by halves)", () => {
    const seconds = Array.from({ length: 40 }, (_, k) => String.fromCharCode(0x4e10 + 3 * k));
    const entries = seconds.map((x, k) => t(k + 1, "词" + x));
    const others = Array.from({ length: 40 }, (_, k) => String.fromCharCode(0x4e11 + 3 * k));
    const text = [...seconds, ...others].map((x, k) => (k % 3 ? "词" + x : x + "词")).join("，") + "词" + seconds[39] + "词" + seconds[0];
    for (const denseMinFrequency of [1e9, 1]) {
      const found = compile(entries, { denseMinFrequency }).findAll(text);
      expect(found).toEqual(referenceFindAll(entries, { denseMinFrequency }, text));
      expect(found.length).toBeGreaterThan(20);
    }
  });

  it("agrees with the reference on a mixed astral text", () => {
    const entries = [t(1, "𠀀"), t(2, "ok"), t(3, "a"), t(4, "词")];
    const text = "𠀀𠀀 ok😀ok a\ud800a 词\u200b词 \ud83d";
    expect(compile(entries).findAll(text)).toEqual(referenceFindAll(entries, {}, text));
  });
});

describe("compile input validation", () => {
  it("duplicate ids", () => {
    const err = (() => { try { compile([t(1, "a"), t(2, "b"), t(1, "c"), t(2, "d")]); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(EngineInputError);
    expect((err as EngineInputError).ids).toEqual([1, 2]);
    expect((err as EngineInputError).message).toMatch(/duplicate ids: 1, 2/);
  });

  it("patterns empty after normalisation", () => {
    const err = (() => { try { compile([t(1, "a"), t(5, " - "), t(6, "\u200b"), t(7, "😀")]); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(EngineInputError);
    expect((err as EngineInputError).ids).toEqual([5, 6, 7]);
  });

  it("malformed entries, too-long patterns and bad options", () => {
    expect(() => compile([{ id: 1.5, pattern: "a", category: "c", severity: 1 }])).toThrow(EngineInputError);
    expect(() => compile([{ id: 1, pattern: 3 as unknown as string, category: "c", severity: 1 }])).toThrow(EngineInputError);
    expect(() => compile([t(1, "a".repeat(257))])).toThrow(/longer than 256/);
    expect(() => compile([t(1, "a")], { maxGap: -1 })).toThrow(EngineInputError);
    expect(() => compile([t(1, "a")], { allow: ["--"] })).toThrow(EngineInputError);
  });

  it("says which input is at fault: terms (by id, or the whole dictionary), allow phrases, options", () => {
    const refusal = (f: () => unknown) => { try { f(); } catch (e) { if (e instanceof EngineInputError) return { ids: e.ids, about: e.about }; throw e; } return undefined; };
    expect(refusal(() => compile([t(1, "a"), t(2, " - ")]))).toEqual({ ids: [2], about: "terms" });
    expect(refusal(() => compile([t(1, "a")], { allow: ["--"] }))).toEqual({ ids: [], about: "allow" });
    expect(refusal(() => compile([t(1, "a")], { maxGap: 65 }))).toEqual({ ids: [], about: "options" });
    // Every character of CJK, Extension A and Extension B (70,304; over 67,000 once folded): past the engine's classes.
    const chars: string[] = [];
    for (const [from, to] of [[0x4e00, 0x9fff], [0x3400, 0x4dbf], [0x20000, 0x2a6df]] as const) for (let cp = from; cp <= to; cp++) chars.push(String.fromCodePoint(cp));
    const entries = Array.from({ length: Math.floor(chars.length / 5) }, (_, i) => t(i + 1, chars.slice(5 * i, 5 * i + 5).join("")));
    expect(() => compile(entries)).toThrow(/distinct characters/);
    expect(refusal(() => compile(entries))).toEqual({ ids: [], about: "terms" });
  });
});

describe("allow list at scale", () => {
  it("test() stays fast with many allow-listed occurrences", () => {
    const m = compile([t(1, "sex", { wholeWord: false })], { allow: ["Sussex"] });
    const text = "Sussex ".repeat(100_000);
    const t0 = performance.now();
    expect(m.test(text)).toBe(false);
    expect(m.findAll(text)).toEqual([]);
    expect(m.test(text + "sex")).toBe(true);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });
});

describe("portability", () => {
  it("engine sources use no Node or Workers APIs (they run in workerd and Node)", async () => {
    const { readdirSync, readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const root = join(import.meta.dirname, "..");
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory() && e.name !== "test") walk(join(dir, e.name));
        else if (e.isFile() && e.name.endsWith(".ts")) files.push(join(dir, e.name));
      }
    };
    walk(root);
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const src = readFileSync(f, "utf8");
      expect(src, f).not.toMatch(/\bBuffer\b|\bprocess\.|\brequire\(|from "node:|from "fs"|\bcaches\b|\bglobalThis\.(?!gc)/);
    }
  });
});
