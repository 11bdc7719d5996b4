/**
 * The compiled matcher: flat typed arrays shared by the builder (writes them),
 * the serializer (stores them) and the searcher (reads them).
 *
 * The automaton is Aho–Corasick over *collapsed* class sequences: a run of equal
 * symbols ("ooo") is one step, and each pattern keeps its run lengths so the
 * searcher can decide at emission time whether the text's runs fit (exactly for
 * ordinary patterns, "at least" for patterns with repeats). Invariants:
 *   - state 0 is the root; depth[s] = number of runs on the path to s (<= MAX_PATTERN_SYMBOLS);
 *   - edges of state s are edgeClass/edgeTarget[edgeStart[s] .. edgeStart[s+1]), classes
 *     strictly increasing, targets of depth depth[s] + 1; the root's are also in rootRow;
 *   - fail[s] and dictLink[s] (next state with own outputs, or -1) have smaller depth,
 *     so every chain terminates;
 *   - states 0 .. denseStates-1 are "dense": their path uses only dense classes, and
 *     fail[s] < s among them, so their DFA rows can be derived in one pass;
 *   - outputs of s are outList[outStart[s] .. outStart[s+1]), patterns with exactly depth[s] runs.
 */

/** Class ids of the per-code-unit class table. Alphabet classes start at FIRST_CLASS. */
export const C_NOISE = 0;
export const C_IGNORE = 1;
/** Needs the slow path: surrogate, multi-symbol fold or contextual `@`/`$`. */
export const C_SLOW = 2;
/** A symbol that occurs in no pattern: no match can span it. */
export const C_OTHER = 3;
export const FIRST_CLASS = 4;

/** Longest pattern, in symbols; also the size of the search ring buffers. */
export const MAX_PATTERN_SYMBOLS = 256;
export const MAX_CLASSES = 0xffff;
/** Most states (search.ts packs a failure target above 5 flag bits of an int32); far beyond any dictionary that fits in memory. */
export const MAX_STATES = 1 << 26;

/** Pattern flags. */
export const P_REPEATS = 1;
export const P_CHECK_START = 2;
export const P_CHECK_END = 4;

export interface Tables {
  maxGap: number;
  /** Classes FIRST_CLASS .. FIRST_CLASS + denseClasses - 1 have full DFA rows in dense states. */
  denseClasses: number;
  /** States 0 .. denseStates - 1 are dense (BFS order, so fail[s] < s); see buildDenseRows. */
  denseStates: number;
  /** Folded code point of class FIRST_CLASS + i. */
  alphabet: Int32Array;
  /** Next state from the root, by class - FIRST_CLASS (0 = stay at root). */
  rootRow: Int32Array;
  edgeStart: Int32Array;
  edgeClass: Uint16Array;
  edgeTarget: Int32Array;
  fail: Int32Array;
  dictLink: Int32Array;
  depth: Uint16Array;
  outStart: Int32Array;
  outList: Int32Array;
  /** Term index of each pattern; -1 for allow-list phrases. */
  patTerm: Int32Array;
  patFlags: Uint8Array;
  /** Pattern length in symbols. */
  patLen: Uint16Array;
  /** Runs of pattern p are runLens[patRunStart[p] .. patRunStart[p+1]). */
  patRunStart: Int32Array;
  runLens: Uint16Array;
  termIds: Float64Array;
  termSeverity: Float64Array;
  termCategory: Uint32Array;
  categories: string[];
}
