/**
 * The packed records the searcher reads (search.ts Runtime), in one place: their layouts,
 * a constructor per packed word and a named accessor per field. Use sites never spell a
 * shift, mask or word offset of these records themselves.
 *
 * The accessors are tiny on purpose (a few bytes of bytecode): TurboFan inlines functions
 * that small at every call site whatever its inlining budget has left, so `scan` pays
 * nothing for the names. Each accessor carries its field's numbers as literals
 * (module-level constants are loaded, not folded, in an optimised loop); the checks at
 * the end of this file hold the literals and the named constants equal.
 */
import { MAX_PATTERN_SYMBOLS } from "./tables.js";

// ---------------------------------------------------------------- emit masks
/** emitMask bits (and the low bits of a state record's word). */
export const EMIT_ON_SYMBOL = 1, EMIT_ON_FLUSH = 2, EMIT_END_WORD = 4;
/** All three emit bits. */
export const EMIT_BITS = 7;

// ---------------------------------------------------------------- output words
/**
 * An output's pattern in one word (outRec's second word):
 *   bits 0-2 flags (P_*) | 3-11 runs | 12-20 length in symbols | 21-29 last run's length
 *   | bit 30 OUT_RUN_BITS: outRec's third word holds the lengths of the runs before the last
 *   | bit 31 OUT_LAST (outRec only): the last output slot of its state (a state record's
 *   REC_SLOTS outputs run up to it, so emission reads no outStart).
 */
export const OUT_LAST = 1 << 31;
/** The output word ends its state's outputs (OUT_LAST; the word is then negative). */
export const outIsLast = (w: number): boolean => w < 0;
export const OUT_RUNS_SHIFT = 3, OUT_LEN_SHIFT = 12, OUT_LAST_SHIFT = 21, OUT_FIELD_MASK = 511, OUT_RUN_BITS = 1 << 30;
export const outputWord = (flags: number, runs: number, length: number, lastRun: number, runBits: boolean): number =>
  flags | (runs << 3) | (length << 12) | (lastRun << 21) | (runBits ? 1 << 30 : 0);
export const outFlags = (w: number): number => w & 7;
export const outRuns = (w: number): number => (w >>> 3) & 511;
export const outLength = (w: number): number => (w >>> 12) & 511;
export const outLastRun = (w: number): number => (w >>> 21) & 511;
export const outHasRunBits = (w: number): boolean => (w & (1 << 30)) !== 0;

/**
 * outRec: OUT_REC words per output slot o: [term (id or index; -1: allow phrase), output word,
 * run bits]. Run bits, when the word has OUT_RUN_BITS: bit j is set iff run j of the pattern
 * (j below its last run) is two symbols; every such run is one or two symbols and there are at
 * most MAX_RUN_BITS of them ("coffee", "big apple": most Latin terms), so the emission reads
 * the earlier runs here instead of from the pattern's run lengths (two more cache misses).
 */
export const OUT_REC = 3, MAX_RUN_BITS = 31;
export const outTerm = (outRec: Int32Array, o: number): number => outRec[3 * o]!;
export const outWordOf = (outRec: Int32Array, o: number): number => outRec[3 * o + 1]!;
export const outRunBits = (outRec: Int32Array, o: number): number => outRec[3 * o + 2]!;
/** Run bits of a pattern's run lengths, or -1 if they do not fit (a run before the last longer than two, or too many runs). */
export function runBitsOf(runLens: ArrayLike<number>, r0: number, k: number): number {
  if (k - 1 > MAX_RUN_BITS) return -1;
  let bits = 0;
  for (let j = 0; j < k - 1; j++) {
    const len = runLens[r0 + j]!;
    if (len > 2) return -1;
    if (len === 2) bits |= 1 << j;
  }
  return bits;
}

// ---------------------------------------------------------------- state records
/**
 * stateRec: STATE_REC words per non-dense state s, from recAt(s, denseStates):
 *   [REC_EDGE]   class of its only edge; -1 if it has none; minus the number of edges if several
 *   [REC_TARGET] that edge's target; if several, the index of its first edge in edgePairs (below);
 *                if none (most term ends), its dictionary link (0 if none), so emission there
 *                reads no other array
 *   [REC_WORD]   emit mask (bits 0-2) | REC_OUT | REC_DICT | REC_SLOTS | failure target << REC_FAIL_SHIFT
 *   [REC_INLINE] REC_OUT: its one output (an inline output word, below); REC_SLOTS: its first
 *                output slot (its outputs run to the slot whose word has OUT_LAST, or the last
 *                slot: load() does not check this field, a wrong one only makes matches wrong); else 0
 * So emission at a non-dense state reads no outStart, and dictLink only for a state with edges.
 */
export const STATE_REC = 4;
export const REC_EDGE = 0, REC_TARGET = 1, REC_WORD = 2, REC_INLINE = 3;
/**
 * REC_WORD flags: REC_OUT, the state has one output whose runs are all one symbol, held in
 * REC_INLINE; REC_DICT, it has a dictionary link; REC_SLOTS, its outputs are the slots from
 * REC_INLINE on (every state with outputs but not REC_OUT).
 */
export const REC_OUT = 8, REC_DICT = 16, REC_SLOTS = 32;
export const REC_FAIL_SHIFT = 6;
/** Index of the record of non-dense state s. */
export const recAt = (s: number, denseStates: number): number => (s - denseStates) << 2;
export const recEdge = (stateRec: Int32Array, x: number): number => stateRec[x]!;
export const recTarget = (stateRec: Int32Array, x: number): number => stateRec[x + 1]!;
export const recWord = (stateRec: Int32Array, x: number): number => stateRec[x + 2]!;
export const recInline = (stateRec: Int32Array, x: number): number => stateRec[x + 3]!;
/** Dictionary link of non-dense state s (record at x) with REC_DICT: in its record if it has no edges. */
export const recDict = (stateRec: Int32Array, x: number, dictLink: Int32Array, s: number): number => (stateRec[x]! === -1 ? stateRec[x + 1]! : dictLink[s]!);
/** First output slot of a state record with REC_SLOTS. */
export const recFirstSlot = (stateRec: Int32Array, x: number): number => stateRec[x + 3]!;
export const recWordOf = (mask: number, flags: number, fail: number): number => mask | flags | (fail << 6);
/** Emit mask of a record word. */
export const wordMask = (w: number): number => w & 7;
/** Failure target of a record word. */
export const wordFail = (w: number): number => w >> 6;
/** Emit mask of non-dense state s: recWord's low bits. */
export const stateMask = (stateRec: Int32Array, s: number, denseStates: number): number => stateRec[((s - denseStates) << 2) + 2]! & 7;

/**
 * edgePairs: EDGE_PAIR words per edge of a non-dense state with several edges, [class,
 * target], each state's edges together in class order from its record's REC_TARGET on. The
 * tables keep classes and targets in two arrays (edgeClass, edgeTarget): a step that found its
 * class read the target from another cache line, a miss of its own (8,800 per million
 * characters of the latin microblog text).
 */
export const EDGE_PAIR = 2;
export const edgePairClass = (edgePairs: Int32Array, e: number): number => edgePairs[2 * e]!;
export const edgePairTarget = (edgePairs: Int32Array, e: number): number => edgePairs[2 * e + 1]!;

/**
 * An inline output (REC_INLINE): term (id or index, below 2^INLINE_TERM_BITS) | flags << 20 | runs << 23.
 * Its length is its runs and its last run is one symbol (REC_OUT's condition).
 */
export const INLINE_TERM_BITS = 20;
export const inlineOutput = (term: number, flags: number, runs: number): number => term | (flags << 20) | (runs << 23);
export const inlineTerm = (v: number): number => v & 0xfffff;
export const inlineFlags = (v: number): number => (v >>> 20) & 7;
export const inlineRuns = (v: number): number => v >>> 23;

// ---------------------------------------------------------------- goto records
/**
 * gotoRec: two words per dense state s: [bits, first child]. Bit k of `bits` is set iff s has
 * a trie edge by class FIRST_CLASS + k, whose target is the first child + the number of set
 * bits below k. Bit 31 marks the record valid (so a valid record's bits word is negative).
 */
export const GOTO_REC = 2;
export const GOTO_VALID = 1 << 31;
export const gotoBits = (gotoRec: Int32Array, s: number): number => gotoRec[2 * s]!;
export const gotoFirst = (gotoRec: Int32Array, s: number): number => gotoRec[2 * s + 1]!;
export const gotoValid = (bits: number): boolean => bits < 0;
export const gotoHas = (bits: number, k: number): boolean => ((bits >>> k) & 1) === 1;
/** Target of a goto step by dense class index k that gotoHas. */
export const gotoTarget = (gotoRec: Int32Array, s: number, bits: number, k: number): number =>
  gotoRec[2 * s + 1]! + popcount(bits & ((1 << k) - 1));

/** Number of bits set in x. */
export function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

// ---------------------------------------------------------------- root pack
/** rootPack: ROOT_PACK words per class index k (= class - FIRST_CLASS): [root's child by it, that child's emit mask]. */
export const ROOT_PACK = 2;
export const rootChild = (rootPack: Int32Array, k: number): number => rootPack[2 * k]!;
export const rootMask = (rootPack: Int32Array, k: number): number => rootPack[2 * k + 1]!;

// ---------------------------------------------------------------- escape links
/**
 * escape, per dense state s: target << 1 | own, where own = 1 if s itself has an edge by a
 * non-dense class, and target is the first state after s on its failure chain with such an
 * edge (or the root).
 */
export const escapeWord = (target: number, own: number): number => (target << 1) | own;
export const escapeOwn = (e: number): boolean => (e & 1) === 1;
export const escapeTarget = (e: number): number => e >> 1;

// ---------------------------------------------------------------- pair filter
/**
 * pairBloom: a blocked Bloom filter, two bits in one 32-bit word, over two kinds of keys: pairs
 * of classes (pairHash: the root's child by a has an edge by b) and edges of states by
 * non-dense classes (stateEdgeHash: state s has an edge by class c, for the states whose edges
 * are otherwise searched: non-dense ones with several edges, dense ones with edges by
 * non-dense classes). The key's hash picks the word from its top bits (h >>> pairShift) and
 * the two bits from bits 6-10 and 11-15. A collision between the kinds is only a false "maybe".
 */
export const PAIR_BIT_1 = 6, PAIR_BIT_2 = 11;
export const pairHash = (a: number, b: number): number => Math.imul((a << 16) | b, -1640531535);
/** STATE_MUL: the multiplier spreading a state id before its class is added. */
export const STATE_MUL = -2048144777;
export const stateEdgeHash = (s: number, c: number): number => Math.imul((Math.imul(s, -2048144777) + c) | 0, -1640531535);
export const pairWord = (pairBloom: Int32Array, pairShift: number, h: number): number => pairBloom[h >>> pairShift]!;
export const pairBits = (h: number): number => (1 << ((h >>> 6) & 31)) | (1 << ((h >>> 11) & 31));
/** Both of the pair's bits are set in its word. */
export const pairHit = (w: number, h: number): boolean => ((w >> (h >>> 6)) & (w >> (h >>> 11)) & 1) === 1;

// ---------------------------------------------------------------- root edges
/**
 * rootEdges: ROOT_EDGE words per edge of a root child by a non-dense class, [edge word, target];
 * edge word = class | next << 16. `next` says what the target t (a state of depth 2, reached by
 * a pair of CJK characters) does with the next class, so the CJK loop can pass a real pair
 * without reading t's record:
 *   0            unknown: t has outputs (or the fast path is off); the loop stops at t
 *   4 .. 0x7fff  t has no outputs and one edge, by this class
 *   negative     t has no outputs and its edges' classes c each set bit c % NEXT_SIG_BITS of
 *                the low bits (NEXT_SIG marks it): a clear bit means no edge by that class
 */
export const ROOT_EDGE = 2;
export const NEXT_SIG = 0x8000, NEXT_SIG_BITS = 15, ROOT_EDGE_CLASS_MASK = 0xffff, ROOT_EDGE_NEXT_SHIFT = 16;
export const rootEdgeWord = (cls: number, next: number): number => cls | (next << 16);
export const rootEdgeClass = (rootEdges: Int32Array, e: number): number => rootEdges[2 * e]! & 0xffff;
export const rootEdgeTo = (rootEdges: Int32Array, e: number): number => rootEdges[2 * e + 1]!;
export const rootEdgeNext = (rootEdges: Int32Array, e: number): number => rootEdges[2 * e]! >> 16;
/** `next` for a state without outputs whose edges are by `classes` (increasing). */
export function nextOf(classes: ArrayLike<number>): number {
  if (classes.length === 1 && classes[0]! < NEXT_SIG) return classes[0]!;
  let sig = NEXT_SIG;
  for (let k = 0; k < classes.length; k++) sig |= 1 << (classes[k]! % 15);
  return sig;
}
/** t (whose `next` is this) may have an edge by class c. */
export const nextMayHave = (next: number, c: number): boolean => next === 0 || (next > 0 ? next === c : ((next >> (c % 15)) & 1) === 1);

// ---------------------------------------------------------------- rings
/**
 * The searcher's ring buffers keep the last RING symbols' and runs' offsets, indexed by a
 * running count: ring(i) is its slot.
 */
export const RING = MAX_PATTERN_SYMBOLS;
export const ring = (i: number): number => i & 255;

// The literals above, held to the named constants.
if (
  RING !== 256 || ROOT_PACK !== 2 || GOTO_REC !== 2 || OUT_REC !== 3 || outLastRun(outputWord(7, 1, 511, 511, true)) !== 511 || !outHasRunBits(outputWord(0, 1, 1, 1, true)) || STATE_REC !== 4 || REC_FAIL_SHIFT !== 6 || EMIT_BITS !== 7 ||
  outputWord(7, 511, 511, 511, true) !== (7 | (511 << OUT_RUNS_SHIFT) | (511 << OUT_LEN_SHIFT) | (511 << OUT_LAST_SHIFT) | OUT_RUN_BITS) ||
  MAX_PATTERN_SYMBOLS > OUT_FIELD_MASK || inlineTerm(-1) !== (1 << INLINE_TERM_BITS) - 1 ||
  recAt(3, 1) !== 2 * STATE_REC || recWordOf(0, 0, 1) !== 1 << REC_FAIL_SHIFT || (EMIT_ON_SYMBOL | EMIT_ON_FLUSH | EMIT_END_WORD) !== EMIT_BITS ||
  (REC_OUT | REC_DICT | REC_SLOTS) & EMIT_BITS || REC_SLOTS >= 1 << REC_FAIL_SHIFT || EDGE_PAIR !== 2 || !outIsLast(OUT_LAST) ||
  (outputWord(7, 511, 511, 511, true) & OUT_LAST) !== 0 ||
  stateEdgeHash(3, 5) !== Math.imul((Math.imul(3, STATE_MUL) + 5) | 0, pairHash(0, 1)) ||
  ROOT_EDGE !== 2 || NEXT_SIG_BITS !== 15 || rootEdgeWord(0xffff, -1) >> ROOT_EDGE_NEXT_SHIFT !== -1 || (rootEdgeWord(0xffff, NEXT_SIG) & ROOT_EDGE_CLASS_MASK) !== 0xffff || pairBits(0x7ff << PAIR_BIT_1) !== 1 << 31 || pairBits(31 << PAIR_BIT_2) !== (1 << 31 | 1)
) {
  throw new Error("engine: records.ts accessors disagree with their constants");
}
