/** serialize() / load(): round trip, and damaged bytes fail with EngineFormatError. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compile, EngineFormatError, FORMAT_VERSION, load, type TermEntry } from "../index.js";

const entries: TermEntry[] = [
  { id: 1, pattern: "ass", category: "profanity", severity: 2 },
  { id: 2, pattern: "词语", category: "политика", severity: 3, flags: { repeats: false } },
  { id: 3, pattern: "法轮功", category: "politics", severity: 5, flags: { pinyin: true, initials: true } },
  { id: 4, pattern: "abcd", category: "x", severity: 0.5, flags: { wholeWord: false } },
  { id: 5, pattern: "bc", category: "x", severity: 1, flags: { wholeWord: false } },
];
const options = { allow: ["Sussex"], maxGap: 2 };
const texts = ["ass a-s-s class 词 语 詞語 flg falungong abcx abcd Sussex", "", "😀\ud800 𠀀"];

describe("serialize / load", () => {
  const m = compile(entries, options);
  const bytes = m.serialize();

  it("round-trips to identical results and term info", () => {
    const l = load(bytes);
    for (const t of texts) {
      expect(l.findAll(t)).toEqual(m.findAll(t));
      expect(l.test(t)).toBe(m.test(t));
    }
    expect(l.term(2)).toEqual({ id: 2, category: "политика", severity: 3 });
    expect(l.term(4)).toEqual({ id: 4, category: "x", severity: 0.5 });
    expect(l.termCount).toBe(5);
    expect(load(l.serialize())).toBeTruthy();
    expect(l.serialize()).toEqual(bytes);
  });

  it("loads from an unaligned copy", () => {
    const buf = new Uint8Array(bytes.length + 3);
    buf.set(bytes, 3);
    expect(load(buf.subarray(3)).findAll(texts[0]!)).toEqual(m.findAll(texts[0]!));
  });

  it("empty dictionary round-trips", () => {
    const e = load(compile([]).serialize());
    expect(e.findAll("anything")).toEqual([]);
    expect(e.test("anything")).toBe(false);
  });

  it("rejects truncated bytes at every length", () => {
    for (let n = 0; n < bytes.length; n += n < 128 ? 1 : 37) {
      expect(() => load(bytes.subarray(0, n))).toThrow(EngineFormatError);
    }
  });

  it("rejects wrong magic and wrong version with a clear message", () => {
    const bad = bytes.slice();
    bad[0] = bad[0]! ^ 0xff;
    expect(() => load(bad)).toThrow(/bad magic/);
    const v = bytes.slice();
    new DataView(v.buffer).setUint32(4, FORMAT_VERSION + 1, true);
    expect(() => load(v)).toThrow(/unsupported format version/);
  });

  it("rejects any single corrupted byte", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const bad = bytes.slice();
        bad[i] = bad[i]! ^ x;
        expect(() => load(bad)).toThrow(EngineFormatError);
      }),
      { numRuns: 500 },
    );
  });

  it("rejects extra trailing bytes and non-Uint8Array input", () => {
    const longer = new Uint8Array(bytes.length + 8);
    longer.set(bytes);
    expect(() => load(longer)).toThrow(EngineFormatError);
    expect(() => load("nope" as unknown as Uint8Array)).toThrow(EngineFormatError);
  });
});
