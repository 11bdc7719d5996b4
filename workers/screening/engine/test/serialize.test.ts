/** serialize() / load(): round trip, and damaged bytes fail with EngineFormatError. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compile, EngineFormatError, FORMAT_VERSION, load, type TermEntry } from "../index.js";
import type { CompiledMatcher } from "../matcher.js";
import { checksum, deserialize, serializeTables, StreamingChecksum } from "../serialize.js";
import { makeRuntime } from "../search.js";
import type { Tables } from "../tables.js";
import { EDGE_PAIR, OUT_LAST, OUT_REC, recAt, REC_DICT, REC_FAIL_SHIFT, REC_OUT, REC_SLOTS } from "../records.js";

/** The same automaton with its states renumbered: new id of old state s = perm[s] (perm[0] = 0). */
function renumber(t: Tables, perm: number[]): Tables {
  const N = t.fail.length, old = new Array<number>(N);
  perm.forEach((to, from) => (old[to] = from));
  const edgeStart = new Int32Array(N + 1), edgeClass = new Uint16Array(t.edgeClass.length), edgeTarget = new Int32Array(t.edgeTarget.length);
  const outStart = new Int32Array(N + 1), outList = new Int32Array(t.outList.length);
  const fail = new Int32Array(N), dictLink = new Int32Array(N), depth = new Uint16Array(N);
  for (let s = 0, e = 0, o = 0; s < N; s++) {
    const v = old[s]!;
    edgeStart[s] = e;
    for (let k = t.edgeStart[v]!; k < t.edgeStart[v + 1]!; k++, e++) { edgeClass[e] = t.edgeClass[k]!; edgeTarget[e] = perm[t.edgeTarget[k]!]!; }
    outStart[s] = o;
    for (let k = t.outStart[v]!; k < t.outStart[v + 1]!; k++) outList[o++] = t.outList[k]!;
    fail[s] = perm[t.fail[v]!]!;
    dictLink[s] = t.dictLink[v]! < 0 ? -1 : perm[t.dictLink[v]!]!;
    depth[s] = t.depth[v]!;
    edgeStart[s + 1] = e;
    outStart[s + 1] = o;
  }
  return { ...t, edgeStart, edgeClass, edgeTarget, outStart, outList, fail, dictLink, depth, rootRow: t.rootRow.map((r) => perm[r]!) };
}

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

  it("serializedParts are serialize()'s bytes in order, the sections as views of the matcher's own arrays", () => {
    const { byteLength, parts } = m.serializedParts();
    const joined = new Uint8Array(byteLength);
    let off = 0;
    for (const part of parts) { joined.set(part, off); off += part.length; }
    expect(off).toBe(byteLength);
    expect(joined).toEqual(bytes);
    const tables = (m as unknown as CompiledMatcher).tables;
    expect(parts.some((part) => part.buffer === tables.fail.buffer && part.byteOffset === tables.fail.byteOffset)).toBe(true);
  });

  it("the streaming checksum of words split anywhere is checksum() of them", () => {
    fc.assert(
      fc.property(fc.uint32Array({ minLength: 0, maxLength: 40_000 }).map((w) => w.subarray(0, w.length & ~1)), fc.array(fc.nat(70_000), { maxLength: 8 }), (words, cuts) => {
        const raw = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
        const sum = new StreamingChecksum();
        let at = 0;
        for (const cut of [...cuts].sort((a, b) => a - b).map((x) => Math.min(x, raw.length))) { sum.update(raw.subarray(at, Math.max(at, cut))); at = Math.max(at, cut); }
        sum.update(raw.subarray(at));
        expect(sum.digest()).toBe(checksum(words));
      }),
      { numRuns: 60 },
    );
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

  it("loads any state order with parents before children, and rejects a child before its parent", () => {
    // No dense states (only the root), so only the parent-before-child rule constrains ids.
    const dict = [entries[0]!, entries[1]!, { id: 9, pattern: "xyz", category: "x", severity: 1 }];
    const c = compile(dict, { denseMinFrequency: 1e9 }) as CompiledMatcher;
    const t = c.tables, N = t.fail.length;
    expect(t.denseStates).toBe(1);
    // Reverse the order within each depth: parents still come first.
    const byDepth = Array.from({ length: N }, (_, s) => s).sort((a, b) => t.depth[a]! - t.depth[b]! || b - a);
    const keep: number[] = [];
    byDepth.forEach((s, i) => (keep[s] = i));
    const reordered = load(serializeTables(renumber(t, keep)));
    for (const text of ["ass a-s-s 词 语 詞語 xyz x y z class"]) expect(reordered.findAll(text)).toEqual(c.findAll(text));
    // Swap a depth-1 state with one of its children.
    const parent = t.edgeTarget[t.edgeStart[0]!]!, child = t.edgeTarget[t.edgeStart[parent]!]!;
    const swap = Array.from({ length: N }, (_, s) => (s === parent ? child : s === child ? parent : s));
    expect(() => load(serializeTables(renumber(t, swap)))).toThrow(/invalid automaton/);
  });

  it("rejects extra trailing bytes and non-Uint8Array input", () => {
    const longer = new Uint8Array(bytes.length + 8);
    longer.set(bytes);
    expect(() => load(longer)).toThrow(EngineFormatError);
    expect(() => load("nope" as unknown as Uint8Array)).toThrow(EngineFormatError);
  });

  it("stores what the scan derives: the loaded runtime is the derived one", () => {
    const loaded = load(bytes) as CompiledMatcher, fresh = makeRuntime((m as CompiledMatcher).tables);
    for (const name of ["emitMask", "stateRec", "outRec", "escape", "gotoRec", "shallowRows", "rootPack", "rootDenseEdge", "rootEdges", "rootEdgeStart", "pairBloom", "skipUnit", "deadBand", "chainRun", "edgePairs", "classTable"] as const) {
      expect([...loaded.rt[name]], name).toEqual([...fresh[name]]);
    }
    expect([loaded.rt.fastLimit, loaded.rt.pairShift, loaded.rt.shallowStates, loaded.rt.termIsId]).toEqual([fresh.fastLimit, fresh.pairShift, fresh.shallowStates, fresh.termIsId]);
    // A matcher compiled or loaded with fast paths off still writes the default runtime.
    expect(compile(entries, { ...options, fastPaths: { pairFilter: false, wordSkips: false } }).serialize()).toEqual(bytes);
    expect(load(bytes, { fastPaths: { cjkLoop: false } }).serialize()).toEqual(bytes);
  });

  it("reads bytes of format versions 1 to 4 (derived tables derived at load), so policies published before version 5 still load; other versions are refused", () => {
    // compile([{ id: 1, pattern: "ass" }, { id: 2, pattern: "词语" }]).serialize() of the version 1 build
    const v1 = Uint8Array.from(atob("R0hTRQEAAABYAQAAs4QeDgQDAgEDAAAABAAAAAUAAAAEAAAAAgAAAAIAAAAEAAAAAgAAAAkAAAAAAAAAAQAAAGEAAABzAAAAzYsAAO2LAAABAAAAAAAAAAIAAAAAAAAAAAAAAAIAAAADAAAABAAAAAQAAAAEAAAABAAGAAUABwABAAAAAgAAAAMAAAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA//////////////////////////8AAAAAAAABAAEAAgACAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAAAAgAAAAAAAAABAAAAAAAAAAEAAAAHAQAAAAAAAAMAAgAAAAAAAAAAAAIAAAAEAAAAAAAAAAEAAgABAAEAAAAAAAAA8D8AAAAAAAAAQAAAAAAAAPA/AAAAAAAAAEAAAAAAAQAAAFsieCIsInkiXQAAAAAAAAA="), (ch) => ch.charCodeAt(0));
    const text = "an ass ate 词语, then 詞 語";
    const ids = (mm: ReturnType<typeof load>) => mm.findAll(text).map((x) => [x.termId, x.start, x.end]);
    const fromV1 = load(v1);
    expect(ids(fromV1)).toEqual([[1, 3, 6], [2, 11, 13], [2, 20, 23]]);
    // The same dictionary from the version 2 build (two-word output records).
    const v2 = Uint8Array.from(atob("R0hTRQIAAADQAwAAqixMgQQDAgEDAAAABAAAAAUAAAAEAAAAAgAAAAIAAAAEAAAAAgAAAAkAAAAAAAAAAQAAAAEAAABAAAAAAgAAAAAAAAAIAAAAGgAAAAEAAAAAAAAAYQAAAHMAAADNiwAA7YsAAAEAAAAAAAAAAgAAAAAAAAAAAAAAAgAAAAMAAAAEAAAABAAAAAQAAAAEAAYABQAHAAEAAAACAAAAAwAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAD//////////////////////////wAAAAAAAAEAAQACAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEAAAACAAAAAAAAAAEAAAAAAAAAAQAAAAcBAAAAAAAAAwACAAAAAAAAAAAAAgAAAAQAAAAAAAAAAQACAAEAAQAAAAAAAADwPwAAAAAAAABAAAAAAAAA8D8AAAAAAAAAQAAAAAABAAAAAAAABgIAAAAFAAAAAwAAAAAAAAAAAAAABwAAAAQAAAAAAAAAAAAAAP////8EAAAABgAAAAAAAAD/////BAAAAAoAAAACABABAQAAABcwQAACAAAAESAgAAEAAAAAAAAAAAAAgP////8BAAAAAAAAAAAAAAAAAAAAAgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABQAAAAMAAAAHAAAABAAAAAAAAAABAAAAAQAAAAIAAAACAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAGAAAAAAAAAAAAAAAAAAAAAAAAAAAAhAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEACAAAAAAAAAAAAAAAAAAAAAAAAAAAAIQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAQEBAQEBAQEBAAAAAAAAAAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAAAAAAAAAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEAAAAAAAAAAAABAAAAAQAAAAEAAAABAAAAAQAAAAEAAAABAAAAWyJ4IiwieSJdAAAAAAAAAA=="), (ch) => ch.charCodeAt(0));
    expect(new DataView(v2.buffer).getUint32(4, true)).toBe(2);
    expect(ids(load(v2))).toEqual(ids(fromV1));
    // The same dictionary from the version 3 build (no chainRun, a pair filter without state edges).
    const v3 = Uint8Array.from(atob("R0hTRQMAAADYAwAAM755dQQDAgEDAAAABAAAAAUAAAAEAAAAAgAAAAIAAAAEAAAAAgAAAAkAAAAAAAAAAQAAAAEAAABAAAAAAgAAAAAAAAAIAAAAGgAAAAEAAAAAAAAAYQAAAHMAAADNiwAA7YsAAAEAAAAAAAAAAgAAAAAAAAAAAAAAAgAAAAMAAAAEAAAABAAAAAQAAAAEAAYABQAHAAEAAAACAAAAAwAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAD//////////////////////////wAAAAAAAAEAAQACAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEAAAACAAAAAAAAAAEAAAAAAAAAAQAAAAcBAAAAAAAAAwACAAAAAAAAAAAAAgAAAAQAAAAAAAAAAQACAAEAAQAAAAAAAADwPwAAAAAAAABAAAAAAAAA8D8AAAAAAAAAQAAAAAABAAAAAAAABgIAAAAFAAAAAwAAAAAAAAAAAAAABwAAAAQAAAAAAAAAAAAAAP////8AAAAABgAAAAAAAAD/////AAAAAAoAAAACABABAQAAABcwQEAAAAAAAgAAABEgIEAAAAAAAQAAAAAAAAAAAACA/////wEAAAAAAAAAAAAAAAAAAAACAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAFAAAAAwAAAAcAAAAEAAAAAAAAAAEAAAABAAAAAgAAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAhAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAYAAAAAAAAAAAAAAAAAAAAAAAAAAACEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAhAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAhAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEBAQEBAQEBAQEAAAAAAAAAAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEAAAAAAAABAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQAAAAAAAAAAAAEAAAABAAAAAQAAAAEAAAABAAAAAQAAAAEAAABbIngiLCJ5Il0AAAAAAAAA"), (ch) => ch.charCodeAt(0));
    expect(new DataView(v3.buffer).getUint32(4, true)).toBe(3);
    expect(ids(load(v3))).toEqual(ids(fromV1));
    // The same dictionary from the version 4 build (no edgePairs, state records without REC_SLOTS).
    const v4 = Uint8Array.from(atob("R0hTRQQAAADgAwAA50bbMwQDAgEDAAAABAAAAAUAAAAEAAAAAgAAAAIAAAAEAAAAAgAAAAkAAAAAAAAAAQAAAAEAAABAAAAAAgAAAAAAAAAIAAAAGgAAAAEAAAAAAAAAYQAAAHMAAADNiwAA7YsAAAEAAAAAAAAAAgAAAAAAAAAAAAAAAgAAAAMAAAAEAAAABAAAAAQAAAAEAAYABQAHAAEAAAACAAAAAwAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAD//////////////////////////wAAAAAAAAEAAQACAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEAAAACAAAAAAAAAAEAAAAAAAAAAQAAAAcBAAAAAAAAAwACAAAAAAAAAAAAAgAAAAQAAAAAAAAAAQACAAEAAQAAAAAAAADwPwAAAAAAAABAAAAAAAAA8D8AAAAAAAAAQAAAAAABAAAAAAAABgIAAAAFAAAAAwAAAAAAAAAAAAAABwAAAAQAAAAAAAAAAAAAAP////8AAAAABgAAAAAAAAD/////AAAAAAoAAAACABABAQAAABcwQEAAAAAAAgAAABEgIEAAAAAAAQAAAAAAAAAAAACA/////wEAAAAAAAAAAAAAAAAAAAACAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAFAAAAAwAAAAcAAAAEAAAAAAAAAAEAAAABAAAAAgAAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAhAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAYAAAAAAAAAAAAAAAAAAAAAAAAAAACEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAhAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAhAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEBAQEBAQEBAQEAAAAAAAAAAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEAAAAAAAABAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQAAAAAAAAAAAAEAAAABAAAAAQAAAAEAAAABAAAAAQAAAAEAAAD/AAAAAAAAAFsieCIsInkiXQAAAAAAAAA="), (ch) => ch.charCodeAt(0));
    expect(new DataView(v4.buffer).getUint32(4, true)).toBe(4);
    expect(ids(load(v4))).toEqual(ids(fromV1));
    // Their derived arrays are not used (an older layout): derived at load.
    for (const old of [v1, v2, v3, v4]) expect(deserialize(old).runtime).toBeNull();
    expect(deserialize(bytes).runtime).not.toBeNull();
    // Written again, each is the current version with the same matches.
    for (const again of [fromV1.serialize(), load(v2).serialize(), load(v3).serialize(), load(v4).serialize()]) {
      expect(new DataView(again.buffer, again.byteOffset).getUint32(4, true)).toBe(FORMAT_VERSION);
      expect(ids(load(again))).toEqual(ids(fromV1));
    }
    const next = v1.slice();
    new DataView(next.buffer).setUint32(4, FORMAT_VERSION + 1, true);
    expect(() => load(next)).toThrow(EngineFormatError);
    expect(() => load(next)).toThrow(new RegExp(`unsupported format version ${FORMAT_VERSION + 1} `));
  });

  it("run lengths are not checked at load: spoiled under a valid checksum, they only change what matches, and scans end", () => {
    const m0 = compile(entries, options) as CompiledMatcher, t = m0.tables;
    const text = "an ass ate 词语, then 詞 語 and aaassss 词词语语 " + "x".repeat(300);
    for (const spoilt of [0, 1, 255, 65535]) {
      const runLens = t.runLens.slice().fill(spoilt);
      const b = serializeTables({ ...t, runLens }, makeRuntime(t));
      const words = new Uint32Array(b.buffer, b.byteOffset, b.length / 4);
      words[3] = checksum(words);
      const loaded = load(b);
      expect(Array.isArray(loaded.findAll(text)), `run lengths ${spoilt}`).toBe(true);
      expect(typeof loaded.test(text)).toBe("boolean");
    }
  });

  it("rejects derived tables whose links or ids are wrong even under a valid checksum", () => {
    const reseal = (b: Uint8Array) => {
      const words = new Uint32Array(b.buffer, b.byteOffset, b.length / 4);
      words[3] = checksum(words);
      return b;
    };
    // Every letter dense, so there are dense states with goto records and escape links.
    const t = (compile(entries, { ...options, denseMinFrequency: 1 }) as CompiledMatcher).tables, r = makeRuntime(t), N = t.fail.length;
    expect(t.denseStates).toBeGreaterThan(6);
    expect(() => load(reseal(serializeTables(t, r)))).not.toThrow();
    const cases: [string, (rt: typeof r) => void, RegExp][] = [
      ["a state record's failure link", (rt) => { rt.stateRec[2] = (rt.stateRec[2]! & ((1 << REC_FAIL_SHIFT) - 1)) | ((N - 1) << REC_FAIL_SHIFT); }, /invalid state records/],
      ["a state record's edge target", (rt) => { rt.stateRec[1] = N + 5; rt.stateRec[0] = 4; }, /invalid state records/],
      ["an escape link that does not go down", (rt) => { rt.escape[1] = (5 << 1) | 1; }, /invalid dense records/],
      ["a goto record beyond the states", (rt) => { rt.gotoRec[3] = N; rt.gotoRec[2] = -1; }, /invalid dense records/],
    ];
    for (const [what, spoil, message] of cases) {
      const rt = { ...r, stateRec: r.stateRec.slice(), escape: r.escape.slice(), gotoRec: r.gotoRec.slice(), rootEdges: r.rootEdges.slice() };
      spoil(rt);
      expect(() => load(reseal(serializeTables(t, rt))), what).toThrow(message);
    }
    // The default matcher's CJK classes are not dense: 词 → 语 is a root edge.
    const t0 = (m as CompiledMatcher).tables, r0 = makeRuntime(t0);
    expect(r0.rootEdges.length).toBeGreaterThan(0);
    const rootEdges = r0.rootEdges.slice();
    rootEdges[1] = t0.fail.length;
    expect(() => load(reseal(serializeTables(t0, { ...r0, rootEdges })))).toThrow(/invalid root records/);
    // A state without edges holds its dictionary link in its record (词语 → 语): it must be the state's.
    const t1 = (compile([{ id: 1, pattern: "词语", category: "x", severity: 1 }, { id: 2, pattern: "语", category: "x", severity: 1 }]) as CompiledMatcher).tables;
    const r1 = makeRuntime(t1), stateRec = r1.stateRec.slice(), N1 = t1.fail.length;
    let leaves = 0;
    for (let s = t1.denseStates; s < N1; s++) {
      const x = recAt(s, t1.denseStates);
      if (stateRec[x] !== -1 || !(stateRec[x + 2]! & REC_DICT)) continue;
      leaves++;
      expect(stateRec[x + 1]).toBe(t1.dictLink[s]);
      stateRec[x + 1] = s;
    }
    expect(leaves).toBe(1);
    expect(() => load(reseal(serializeTables(t1, { ...r1, stateRec })))).toThrow(/invalid state records/);

    // 词 has two edges (edgePairs); 词语 and 詞語 fold alike: one state, two output slots (REC_SLOTS).
    const t2 = (compile(["词语", "詞語", "词汇"].map((pattern, i) => ({ id: i + 1, pattern, category: "x", severity: 1 }))) as CompiledMatcher).tables;
    const r2 = makeRuntime(t2), N2 = t2.fail.length, DS2 = t2.denseStates, O2 = t2.outList.length, text2 = "词语 词汇 " + "词语".repeat(50);
    expect(load(reseal(serializeTables(t2, r2))).findAll("词语 词汇").map((x) => x.termId)).toEqual([1, 2, 3]);
    const find = (want: (x: number) => boolean) => {
      for (let s = DS2; s < N2; s++) if (want(recAt(s, DS2))) return recAt(s, DS2);
      throw new Error("no such state");
    };
    const many = find((x) => r2.stateRec[x]! < -1), slots = find((x) => (r2.stateRec[x + 2]! & (REC_OUT | REC_SLOTS)) === REC_SLOTS);
    type Spoil = [string, (rt: typeof r2) => void];
    const copy = () => ({ ...r2, stateRec: r2.stateRec.slice(), edgePairs: r2.edgePairs.slice(), outRec: r2.outRec.slice() });
    const refused: Spoil[] = [
      ["an edge pair's target", (rt) => { rt.edgePairs[EDGE_PAIR * rt.stateRec[many + 1]! + 1] = N2; }],
      ["edges past the edge pairs", (rt) => { rt.stateRec[many + 1] = rt.edgePairs.length / EDGE_PAIR - 1; }],
    ];
    for (const [what, spoil] of refused) {
      const rt = copy();
      spoil(rt);
      expect(() => load(reseal(serializeTables(t2, rt))), what).toThrow(/invalid state records/);
    }
    // Output slots are not checked at load: emission's walk stops at the last slot, so spoilt
    // ones only change what matches, and scans end.
    const harmless: Spoil[] = [
      ["a first output slot past the slots", (rt) => { rt.stateRec[slots + 3] = O2; }],
      ["a negative first output slot", (rt) => { rt.stateRec[slots + 3] = -5; }],
      ["no slot marked last", (rt) => { for (let o = 0; o < O2; o++) rt.outRec[OUT_REC * o + 1] = rt.outRec[OUT_REC * o + 1]! & ~OUT_LAST; }],
    ];
    for (const [what, spoil] of harmless) {
      const rt = copy();
      spoil(rt);
      const loaded = load(reseal(serializeTables(t2, rt)));
      expect(Array.isArray(loaded.findAll(text2)), what).toBe(true);
      expect(typeof loaded.test(text2)).toBe("boolean");
    }
  });
});
