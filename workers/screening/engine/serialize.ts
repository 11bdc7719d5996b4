/**
 * Binary form of a compiled matcher (version 6: version 5's layout).
 *
 *   header: HEADER_WORDS little-endian u32 words (magic "GHSE", version, total bytes,
 *           checksum of all other words, endianness probe, maxGap, section counts,
 *           dense classes and states, then the scalars the scan derives)
 *   body:   the typed arrays of tables.ts in a fixed order, then the arrays the scan derives
 *           from them (search.ts Runtime: state records, goto records, pair filter, ...),
 *           each 8-byte aligned, then the category names as UTF-8 JSON.
 *
 * `load` checks magic, version, sizes and the checksum of the body, then the
 * structural invariants the searcher relies on (tables.ts), and that every state id and
 * offset in the derived arrays is in range and every link they hold that a walk follows is
 * the validated one, so damaged bytes raise EngineFormatError instead of crashing, hanging
 * or matching wrongly. Then it wraps them: arrays are views into the loaded bytes (no copy
 * when they are 8-byte aligned), and only the class table (from fold.ts's tables) is built.
 * Versions 1 (16 header words, without the derived arrays), 2 (derived arrays of an older
 * layout: two-word output records), 3 (no chainRun, a pair filter without state edges) and 4
 * (no edgePairs; state records without REC_SLOTS) are still read — the policies published
 * before version 5 stay loadable — and their arrays are derived at load, as version 1's build
 * did. Version 6 is version 5's layout written by the engine whose folding keeps the marks that
 * spell words (fold.ts): a version 5 matcher loads and scans, but its terms with such marks were
 * folded without them, so the screening worker counts it as outdated and a publish recompiles it
 * (policy-store.ts storedFormatIsOld). A publish writes version 6.
 */
import { EngineFormatError } from "./types.js";
import { MAX_DENSE_CLASSES, MAX_DENSE_TARGETS } from "./build/automaton.js";
import { FIRST_CLASS, MAX_PATTERN_SYMBOLS, MAX_STATES, P_CHECK_END, P_CHECK_START, P_REPEATS, type Tables } from "./tables.js";
import { ALL_FAST_PATHS, classTableFor, makeRuntime, runtimeWith, Scratch, type Runtime } from "./search.js";
import { EDGE_PAIR, GOTO_REC, OUT_REC, popcount, REC_DICT, REC_FAIL_SHIFT, REC_WORD, ROOT_PACK, STATE_REC } from "./records.js";

export const FORMAT_MAGIC = 0x45534847; // "GHSE" little-endian
export const FORMAT_VERSION = 6;
/** The first version whose derived arrays have today's layout (DERIVED). */
const DERIVED_LAYOUT_VERSION = 5;
const HEADER_WORDS = 24;
const HEADER_BYTES = HEADER_WORDS * 4;
/** Version 1's header: the first 16 words of version 2's. */
const V1_HEADER_BYTES = 16 * 4;
const ENDIAN_PROBE = 0x01020304;

type Arr = Int32Array | Uint16Array | Uint8Array | Uint32Array | Float64Array;
type Ctor = { new (buf: ArrayBuffer, off: number, len: number): Arr; BYTES_PER_ELEMENT: number };

/** Section layout: [name, constructor, length from counts]. Order is the format. */
interface Counts {
  A: number; N: number; E: number; O: number; P: number; R: number; T: number;
  /** Dense states and classes, shallow states, pair filter words, root edges, DFA rows (0 unless some dense state has no goto record), edge pairs. */
  DS: number; D: number; SH: number; PB: number; RE: number; DR: number; EP: number;
}
const SECTIONS: [keyof Tables, Ctor, (c: Counts) => number][] = [
  ["alphabet", Int32Array, (c) => c.A],
  ["rootRow", Int32Array, (c) => c.A],
  ["edgeStart", Int32Array, (c) => c.N + 1],
  ["edgeClass", Uint16Array, (c) => c.E],
  ["edgeTarget", Int32Array, (c) => c.E],
  ["fail", Int32Array, (c) => c.N],
  ["dictLink", Int32Array, (c) => c.N],
  ["depth", Uint16Array, (c) => c.N],
  ["outStart", Int32Array, (c) => c.N + 1],
  ["outList", Int32Array, (c) => c.O],
  ["patTerm", Int32Array, (c) => c.P],
  ["patFlags", Uint8Array, (c) => c.P],
  ["patLen", Uint16Array, (c) => c.P],
  ["patRunStart", Int32Array, (c) => c.P + 1],
  ["runLens", Uint16Array, (c) => c.R],
  ["termIds", Float64Array, (c) => c.T],
  ["termSeverity", Float64Array, (c) => c.T],
  ["termCategory", Uint32Array, (c) => c.T],
];

/** What the scan derives (search.ts Runtime), stored so that load() only checks and wraps it. */
type Derived = Omit<Runtime, keyof Tables | "fastPaths" | "latinLoop" | "scratch" | "classTable" | "symbolClass" | "fastLimit" | "pairShift" | "shallowStates" | "termIsId">;
const DERIVED: [keyof Derived, Ctor, (c: Counts) => number][] = [
  ["emitMask", Uint8Array, (c) => c.N],
  ["stateRec", Int32Array, (c) => STATE_REC * (c.N - c.DS)],
  ["outRec", Int32Array, (c) => OUT_REC * c.O],
  ["escape", Int32Array, (c) => c.DS],
  ["gotoRec", Int32Array, (c) => GOTO_REC * c.DS],
  ["shallowRows", Uint16Array, (c) => c.SH * c.D],
  ["denseRows", Uint16Array, (c) => c.DR],
  ["rootPack", Int32Array, (c) => ROOT_PACK * c.A],
  ["rootDenseEdge", Uint8Array, (c) => c.A],
  ["rootEdges", Int32Array, (c) => 2 * c.RE],
  ["rootEdgeStart", Int32Array, (c) => c.A + 1],
  ["pairBloom", Int32Array, (c) => c.PB],
  ["skipUnit", Uint8Array, () => 128],
  ["deadBand", Int32Array, () => 8],
  ["chainRun", Uint8Array, (c) => c.DS],
  ["edgePairs", Int32Array, (c) => EDGE_PAIR * c.EP],
];
const DERIVED_NAMES = new Set<string>(DERIVED.map(([name]) => name));
/** Version 4's derived arrays: without edgePairs (its state records point into edgeClass: not used). */
const DERIVED_V4 = DERIVED.filter(([name]) => name !== "edgePairs");
/** Version 3's: without chainRun either (its pair filter lacks the state edges). */
const DERIVED_V3 = DERIVED_V4.filter(([name]) => name !== "chainRun");
/** Version 2's: version 3's, with output records of two words [term, output word]. */
const DERIVED_V2 = DERIVED_V3.map(([name, ctor, len]): (typeof DERIVED)[number] => name === "outRec" ? [name, ctor, (c) => 2 * c.O] : [name, ctor, len]);

const align8 = (n: number) => (n + 7) & ~7;

/**
 * Checksum of every word except the checksum word itself (header word 3), format version 4:
 * eight interleaved lanes (word i goes to lane i % 8), each step `lane = (lane ^ word) * odd`,
 * a bijection of the lane for a fixed word, so a single changed word changes its lane; the
 * words after the last whole group of eight go to the first lane; the lanes are combined
 * through murmur3's finaliser. Two operations per word: on the latin shape's 32.8 MB, 4.7 ms
 * where version 1-3's checksum (checksumV1, four lanes with a shift-xor per step) takes 6.8 ms,
 * a third of load().
 */
export function checksum(words: Uint32Array): number {
  const lanes = Int32Array.from(LANE_SEEDS), n = words.length & ~7;
  checksumGroups(lanes, words, n, true);
  return checksumEnd(lanes, words, n);
}

const LANE_SEEDS = [0x811c9dc5, 0x2545f491, 0x6a09e667, 0x3c6ef372, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/** Steps the lanes over words [0, n) (n a multiple of 8); `first`: these are the header's, whose word 3 counts as 0. */
function checksumGroups(lanes: Int32Array, words: Uint32Array, n: number, first: boolean): void {
  let a = lanes[0]!, b = lanes[1]!, c = lanes[2]!, d = lanes[3]!, e = lanes[4]!, f = lanes[5]!, g = lanes[6]!, h = lanes[7]!;
  for (let i = 0; i < n; i += 8) {
    a = Math.imul(a ^ words[i]!, 0x9e3779b1);
    b = Math.imul(b ^ words[i + 1]!, 0x85ebca77);
    c = Math.imul(c ^ words[i + 2]!, 0xc2b2ae3d);
    d = Math.imul(d ^ (i === 0 && first ? 0 : words[i + 3]!), 0x27d4eb2f); // word 3 is the checksum
    e = Math.imul(e ^ words[i + 4]!, 0x165667b1);
    f = Math.imul(f ^ words[i + 5]!, 0xd3a2646d);
    g = Math.imul(g ^ words[i + 6]!, 0xfd7046c5);
    h = Math.imul(h ^ words[i + 7]!, 0xb55a4f09);
  }
  lanes.set([a, b, c, d, e, f, g, h]);
}

/** The checksum from the lanes and the last words [from, words.length) (fewer than eight), which go to the first lane. */
function checksumEnd(lanes: Int32Array, words: Uint32Array, from: number): number {
  let a = lanes[0]!;
  for (let i = from; i < words.length; i++) a = Math.imul(a ^ words[i]!, 0x9e3779b1);
  lanes[0] = a;
  // Each combining step is a bijection of x and of the lane: one changed lane changes the result.
  let x = 0;
  for (const lane of lanes) x = fmix(x ^ lane);
  return x >>> 0;
}

/**
 * `checksum` of bytes that arrive in pieces of any size (`serializedParts`): the same value as
 * `checksum` over their concatenation (a whole number of words), with a 64 KB buffer instead.
 */
export class StreamingChecksum {
  private readonly lanes = Int32Array.from(LANE_SEEDS);
  private readonly stage = new Uint8Array(1 << 16);
  private readonly words = new Uint32Array(this.stage.buffer);
  private fill = 0;
  private first = true;

  update(bytes: Uint8Array): void {
    for (let at = 0; at < bytes.length; ) {
      const take = Math.min(bytes.length - at, this.stage.length - this.fill);
      this.stage.set(bytes.subarray(at, at + take), this.fill);
      this.fill += take;
      at += take;
      if (this.fill === this.stage.length) {
        checksumGroups(this.lanes, this.words, this.words.length, this.first);
        this.first = false;
        this.fill = 0;
      }
    }
  }

  digest(): number {
    if (this.fill % 4 !== 0) throw new Error("engine: checksum of a partial word");
    const words = this.words.subarray(0, this.fill / 4), n = words.length & ~7;
    checksumGroups(this.lanes, words, n, this.first);
    return checksumEnd(this.lanes, words, n);
  }
}

/** murmur3's 32-bit finaliser: every input bit reaches every output bit. */
function fmix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return x ^ (x >>> 16);
}

/** The checksum of format versions 1 to 3 (four lanes, a shift-xor per step). */
export function checksumV1(words: Uint32Array): number {
  // Four interleaved lanes (word i goes to lane i % 4) for speed. Each step is a
  // bijection of its lane for a fixed word, so a single changed word changes its lane.
  let a = 0x811c9dc5 | 0, b = 0x2545f491 | 0, c = 0x6a09e667 | 0, d = 0x3c6ef372 | 0;
  const n = words.length & ~3;
  for (let i = 0; i < n; i += 4) {
    a = Math.imul(a ^ words[i]!, 0x9e3779b1);
    b = Math.imul(b ^ words[i + 1]!, 0x85ebca77);
    c = Math.imul(c ^ words[i + 2]!, 0xc2b2ae3d);
    d = Math.imul(d ^ (i === 0 ? 0 : words[i + 3]!), 0x27d4eb2f); // word 3 is the checksum
    a ^= a >>> 15;
    b ^= b >>> 13;
    c ^= c >>> 16;
    d ^= d >>> 15;
  }
  for (let i = n; i < words.length; i++) a = Math.imul(a ^ words[i]!, 0x9e3779b1) ^ (a >>> 15);
  a = Math.imul(a ^ (b >>> 7), 0x9e3779b1) ^ b;
  a = Math.imul(a ^ (c >>> 11), 0x85ebca77) ^ c;
  a = Math.imul(a ^ (d >>> 13), 0xc2b2ae3d) ^ d;
  return a >>> 0;
}

/**
 * The bytes of tables `t` with what the scan derives from them: `r` if given (a runtime of
 * `t` with every fast path on), else derived here.
 */
export function serializeTables(t: Tables, r?: Runtime): Uint8Array {
  const { byteLength, parts } = serializedParts(t, r);
  const bytes = new Uint8Array(byteLength);
  let off = 0;
  for (const part of parts) {
    bytes.set(part, off);
    off += part.length;
  }
  return bytes;
}

/** Zero bytes for padding parts (sections are 8-byte aligned). */
const ZEROS = new Uint8Array(8);

/**
 * serializeTables' bytes as parts in order: the header, each section as a view of its array
 * (no copy), zero padding, the category names. A publish streams them to storage, so it never
 * holds the matcher and its bytes at once (200,000 mixed terms: 60 MB each). The views share
 * the matcher's memory: write them out before anything could change it.
 */
export function serializedParts(t: Tables, r?: Runtime): { byteLength: number; parts: Uint8Array[] } {
  if (!r || Object.values(r.fastPaths).includes(false)) r = makeRuntime(t);
  const c: Counts = {
    A: t.alphabet.length, N: t.fail.length, E: t.edgeTarget.length, O: t.outList.length,
    P: t.patTerm.length, R: t.runLens.length, T: t.termIds.length,
    DS: t.denseStates, D: t.denseClasses, SH: r.shallowStates, PB: r.pairBloom.length, RE: r.rootEdges.length / 2, DR: r.denseRows.length,
    EP: r.edgePairs.length / EDGE_PAIR,
  };
  const cats = new TextEncoder().encode(JSON.stringify(t.categories));
  const header = new Uint32Array(HEADER_WORDS);
  const parts: Uint8Array[] = [new Uint8Array(header.buffer)];
  let size = HEADER_BYTES;
  const add = (part: Uint8Array) => {
    parts.push(part);
    size += part.length;
    if (size % 8) parts.push(ZEROS.subarray(0, align8(size) - size));
    size = align8(size);
  };
  for (const [name, ctor, len] of [...SECTIONS, ...DERIVED]) {
    const src = (name in t ? t[name as keyof Tables] : r[name]) as Arr;
    if (src.length !== len(c)) throw new Error(`engine: section ${name} has wrong length`);
    if (src.BYTES_PER_ELEMENT !== ctor.BYTES_PER_ELEMENT) throw new Error(`engine: section ${name} has the wrong element size`);
    add(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
  }
  add(cats);
  header.set([
    FORMAT_MAGIC, FORMAT_VERSION, size, 0, ENDIAN_PROBE, t.maxGap, c.A, c.N, c.E, c.O, c.P, c.R, c.T, cats.length, t.denseClasses, t.denseStates,
    c.SH, c.PB, c.RE, c.DR, r.fastLimit, r.pairShift, r.termIsId ? 1 : 0, c.EP,
  ]);
  const sum = new StreamingChecksum();
  for (const part of parts) sum.update(part);
  header[3] = sum.digest();
  return { byteLength: size, parts };
}

/**
 * The format version in the header of serialized bytes (at least its first 8 bytes), or
 * undefined if they are not a serialized matcher. Nothing else is checked: `load` does that.
 */
export function formatVersionOf(head: Uint8Array): number | undefined {
  if (head.length < 8) return undefined;
  const dv = new DataView(head.buffer, head.byteOffset, 8);
  return dv.getUint32(0, true) === FORMAT_MAGIC ? dv.getUint32(4, true) : undefined;
}

const fail = (why: string): never => {
  throw new EngineFormatError(`engine: cannot load matcher: ${why}`);
};

/**
 * Tables and the derived arrays of a serialized matcher, checked. `runtime` is null for bytes of
 * versions 1 to 3 (none, or of an older layout): the caller derives them (CompiledMatcher does).
 */
export function deserialize(input: Uint8Array): { tables: Tables; runtime: Runtime | null } {
  if (!(input instanceof Uint8Array)) fail("expected a Uint8Array");
  if (input.length < V1_HEADER_BYTES) fail(`truncated (${input.length} bytes, header needs ${V1_HEADER_BYTES})`);
  // Views need 8-byte alignment; copy only if the caller's bytes are not aligned.
  const bytes = input.byteOffset % 8 === 0 ? input : input.slice();
  const buf = bytes.buffer as ArrayBuffer;
  const base = bytes.byteOffset;
  const dv = new DataView(buf, base, bytes.length);
  const version = formatVersionOf(bytes) ?? fail("bad magic (not a serialized screening matcher)");
  if (version < 1 || version > FORMAT_VERSION) fail(`unsupported format version ${version} (this build reads 1 to ${FORMAT_VERSION})`);
  const v1 = version === 1;
  const headerBytes = v1 ? V1_HEADER_BYTES : HEADER_BYTES;
  if (input.length < headerBytes) fail(`truncated (${input.length} bytes, header needs ${headerBytes})`);
  const size = dv.getUint32(8, true);
  if (size !== bytes.length) fail(size > bytes.length ? `truncated (${bytes.length} of ${size} bytes)` : `length mismatch (${bytes.length} bytes, header says ${size})`);
  if (size % 8 !== 0) fail("length not a multiple of 8");
  if (new Uint32Array(buf, base + 16, 1)[0] !== ENDIAN_PROBE) fail("written on a platform of different endianness");
  if ((version < 4 ? checksumV1 : checksum)(new Uint32Array(buf, base, size / 4)) !== dv.getUint32(12, true)) fail("checksum mismatch (corrupted bytes)");
  const h = (i: number) => dv.getUint32(i * 4, true);
  const maxGap = h(5);
  const c: Counts = v1
    ? { A: h(6), N: h(7), E: h(8), O: h(9), P: h(10), R: h(11), T: h(12), D: h(14), DS: h(15), SH: 0, PB: 0, RE: 0, DR: 0, EP: 0 }
    : { A: h(6), N: h(7), E: h(8), O: h(9), P: h(10), R: h(11), T: h(12), D: h(14), DS: h(15), SH: h(16), PB: h(17), RE: h(18), DR: h(19), EP: version < 5 ? 0 : h(23) };
  const catLen = h(13);

  let off = headerBytes;
  const t: Partial<Tables> = { maxGap, denseClasses: h(14), denseStates: h(15) };
  const d: Partial<Derived> = {};
  for (const [name, ctor, len] of v1 ? SECTIONS : [...SECTIONS, ...(version === 2 ? DERIVED_V2 : version === 3 ? DERIVED_V3 : version === 4 ? DERIVED_V4 : DERIVED)]) {
    const n = len(c);
    if (n < 0 || off + n * ctor.BYTES_PER_ELEMENT > size) fail(`section ${name} overruns the data`);
    (DERIVED_NAMES.has(name) ? (d as Record<string, unknown>) : (t as Record<string, unknown>))[name] = new ctor(buf, base + off, n);
    off = align8(off + n * ctor.BYTES_PER_ELEMENT);
  }
  if (align8(off + catLen) !== size) fail("size does not match section counts");
  try {
    const cats = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, base + off, catLen)));
    if (!Array.isArray(cats) || !cats.every((x) => typeof x === "string")) throw 0;
    t.categories = cats;
  } catch {
    fail("bad category table");
  }
  // Re-create as a literal: objects grown key by key are slow to read from.
  const x = t as Tables;
  const tables: Tables = {
    maxGap: x.maxGap, denseClasses: x.denseClasses, denseStates: x.denseStates,
    alphabet: x.alphabet, rootRow: x.rootRow, edgeStart: x.edgeStart, edgeClass: x.edgeClass, edgeTarget: x.edgeTarget,
    fail: x.fail, dictLink: x.dictLink, depth: x.depth, outStart: x.outStart, outList: x.outList,
    patTerm: x.patTerm, patFlags: x.patFlags, patLen: x.patLen, patRunStart: x.patRunStart, runLens: x.runLens,
    termIds: x.termIds, termSeverity: x.termSeverity, termCategory: x.termCategory, categories: x.categories,
  };
  validate(tables);
  if (version < DERIVED_LAYOUT_VERSION) return { tables, runtime: null };
  const derived = d as Derived;
  const scalars = { fastLimit: h(20), pairShift: h(21), shallowStates: c.SH, termIsId: h(22) === 1 };
  validateDerived(tables, derived, scalars);
  const runtime = runtimeWith({
    ...tables, ...derived, ...scalars, fastPaths: ALL_FAST_PATHS, latinLoop: true, classTable: classTableFor(tables.alphabet), symbolClass: null,
  }, new Scratch());
  return { tables, runtime };
}

/**
 * The derived arrays can make the scan read out of range or walk forever only through state
 * ids, offsets and the links it follows: check those (each is a sequential pass).
 */
function validateDerived(t: Tables, d: Derived, x: { fastLimit: number; pairShift: number; shallowStates: number; termIsId: boolean }): void {
  const N = t.fail.length, DS = t.denseStates, A = t.alphabet.length, O = t.outList.length;
  const bad = (what: string): never => fail(`invalid ${what}`);
  const { stateRec, gotoRec, escape, shallowRows, denseRows, rootPack, rootEdges, rootEdgeStart, outRec, pairBloom, chainRun, edgePairs } = d;
  const fl = t.fail, EP = edgePairs.length / EDGE_PAIR;
  let ok = true;
  // State records: the failure link and a dictionary link held in the record (walked) are the
  // validated ones, the edge target a state, or an edge range inside edgePairs (whose targets
  // are states, below). A REC_SLOTS record's first slot is not checked: emission's walk over
  // slots stops at the last slot, so a wrong one can only make matches wrong (the test of it
  // here took this pass from 3.7 to 4.7 ms on the latin shape).
  for (let s = DS, r = 0; s < N && ok; s++, r += STATE_REC) {
    const edge = stateRec[r]!, target = stateRec[r + 1]!;
    const w = stateRec[r + REC_WORD]!;
    ok = w >> REC_FAIL_SHIFT === fl[s] && (edge >= -1 ? target >= 0 && target < N : target >= 0 && target - edge <= EP);
    // A state without edges holds its dictionary link (walked by emission): the validated one.
    ok &&= edge !== -1 || (w & REC_DICT) === 0 || target === t.dictLink[s];
  }
  for (let i = 1; i < edgePairs.length && ok; i += EDGE_PAIR) ok = edgePairs[i]! > 0 && edgePairs[i]! < N;
  if (!ok) bad("state records");
  // Dense states: escape links walk the failure chain toward the root (ids decrease), goto
  // records and rows hold states.
  let rowsNeeded = false;
  for (let s = 0; s < DS && ok; s++) {
    const e = escape[s]! >> 1, bits = gotoRec[GOTO_REC * s]!, first = gotoRec[GOTO_REC * s + 1]!;
    ok = e >= 0 && (s === 0 ? e === 0 : e < s);
    // A valid record (bit 31) holds its children first .. first + (number of edges) - 1.
    if (bits < 0) ok &&= (bits & 0x7fffffff) === 0 || (first > s && first + popcount(bits & 0x7fffffff) <= N);
    else rowsNeeded = true;
  }
  if (rowsNeeded && denseRows.length !== DS * t.denseClasses) bad("dense rows");
  for (let i = 0; i < shallowRows.length && ok; i++) ok = shallowRows[i]! < N;
  for (let i = 0; i < denseRows.length && ok; i++) ok = denseRows[i]! < N;
  if (!ok || x.shallowStates > DS || (denseRows.length !== 0 && denseRows.length !== DS * t.denseClasses)) bad("dense records");
  for (let i = 0; i < A && ok; i++) ok = rootPack[ROOT_PACK * i] === t.rootRow[i] && rootEdgeStart[i]! <= rootEdgeStart[i + 1]!;
  ok &&= rootEdgeStart[0] === 0 && rootEdgeStart[A] === rootEdges.length / 2;
  for (let i = 1; i < rootEdges.length && ok; i += 2) ok = rootEdges[i]! > 0 && rootEdges[i]! < N;
  if (!ok) bad("root records");
  // Output records only index the rings (masked) and are reported as they are: no walk.
  if (outRec.length !== OUT_REC * O) bad("output records");
  // chainRun only stops emission walks early (a wrong one can only miss matches).
  if (chainRun.length !== DS) bad("chain runs");
  const pb = pairBloom.length;
  if (!ok || pb === 0 || (pb & (pb - 1)) !== 0 || 1 << (32 - x.pairShift) !== pb || x.fastLimit < FIRST_CLASS + t.denseClasses || x.fastLimit > FIRST_CLASS + A) bad("derived tables");
}

/** Check every invariant of tables.ts that the searcher depends on for termination and memory safety. */
function validate(t: Tables): void {
  const { alphabet, rootRow, edgeStart: es, edgeClass, edgeTarget, fail: failLink, dictLink, depth, outStart: os, outList } = t;
  const { patTerm, patFlags, patLen, patRunStart, runLens, termIds, termSeverity, termCategory } = t;
  const A = alphabet.length, N = failLink.length, E = edgeTarget.length, O = outList.length, P = patTerm.length, T = termIds.length;
  const bad = (what: string): never => fail(`invalid ${what}`);
  if (t.maxGap > 64) bad("maxGap");
  if (t.denseClasses > Math.min(A, MAX_DENSE_CLASSES) || t.denseStates > Math.min(N, MAX_DENSE_TARGETS)) bad("dense sizes");
  if (N < 1 || N > MAX_STATES || depth[0] !== 0 || failLink[0] !== 0 || dictLink[0] !== -1) bad("root");
  for (let i = 0; i < A; i++) {
    const cp = alphabet[i]!, r = rootRow[i]!;
    if (cp < 0 || cp > 0x10ffff || r < 0 || r >= N || (r !== 0 && depth[r] !== 1)) bad("alphabet or root row");
  }
  if (es[0] !== 0 || es[N] !== E || os[0] !== 0 || os[N] !== outList.length) bad("offsets");
  // Checked here: what the scan needs to stay in range and to end (every link it walks goes
  // to a shallower state, so every chain ends at the root), and what the derivations rely on
  // (classes increasing per state, parents before children). Not checked: that each depth
  // is its state's distance from the root, which only a forger could get wrong (random damage
  // fails the checksum) and which could only make matches wrong. Each loop is one sequential
  // pass (reads at a link's target are the only random ones), accumulating a failure flag.
  const classEnd = FIRST_CLASS + A;
  let wrong = 0;
  // One pass over the states: edges, links, outputs.
  for (let s = 0; s < N; s++) {
    const lo = es[s]!, hi = es[s + 1]!, olo = os[s]!, ohi = os[s + 1]!, d = depth[s]!;
    if (hi < lo || hi > E || ohi < olo || ohi > O) bad("automaton");
    let prev = FIRST_CLASS - 1;
    for (let k = lo; k < hi; k++) {
      const cl = edgeClass[k]!, to = edgeTarget[k]!;
      // to > s: parents come before their children (search.ts derives first classes in one pass).
      wrong |= (cl <= prev ? 1 : 0) | (to <= s || to >= N ? 1 : 0);
      prev = cl;
    }
    wrong |= (prev >= classEnd ? 1 : 0) | (d > MAX_PATTERN_SYMBOLS ? 1 : 0);
    if (s > 0) {
      const f = failLink[s]!, dl = dictLink[s]!;
      wrong |= (f >>> 0 >= N || depth[f]! >= d ? 1 : 0) | (dl !== -1 && (dl <= 0 || dl >= N || depth[dl]! >= d) ? 1 : 0);
    }
    for (let o = olo; o < ohi; o++) {
      const p = outList[o]!;
      wrong |= p >>> 0 >= P || patRunStart[p + 1]! - patRunStart[p]! !== d ? 1 : 0;
    }
  }
  for (let k = es[0]!; k < es[1]!; k++) wrong |= rootRow[edgeClass[k]! - FIRST_CLASS] !== edgeTarget[k] ? 1 : 0;
  let ok = wrong === 0;
  if (!ok) bad("automaton");
  // Dense rows are Uint16 and built in id order: targets by dense classes must fit, fail[s] < s.
  for (let s = 1; s < t.denseStates; s++) if (failLink[s]! >= s) bad("dense state order");
  for (let s = 0, lim = FIRST_CLASS + t.denseClasses; s < t.denseStates; s++) {
    for (let k = es[s]!; k < es[s + 1]! && edgeClass[k]! < lim; k++) if (edgeTarget[k]! > MAX_DENSE_TARGETS) bad("dense row target");
  }
  if (patRunStart[0] !== 0 || patRunStart[P] !== runLens.length) bad("pattern runs");
  // Each pattern's runs, term and flags. Not its run lengths (2.5 MB on the latin shape, a fifth of
  // load()): like depths, they can only make matches wrong — every loop over runs is bounded by a
  // run count, and ring reads are masked — and random damage fails the checksum.
  for (let p = 0; p < P && ok; p++) {
    const r0 = patRunStart[p]!, r1 = patRunStart[p + 1]!, len = patLen[p]!;
    ok = r1 > r0 && r1 - r0 <= len && len <= MAX_PATTERN_SYMBOLS && patTerm[p]! >= -1 && patTerm[p]! < T;
    ok &&= (patFlags[p]! & ~(P_REPEATS | P_CHECK_START | P_CHECK_END)) === 0;
  }
  if (!ok) bad("patterns");
  const C = t.categories.length;
  for (let i = 0; i < T && ok; i++) ok = Number.isSafeInteger(termIds[i]) && termCategory[i]! < C && Number.isFinite(termSeverity[i]);
  if (!ok) bad("term table");
}
