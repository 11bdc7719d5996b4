/**
 * The scan: one pass over the text's UTF-16 code units.
 *
 * Each code unit is mapped to a class with one table read (classTable). Alphabet
 * symbols drive the automaton over *collapsed* runs: a symbol equal to the
 * previous one only lengthens the current run. Noise does not move the automaton
 * but counts the gap; a gap longer than maxGap, or a symbol no pattern uses,
 * resets to the root. Rare cases (surrogates, multi-symbol folds, `@`/`$`) take
 * the slow path through fold.ts. Whenever the current state has outputs, `emit`
 * checks run lengths, computes original offsets from the ring buffers and
 * applies whole-word checks.
 *
 * Emission points, per pattern kind:
 *   - ordinary pattern: when its last run reaches exactly its length (or, for a
 *     one-run pattern, at every symbol once the run is long enough);
 *   - pattern with repeats: when the run that ends it is complete (a different
 *     symbol, a reset or the end of text), covering whole runs.
 */
import { ASTRAL_NOISE_BLOCKS, boundaryAfter, boundaryBefore, leetAt, F_IGNORE, F_NOISE, FOLD_BMP, F_EXPAND, F_LEET, F_SURROGATE, step, symbolsAt } from "./fold.js";
import { buildDenseRows, findEdge } from "./build/automaton.js";
import { C_IGNORE, C_NOISE, C_OTHER, C_SLOW, FIRST_CLASS, P_CHECK_END, P_CHECK_START, P_REPEATS, type Tables } from "./tables.js";
import type { FastPaths } from "./types.js";
import {
  EDGE_PAIR, EMIT_BITS, EMIT_END_WORD, EMIT_ON_FLUSH, EMIT_ON_SYMBOL, escapeOwn, escapeTarget, escapeWord, GOTO_REC, GOTO_VALID, gotoBits,
  gotoHas, gotoTarget, gotoValid, INLINE_TERM_BITS, inlineFlags, inlineOutput, inlineRuns, inlineTerm, OUT_REC, outFlags,
  outHasRunBits, outLastRun, outLength, outputWord, outRunBits, outRuns, outTerm, outWordOf, runBitsOf, PAIR_BIT_1, PAIR_BIT_2, pairBits, pairHash, pairHit, pairWord,
  popcount, OUT_LAST, REC_DICT, REC_EDGE, REC_FAIL_SHIFT, REC_INLINE, REC_OUT, REC_SLOTS, REC_TARGET, REC_WORD, recAt, recInline, recWord, recWordOf,
  ring, RING, NEXT_SIG_BITS, stateEdgeHash, nextOf, ROOT_EDGE, ROOT_EDGE_NEXT_SHIFT, rootEdgeClass, rootEdgeTo, rootEdgeWord, ROOT_PACK, rootChild, rootMask, STATE_REC,
} from "./records.js";

/** Every fast path on: the default. */
export const ALL_FAST_PATHS: Readonly<FastPaths> = Object.freeze({
  pairFilter: true, wordSkips: true, shallowRows: true, cjkLoop: true, pairStates: true, latinLoop: true, chainRuns: true, inlineSteps: true,
});
/** Every fast path off: each code point through the slow path's `transition()`. */
export const NO_FAST_PATHS: Readonly<FastPaths> = Object.freeze({
  pairFilter: false, wordSkips: false, shallowRows: false, cjkLoop: false, pairStates: false, latinLoop: false, chainRuns: false, inlineSteps: false,
});

export interface Runtime extends Tables {
  /** The fast paths this runtime takes (each off is made so by the tables below, or by latinLoop). */
  fastPaths: Readonly<FastPaths>;
  /** Take the Latin inner loop (FastPaths.latinLoop). */
  latinLoop: boolean;
  /** The working memory of a scan (Scratch): one per matcher, re-entrant scans get their own. */
  scratch: Scratch;
  /** Class of every BMP code unit. */
  classTable: Uint16Array;
  /** Per state: EMIT_ON_SYMBOL if its chain has ordinary patterns, EMIT_ON_FLUSH if it has patterns with repeats. */
  emitMask: Uint8Array;
  /**
   * DFA rows of the dense states over the dense classes (buildDenseRows), only if some
   * dense state has no goto record (else empty: denseStep never reads them).
   */
  denseRows: Uint16Array;
  /**
   * For dense states: (the first state on the failure chain (excluding s) with an edge by a
   * non-dense class, or the root) << 1 | 1 if s itself has such an edge. A non-dense class
   * jumps straight there instead of walking the (dense-only) chain one state at a time.
   */
  escape: Int32Array;
  /**
   * Per class c - FIRST_CLASS, ROOT_PACK words: [root's child by c, its emit mask], so the
   * commonest step (CJK character → root child → pairBloom miss → root child) reads one
   * small table.
   */
  rootPack: Int32Array;
  /**
   * Per class c - FIRST_CLASS: 1 if the root's child by c has an edge by a dense class. A
   * dense class after a CJK character whose child has none (nearly always) steps from the
   * root at once, without walking the child's record and failure link.
   */
  rootDenseEdge: Uint8Array;
  /**
   * The CJK inner loop of scan. Classes in [FIRST_CLASS + denseClasses, fastLimit) are
   * non-dense and their root child has no outputs. pairBloom: blocked Bloom filter,
   * two bits in one word, of the pairs (a, b) of non-dense classes where the root's
   * child by a has an edge by b, and of the repeats (a, a) of the classes below
   * fastLimit (so the loop's filter test also stops it at a repeat); word
   * pairHash(a, b) >>> pairShift. It also holds the edges (s, c) by non-dense classes of the
   * states whose edge lists the scan searches (stateEdgeHash, records.ts): a CJK character
   * after a Latin word reads no edge list of the word's states unless one may have its edge
   * (README.md). A "maybe" is only ever a reason to look closer.
   */
  fastLimit: number;
  pairBloom: Int32Array;
  pairShift: number;
  /**
   * The edges of the root's children by non-dense classes as [class, target] pairs, those of
   * the child by class FIRST_CLASS + i at [rootEdgeStart[i], rootEdgeStart[i + 1]) (pairs),
   * so a pair the filter lets through reads one cache line of edges where edgeClass and
   * edgeTarget cost one miss each (and the child's record a third).
   */
  rootEdges: Int32Array;
  rootEdgeStart: Int32Array;
  /** Class of a folded symbol (slow path only; built on first use by classOfSymbol). */
  symbolClass: Map<number, number> | null;
  /**
   * Word-start anchoring of the Latin loop. A pattern whose first symbol is Latin is
   * whole-word at its start by default, so it cannot start inside a run of ASCII letters
   * and digits. skipUnit[u] (u < 128) is 1 for an ASCII letter or digit whose class starts
   * no pattern that may start mid-word ("free": wholeWord false, or a CJK numeral that
   * folds to a digit). Once the automaton's state string starts inside a run of such code
   * units, nothing in progress can match, and no match can start before the run ends:
   * `scan` skips to its end and resets to the root.
   * deadBand[d] is the first dense state of depth >= d (dense states are in BFS order), so
   * a DFA step s → t with t < deadBand[depth(s) + 1] is a failure step: only those can
   * move the state string's start into the run. All zero when no code unit is skippable.
   * The band test is only a filter (the skip itself is decided by looking at the text), so
   * its index wrapping past depth 6 can only miss skips, never skip wrongly.
   */
  skipUnit: Uint8Array;
  deadBand: Int32Array;
  /**
   * Goto records, per dense state s: [bit k set iff s has a trie edge by class
   * FIRST_CLASS + k, that edge's target is the first such target + the number of bits
   * below k]. Bit 31 marks the record valid: at most 31 dense classes, and the children by
   * dense classes numbered consecutively (BFS order makes them so unless the dense-state
   * budget ran out among them). A DFA step (denseStep) follows them along the failure
   * chain: two words per dense state where its DFA rows would take one 16-bit entry per dense
   * class, read at random at every Latin word; a failure step that must
   * skip (word-start anchoring) needs no target at all.
   */
  gotoRec: Int32Array;
  /**
   * The goto targets of the dense states of depth <= 2 by dense class (0: none), at
   * shallowRows[s * denseClasses + k] for s < shallowStates (BFS order puts them first;
   * none if some dense state has no goto record: the rows are read after its bit test). The
   * Latin loop's first steps into a word take one load here instead of a popcount, which
   * the next step would wait for.
   */
  shallowRows: Uint16Array;
  shallowStates: number;
  /**
   * Per non-dense state s, at REC * (s - denseStates), what a match reads about it: [class
   * of its only edge (-1 if it has none, minus the number of edges if several), that edge's
   * target (its first edge in edgePairs if several), emit mask | REC_OUT | REC_DICT |
   * REC_SLOTS | failure target << REC_FAIL_SHIFT, its output]. REC_OUT: the state has one
   * output whose runs are single symbols (most term ends), held in the last word
   * (INLINE_TERM_BITS); REC_SLOTS: its outputs are the outRec slots from the last word on, up
   * to the one marked OUT_LAST. REC_DICT: it has a dictionary link (in REC_TARGET if it has no
   * edges, else read from dictLink).
   * These states are the rest of a term, met mostly while a term matches, when none of
   * their data is in cache: one 16-byte record costs one cache miss where the separate
   * arrays (and outRec) cost one each.
   */
  stateRec: Int32Array;
  /**
   * The edges of the non-dense states with several edges as [class, target] pairs (records.ts
   * edgePairs), from their record's REC_TARGET on: a step by one of them reads one cache line
   * where edgeClass and edgeTarget are a miss each.
   */
  edgePairs: Int32Array;
  /**
   * Per output slot o (outList order), the pattern's data in one record so an emission
   * check touches one cache line: [term, outputWord(...)].
   */
  outRec: Int32Array;
  /**
   * Every term id is an integer in [0, 2^20): outputs (outRec, stateRec) then hold the
   * term's id in place of its index, and the sink receives ids, so findAll need not look
   * each match's id up (a cache miss per match). Allow phrases stay -1.
   */
  termIsId: boolean;
  /**
   * Per dense state s: the shortest last run among the outputs on its dictionary chain from s
   * on, capped at 255 (255 if none). Every output needs its last run at least that long, so an
   * emission with a shorter current run stops its walk there ("ill": a run of 3 of the letter
   * i/l/1, on the chain of every state ending in i or l).
   */
  chainRun: Uint8Array;
}

export function makeRuntime(t: Tables, fastPathOptions: Partial<FastPaths> = {}): Runtime {
  const fastPaths: Readonly<FastPaths> = Object.freeze({ ...ALL_FAST_PATHS, ...fastPathOptions });
  // Without inline steps every code unit takes the slow path (C_SLOW), the automaton's reference.
  const classTable = fastPaths.inlineSteps ? classTableFor(t.alphabet) : new Uint16Array(0x10000).fill(C_SLOW);
  const N = t.fail.length;
  const { outStart, outList, dictLink, patFlags, edgeStart, edgeClass, edgeTarget, fail, rootRow } = t;
  const O = outList.length;
  const outRec = new Int32Array(OUT_REC * O);
  const { patRunStart, patTerm, patLen, runLens, termIds } = t;
  let termIsId = true;
  for (let i = 0; i < termIds.length && termIsId; i++) termIsId = termIds[i]! >= 0 && termIds[i]! < 1 << INLINE_TERM_BITS;
  for (let o = 0; o < O; o++) {
    const p = outList[o]!, r0 = patRunStart[p]!, k = patRunStart[p + 1]! - r0, term = patTerm[p]!;
    outRec[OUT_REC * o] = termIsId && term >= 0 ? termIds[term]! : term;
    const runBits = runBitsOf(runLens, r0, k);
    outRec[OUT_REC * o + 1] = outputWord(patFlags[p]!, k, patLen[p]!, runLens[r0 + k - 1]!, runBits >= 0);
    outRec[OUT_REC * o + 2] = runBits >= 0 ? runBits : 0;
  }
  const emitMask = new Uint8Array(N);
  const DS = t.denseStates;
  const limit = FIRST_CLASS + t.denseClasses;
  // freeStart[c]: some pattern starting with class c may start mid-word (no P_CHECK_START).
  // Only the classes of ASCII letters and digits matter (skipUnit): firstClass[s] is the
  // class of the first run on the path to s if it is one of those, else 0 (parents come
  // before their children in state order).
  const firstClass = new Uint16Array(N), freeStart = new Uint8Array(FIRST_CLASS + t.alphabet.length);
  const asciiClass = new Uint8Array(FIRST_CLASS + t.alphabet.length);
  for (let u = 0; u < 128; u++) if (isAsciiAlnum(u)) asciiClass[classTable[u]!] = 1;
  // escape (below) starts as 1 for each dense state with an edge by a non-dense class.
  const escape = new Int32Array(DS);
  const stateRec = new Int32Array(STATE_REC * (N - DS));
  // The edges of the non-dense states with several edges, as [class, target] pairs (records.ts).
  let pairCount = 0;
  for (let s = DS; s < N; s++) if (edgeStart[s + 1]! - edgeStart[s]! > 1) pairCount += edgeStart[s + 1]! - edgeStart[s]!;
  const edgePairs = new Int32Array(EDGE_PAIR * pairCount);
  for (let s = 0, pe = 0; s < N; s++) {
    const o0 = outStart[s]!, o1 = outStart[s + 1]!;
    if (s >= DS) {
      const x = recAt(s, DS), k = edgeStart[s]!, count = edgeStart[s + 1]! - k;
      stateRec[x + REC_EDGE] = count === 1 ? edgeClass[k]! : count === 0 ? -1 : -count;
      // A state without edges (most term ends) holds its dictionary link there instead.
      stateRec[x + REC_TARGET] = count === 1 ? edgeTarget[k]! : count > 1 ? pe : Math.max(dictLink[s]!, 0);
      for (let q = k; count > 1 && q < k + count; q++, pe++) {
        edgePairs[EDGE_PAIR * pe] = edgeClass[q]!;
        edgePairs[EDGE_PAIR * pe + 1] = edgeTarget[q]!;
      }
      let flags = dictLink[s]! >= 0 ? REC_DICT : 0;
      if (o1 - o0 === 1) {
        const term = outTerm(outRec, o0), w = outWordOf(outRec, o0), runs = outRuns(w);
        if (outLength(w) === runs && term >= 0 && term < 1 << INLINE_TERM_BITS) {
          flags |= REC_OUT;
          stateRec[x + REC_INLINE] = inlineOutput(term, outFlags(w), runs);
        }
      }
      if ((flags & REC_OUT) === 0 && o1 > o0) {
        // Its outputs, from this slot to the one marked OUT_LAST (below).
        flags |= REC_SLOTS;
        stateRec[x + REC_INLINE] = o0;
      }
      stateRec[x + REC_WORD] = flags;
    }
    if (o1 > o0) outRec[OUT_REC * (o1 - 1) + 1] = outWordOf(outRec, o1 - 1) | OUT_LAST;
    let own = 0;
    for (let o = o0; o < o1; o++) {
      const f = outWordOf(outRec, o);
      own |= (f & P_REPEATS ? EMIT_ON_FLUSH : EMIT_ON_SYMBOL) | (f & P_CHECK_END ? 0 : NOT_END_WORD);
      if (!(f & P_CHECK_START)) freeStart[firstClass[s]!] = 1; // (class 0 = none of them)
    }
    emitMask[s] = own; // own outputs only; the dictionary chain is added below
    const k0 = edgeStart[s]!, k1 = edgeStart[s + 1]!;
    // Edges are sorted by class: a state has an edge by a non-dense class iff its last one is.
    if (s < DS && k1 > k0 && edgeClass[k1 - 1]! >= limit) escape[s] = 1;
    if (s === 0) {
      for (let k = k0; k < k1; k++) if (asciiClass[edgeClass[k]!]) firstClass[edgeTarget[k]!] = edgeClass[k]!;
    } else {
      const fc = firstClass[s]!;
      if (fc !== 0) for (let k = k0; k < k1; k++) firstClass[edgeTarget[k]!] = fc;
    }
  }
  for (let s = 1; s < DS; s++) {
    const f = fail[s]!;
    escape[s] = escapeWord(f === 0 || escapeOwn(escape[f]!) ? f : escapeTarget(escape[f]!), escape[s]!);
  }
  const A = t.alphabet.length;
  const skipUnit = new Uint8Array(128);
  let anySkip = false;
  for (let u = 0; u < 128 && fastPaths.wordSkips; u++) if (isAsciiAlnum(u) && !freeStart[classTable[u]!]) anySkip = Boolean((skipUnit[u] = 1));
  const deadBand = new Int32Array(DEAD_BANDS);
  for (let d = 0, s = 0; anySkip && d < DEAD_BANDS; d++) {
    while (s < t.denseStates && t.depth[s]! < d) s++;
    deadBand[d] = s;
  }
  const gotoRec = new Int32Array(GOTO_REC * t.denseStates);
  let allRecords = t.denseClasses <= 31;
  for (let s = 0; t.denseClasses <= 31 && s < t.denseStates; s++) {
    let bits = 0, first = -1, valid = true;
    for (let k = edgeStart[s]!, end = edgeStart[s + 1]!; k < end && edgeClass[k]! < limit; k++) {
      const target = edgeTarget[k]!;
      if (first < 0) first = target;
      else valid &&= target === first + popcount(bits);
      bits |= 1 << (edgeClass[k]! - FIRST_CLASS);
    }
    if (valid) { gotoRec[GOTO_REC * s] = bits | GOTO_VALID; gotoRec[GOTO_REC * s + 1] = first; }
    else allRecords = false;
  }
  // (Targets by dense classes fit 16 bits: load() checks them against MAX_DENSE_TARGETS.)
  let shallowStates = 0;
  while (fastPaths.shallowRows && allRecords && shallowStates < DS && t.depth[shallowStates]! <= 2) shallowStates++;
  const shallowRows = new Uint16Array(shallowStates * t.denseClasses);
  for (let s = 0; s < shallowStates; s++) {
    for (let k = edgeStart[s]!; k < edgeStart[s + 1]! && edgeClass[k]! < limit; k++) shallowRows[s * t.denseClasses + edgeClass[k]! - FIRST_CLASS] = edgeTarget[k]!;
  }
  const rootPack = new Int32Array(ROOT_PACK * A);
  for (let i = 0; i < A; i++) rootPack[ROOT_PACK * i] = rootRow[i]!;
  // Add the masks of the dictionary chain: mask[s] = own mask of s | mask[dictLink[s]]. A
  // target before s is complete (one step); a later one (dictLink targets are shallower,
  // but only the dense states are in BFS order) still holds its own mask only, so the walk
  // goes on past it. Then the final masks, in a second pass.
  for (let s = 0; s < N; s++) {
    let mask = emitMask[s]!;
    const y0 = dictLink[s]!;
    if (y0 < 0) continue;
    for (let y = y0; y >= 0; y = dictLink[y]!) {
      mask |= emitMask[y]!;
      if (y < s) break;
    }
    emitMask[s] = mask;
  }
  for (let s = 0; s < N; s++) {
    // EMIT_END_WORD: every output on the chain is whole-word at its end, so no
    // emission from s can succeed while an ASCII letter or digit follows.
    const mask = emitMask[s]!, final = mask & NOT_END_WORD || mask === 0 ? mask & (EMIT_ON_SYMBOL | EMIT_ON_FLUSH) : mask | EMIT_END_WORD;
    emitMask[s] = final;
    if (s >= DS) stateRec[recAt(s, DS) + REC_WORD] = recWordOf(final, stateRec[recAt(s, DS) + REC_WORD]!, fail[s]!);
  }
  // chainRun[s] (dense s): the shortest last run of an output on s's dictionary chain from s
  // on (255 if none, or longer): a shorter current run fires none of them, so emit stops there.
  // One pass in order: a dense state's dictionary link is shallower, so an earlier dense state
  // (BFS order); were it not, 0 (never stop) is the safe value.
  const chainRun = new Uint8Array(DS);
  for (let s = 0; s < DS && fastPaths.chainRuns; s++) {
    let least = 255;
    for (let o = outStart[s]!; o < outStart[s + 1]!; o++) least = Math.min(least, outLastRun(outWordOf(outRec, o)));
    const y = dictLink[s]!;
    chainRun[s] = y < 0 ? least : y < s ? Math.min(least, chainRun[y]!) : 0;
  }
  const rootDenseEdge = new Uint8Array(A);
  for (let i = 0; i < A; i++) {
    rootPack[ROOT_PACK * i + 1] = emitMask[rootRow[i]!]!;
    const child = rootRow[i]!, k = edgeStart[child]!; // edges by increasing class
    rootDenseEdge[i] = child !== 0 && k < edgeStart[child + 1]! && edgeClass[k]! < limit ? 1 : 0;
  }
  let fastLimit = limit;
  while (fastLimit < FIRST_CLASS + A && emitMask[rootRow[fastLimit - FIRST_CLASS]!] === 0) fastLimit++;
  let pairs = 0;
  for (let i = t.denseClasses; i < A; i++) {
    const child = rootRow[i]!;
    if (child !== 0) for (let k = edgeStart[child]!; k < edgeStart[child + 1]!; k++) if (edgeClass[k]! >= limit) pairs++;
  }
  const rootEdgeStart = new Int32Array(A + 1), rootEdges = new Int32Array(ROOT_EDGE * pairs);
  for (let i = 0, e = 0; i < A; i++) {
    const child = rootRow[i]!;
    if (i >= t.denseClasses && child !== 0) {
      for (let k = edgeStart[child]!; k < edgeStart[child + 1]!; k++) {
        if (edgeClass[k]! >= limit) {
          const to = edgeTarget[k]!;
          // What the CJK loop needs to pass `to` without its record (records.ts, rootEdgeWord).
          const next = !fastPaths.pairStates || emitMask[to] !== 0 ? 0 : nextOf(edgeClass.subarray(edgeStart[to]!, edgeStart[to + 1]!));
          rootEdges[ROOT_EDGE * e] = rootEdgeWord(edgeClass[k]!, next);
          rootEdges[ROOT_EDGE * e + 1] = to;
          e++;
        }
      }
    }
    rootEdgeStart[i + 1] = e;
  }
  // The filter's keys (records.ts): the pairs (a, b) where the root's child by a has an edge by
  // the non-dense class b — a dense a too, as the CJK loop passes a dense class between CJK
  // characters (a Chinese numeral) when its child has no edge by the next one — and (s, c) for
  // the edges by non-dense classes c of every state s whose edge list the scan searches: a
  // non-dense state with several edges, a dense state with an edge by a non-dense class
  // (stateEdgeHash). The filter is sized for these.
  const keys: number[] = [];
  for (let i = 0; i < A; i++) {
    const child = rootRow[i]!;
    if (child !== 0) for (let k = edgeStart[child]!; k < edgeStart[child + 1]!; k++) if (edgeClass[k]! >= limit) keys.push(pairHash(FIRST_CLASS + i, edgeClass[k]!));
  }
  for (let s = 1; s < N; s++) {
    const k0 = edgeStart[s]!, k1 = edgeStart[s + 1]!;
    if (s < DS ? escapeOwn(escape[s]!) : k1 - k0 > 1) for (let k = k0; k < k1; k++) if (edgeClass[k]! >= limit) keys.push(stateEdgeHash(s, edgeClass[k]!));
  }
  let pairShift = 32 - 6;
  while (pairShift > 12 && 1 << (32 - pairShift) < keys.length / 2) pairShift--;
  const pairBloom = new Int32Array(1 << (32 - pairShift));
  for (const h of keys) bloomAdd(pairBloom, pairShift, h);
  // And every repeat (a, a) of the CJK loop's classes, so that loop needs no test for repeats.
  for (let a = limit; a < fastLimit; a++) bloomAdd(pairBloom, pairShift, pairHash(a, a));
  if (!fastPaths.pairFilter) pairBloom.fill(-1);
  if (!fastPaths.cjkLoop) fastLimit = limit;
  return runtimeWith({
    ...t, fastPaths, latinLoop: fastPaths.latinLoop, classTable, emitMask, symbolClass: null, gotoRec, shallowRows,
    shallowStates, stateRec, edgePairs, fastLimit, pairBloom, pairShift, rootEdges, rootEdgeStart, skipUnit, deadBand,
    denseRows: allRecords ? new Uint16Array(0) : buildDenseRows(t), escape, rootPack, rootDenseEdge, outRec, termIsId, chainRun,
  }, new Scratch());
}

/**
 * The runtime `r` with `scratch` as its working memory. Every runtime is made here, as one
 * explicit literal (not a spread): one object shape, small and fast to read from.
 */
export function runtimeWith(r: Omit<Runtime, "scratch">, scratch: Scratch): Runtime {
  return {
    maxGap: r.maxGap, denseClasses: r.denseClasses, denseStates: r.denseStates,
    alphabet: r.alphabet, rootRow: r.rootRow, edgeStart: r.edgeStart, edgeClass: r.edgeClass, edgeTarget: r.edgeTarget,
    fail: r.fail, dictLink: r.dictLink, depth: r.depth, outStart: r.outStart, outList: r.outList,
    patTerm: r.patTerm, patFlags: r.patFlags, patLen: r.patLen, patRunStart: r.patRunStart, runLens: r.runLens,
    termIds: r.termIds, termSeverity: r.termSeverity, termCategory: r.termCategory, categories: r.categories,
    fastPaths: r.fastPaths, latinLoop: r.latinLoop, scratch,
    classTable: r.classTable, emitMask: r.emitMask, symbolClass: r.symbolClass, gotoRec: r.gotoRec, shallowRows: r.shallowRows,
    shallowStates: r.shallowStates, stateRec: r.stateRec, edgePairs: r.edgePairs, fastLimit: r.fastLimit, pairBloom: r.pairBloom, pairShift: r.pairShift,
    rootEdges: r.rootEdges, rootEdgeStart: r.rootEdgeStart, skipUnit: r.skipUnit, deadBand: r.deadBand, denseRows: r.denseRows,
    escape: r.escape, rootPack: r.rootPack, rootDenseEdge: r.rootDenseEdge, outRec: r.outRec, termIsId: r.termIsId, chainRun: r.chainRun,
  };
}

/** deadBand entries: one per dense depth + 1 (MAX_DENSE_DEPTH + 2), rounded up to a power of two. */
const DEAD_BANDS = 8;
/** Adds the key of hash h (pairHash, stateEdgeHash) to pairBloom: pairHit's two bits in its word. */
function bloomAdd(pairBloom: Int32Array, pairShift: number, h: number): void {
  pairBloom[h >>> pairShift]! |= pairBits(h);
}

/** pairBloom may hold the pair (a, b): the root's child by a may have an edge by b. */
function pairMaybe(pairBloom: Int32Array, pairShift: number, a: number, b: number): boolean {
  // pairHit(pairWord(...)) of records.ts written out, as in denseStep.
  const PAIR_BIT_1 = 6, PAIR_BIT_2 = 11;
  const h = pairHash(a, b), w = pairBloom[h >>> pairShift]!;
  return ((w >> (h >>> PAIR_BIT_1)) & (w >> (h >>> PAIR_BIT_2)) & 1) === 1;
}

/** pairBloom may hold the edge by class c of state s (stateEdgeHash). */
function stateEdgeMaybe(pairBloom: Int32Array, pairShift: number, s: number, c: number): boolean {
  // pairHit(pairWord(...)) of records.ts written out, as in pairMaybe.
  const PAIR_BIT_1 = 6, PAIR_BIT_2 = 11;
  const h = stateEdgeHash(s, c), w = pairBloom[h >>> pairShift]!;
  return ((w >> (h >>> PAIR_BIT_1)) & (w >> (h >>> PAIR_BIT_2)) & 1) === 1;
}

/**
 * Target of the edge by class c among the edge pairs lo .. hi - 1 (records.ts edgePairs, classes
 * increasing), or 0 if none: findEdgeIn's search (build/automaton.ts) over [class, target] pairs.
 */
function findEdgePair(edgePairs: Int32Array, lo: number, hi: number, c: number): number {
  const EDGE_PAIR = 2; // records.ts's, as a local literal (see emit)
  if (hi - lo <= 16) {
    for (; lo < hi; lo++) {
      const x = edgePairs[EDGE_PAIR * lo]!;
      if (x >= c) return x === c ? edgePairs[EDGE_PAIR * lo + 1]! : 0;
    }
    return 0;
  }
  let len = hi - lo;
  while (len > 1) {
    const half = len >>> 1;
    lo = edgePairs[EDGE_PAIR * (lo + half)]! <= c ? lo + half : lo;
    len -= half;
  }
  return edgePairs[EDGE_PAIR * lo] === c ? edgePairs[EDGE_PAIR * lo + 1]! : 0;
}

/** Index of the edge by class c among rootEdges[lo, hi) (by increasing class), or -1: a linear scan of short lists, else a binary search. */
function rootEdgeFind(rootEdges: Int32Array, lo: number, hi: number, c: number): number {
  if (hi - lo <= 16) {
    for (let e = lo; e < hi; e++) if (rootEdgeClass(rootEdges, e) === c) return e;
    return -1;
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1, mc = rootEdgeClass(rootEdges, mid);
    if (mc === c) return mid;
    if (mc < c) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}

/** Class table with no alphabet, and BMP code units grouped by their folded symbol. Built once. */
let base: { table: Uint16Array; units: Uint16Array; syms: Int32Array } | undefined;

function classBase(): NonNullable<typeof base> {
  if (base) return base;
  const table = new Uint16Array(0x10000);
  let n = 0;
  for (let u = 0; u < 0x10000; u++) {
    const v = FOLD_BMP[u]!;
    if (v >= 0) { table[u] = C_OTHER; n++; }
    else table[u] = v === F_NOISE ? C_NOISE : v === F_IGNORE ? C_IGNORE : v === F_EXPAND || v === F_LEET || v === F_SURROGATE ? C_SLOW : C_NOISE;
  }
  const order = new Uint32Array(n);
  for (let u = 0, k = 0; u < 0x10000; u++) if (FOLD_BMP[u]! >= 0) order[k++] = u;
  const units = Uint16Array.from(order.sort((a, b) => FOLD_BMP[a]! - FOLD_BMP[b]! || a - b));
  const syms = Int32Array.from(units, (u) => FOLD_BMP[u]!);
  return (base = { table, units, syms });
}

/** Class of every BMP code unit for this alphabet: base table plus the preimages of each alphabet symbol. */
export function classTableFor(alphabet: Int32Array): Uint16Array {
  const { table, units, syms } = classBase();
  const out = table.slice();
  for (let i = 0; i < alphabet.length; i++) {
    const sym = alphabet[i]!;
    let lo = 0, hi = syms.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (syms[mid]! < sym) lo = mid + 1;
      else hi = mid;
    }
    for (; lo < syms.length && syms[lo] === sym; lo++) out[units[lo]!] = FIRST_CLASS + i;
  }
  return out;
}

/** Receives candidate matches; returning true stops the scan. */
export interface Sink {
  /**
   * `term`: the term's id if Runtime.termIsId, else its index; -1 for allow phrases.
   * `activeStart`: no later emission can start before it (0 unless wanted).
   */
  report(term: number, start: number, end: number, activeStart: number): boolean;
  readonly wantsActiveStart: boolean;
}

const EV_SYMBOL = 0, EV_FLUSH = 1;
/** outputStart: the output fires on a narrower span, [Scratch.trimStart, Scratch.trimEnd) (trimmedRepeats). */
const TRIMMED = -2;
/** makeRuntime only: some output of the state lacks P_CHECK_END. */
const NOT_END_WORD = 8;

/**
 * A scan's working memory: the rings keep the offsets of the last RING symbols and runs (by
 * symbol and run index: ring(i)), so original offsets come out exact; `st` holds the scanner
 * state around the slow path. One per matcher, taken by a scan and given back at its end; a
 * scan started while it is taken (from inside a sink) gets a fresh one, so scans are re-entrant.
 */
export class Scratch {
  /** Start offset of the last RING symbols, by symbol index. */
  readonly pos = new Int32Array(RING);
  /** Start offset and (once complete) length of the last RING runs, by run index. */
  readonly runStarts = new Int32Array(RING);
  readonly runLens = new Int32Array(RING);
  /** Scanner state saved around the slow path: [S, mask, cur, runLen, runIdx, symIdx, symEnd, gap, rc]. */
  readonly st = new Int32Array(9);
  /** Symbols of one code point (fold.ts symbolsAt). */
  readonly symbols = new Int32Array(8);
  /** The span of the last TRIMMED output (trimmedRepeats). */
  trimStart = 0;
  trimEnd = 0;
  busy = false;
}

function emit(
  m: Runtime, sink: Sink, text: string, S: number, event: number,
  runLen: number, runIdx: number, symIdx: number, symEnd: number,
): boolean {
  // records.ts's layout (state records, inline outputs, output records, output words) as local
  // literals, as in scanWith: imported accessors cost emit a load and a check per call.
  const STATE_REC = 4, REC_EDGE = 0, REC_TARGET = 1, REC_WORD = 2, REC_INLINE = 3, OUT_REC = 3, REC_SLOTS = 32, INLINE_TERM_BITS = 20, INLINE_RUNS_SHIFT = 23, INLINE_TERM_MASK = 0xfffff;
  const OUT_FLAGS = 7, OUT_RUNS_SHIFT = 3, OUT_LEN_SHIFT = 12, OUT_LAST_SHIFT = 21, RING_MASK = 255;
  const { outStart, outRec, dictLink, stateRec, denseStates, chainRun } = m;
  const activeStart = sink.wantsActiveStart ? m.scratch.runStarts[(runIdx - m.depth[S]! + 1) & RING_MASK]! : 0;
  for (let t = S, next = 0; t >= 0; t = next) {
    // o: the state's first output slot (its outputs run to the slot marked OUT_LAST, and no
    // further than the last slot: load() does not check a record's first slot), or -1.
    let o: number;
    if (t >= denseStates) {
      const x = STATE_REC * (t - denseStates), w = stateRec[x + REC_WORD]!;
      // The dictionary link: in the record of a state without edges (REC_TARGET), else in dictLink.
      next = w & REC_DICT ? (stateRec[x + REC_EDGE] === -1 ? stateRec[x + REC_TARGET]! : dictLink[t]!) : -1;
      if (w & REC_OUT) {
        // The state's one output, kept in its record (Runtime.stateRec).
        const v = stateRec[x + REC_INLINE]!, runs = v >>> INLINE_RUNS_SHIFT;
        const word = ((v >>> INLINE_TERM_BITS) & OUT_FLAGS) | (runs << OUT_RUNS_SHIFT) | (runs << OUT_LEN_SHIFT) | (1 << OUT_LAST_SHIFT);
        const start = outputStart(m, text, word, -1, event, runLen, runIdx, symIdx, symEnd);
        if (start >= 0 ? sink.report(v & INLINE_TERM_MASK, start, symEnd, activeStart) : start === TRIMMED && reportTrimmed(m, sink, v & INLINE_TERM_MASK, activeStart)) return true;
        continue;
      }
      o = w & REC_SLOTS ? stateRec[x + REC_INLINE]! : -1;
    } else {
      if (runLen < chainRun[t]!) return false;
      next = dictLink[t]!;
      o = outStart[t]! < outStart[t + 1]! ? outStart[t]! : -1;
    }
    for (const end = outRec.length; o >= 0 && OUT_REC * o < end; o++) {
      const w = outRec[OUT_REC * o + 1]!;
      const start = outputStart(m, text, w, o, event, runLen, runIdx, symIdx, symEnd);
      if (start >= 0 ? sink.report(outRec[OUT_REC * o]!, start, symEnd, activeStart) : start === TRIMMED && reportTrimmed(m, sink, outRec[OUT_REC * o]!, activeStart)) return true;
      if (w < 0 /* OUT_LAST */) break;
    }
  }
  return false;
}

/** emit, for a TRIMMED output: report its span. (Apart, so emit stays small.) */
function reportTrimmed(m: Runtime, sink: Sink, term: number, activeStart: number): boolean {
  return sink.report(term, m.scratch.trimStart, m.scratch.trimEnd, activeStart);
}

/**
 * Whether an output (its outputWord; its slot, or -1 if every run is one symbol) fires on
 * this event: its start offset (it ends at symEnd), TRIMMED, or -1.
 */
function outputStart(
  m: Runtime, text: string, w: number, slot: number, event: number,
  runLen: number, runIdx: number, symIdx: number, symEnd: number,
): number {
  // outFlags, outRuns, outLength, outLastRun of records.ts with local literals, as in emit.
  const OUT_FLAGS = 7, OUT_RUNS_SHIFT = 3, OUT_LEN_SHIFT = 12, OUT_LAST_SHIFT = 21, OUT_FIELD = 511, RING_MASK = 255;
  const f = w & OUT_FLAGS, k = (w >>> OUT_RUNS_SHIFT) & OUT_FIELD, len = (w >>> OUT_LEN_SHIFT) & OUT_FIELD, lastRun = (w >>> OUT_LAST_SHIFT) & OUT_FIELD;
  const first = runIdx - k + 1, sc = m.scratch;
  // Cheap checks first (last run, offsets from the rings, whole word), runs last.
  let start: number;
  if (f & P_REPEATS) {
    if (event !== EV_FLUSH || runLen < lastRun) return -1;
    start = sc.runStarts[first & RING_MASK]!;
  } else {
    if (event === EV_FLUSH || (k === 1 ? runLen < lastRun : runLen !== lastRun)) return -1;
    start = sc.pos[(symIdx - len + 1) & RING_MASK]!;
  }
  if ((f & P_CHECK_START && !boundaryBefore(text, start)) || (f & P_CHECK_END && !boundaryAfter(text, symEnd)))
    return f & P_REPEATS ? trimmedRepeats(m, text, w, slot, runLen, runIdx, symIdx, symEnd) : -1;
  if (k > 1 && !(f & P_REPEATS && len === k)) {
    // Earlier runs: at least the pattern's for repeats; for ordinary patterns the
    // first run at least (the match may start inside it), the others exactly.
    // When every run of the pattern is one symbol (length = runs), "at least" always
    // holds, and "exactly" means 1: no need to read the pattern's run lengths.
    if (len === k) {
      for (let j = 1; j < k - 1; j++) if (sc.runLens[(first + j) & RING_MASK]! !== 1) return -1;
    } else if (!earlierRunsFit(m, sc.runLens, slot, f, first, k)) return -1;
  }
  return start;
}

/**
 * outputStart, for a pattern with repeats whose whole runs fail a whole-word check: a run of
 * the text may take in a letter of the neighbouring word across noise ("this spam", "spam
 * more": s and m), so the match may begin at a later symbol of its first run and end at an
 * earlier symbol of its last one, each run keeping at least the pattern's length. The widest
 * such span that passes (earliest start, latest end) goes to Scratch.trimStart / trimEnd:
 * TRIMMED, or -1 if none passes (or the runs reach back past the rings).
 */
function trimmedRepeats(
  m: Runtime, text: string, w: number, slot: number,
  runLen: number, runIdx: number, symIdx: number, symEnd: number,
): number {
  const f = outFlags(w), k = outRuns(w), lastNeed = outLastRun(w), sc = m.scratch, pos = sc.pos;
  const first = runIdx - k + 1, firstLen = k === 1 ? runLen : sc.runLens[ring(first)]!;
  // Runs of one symbol cannot be cut (most failures: a term inside a longer word).
  if (firstLen === 1 && runLen === 1) return -1;
  const startFails = (f & P_CHECK_START) !== 0 && !boundaryBefore(text, sc.runStarts[ring(first)]!);
  const endFails = (f & P_CHECK_END) !== 0 && !boundaryAfter(text, symEnd);
  if ((startFails && firstLen === 1) || (endFails && runLen === 1)) return -1;
  if (k > 1 && outLength(w) !== k && !earlierRunsFit(m, sc.runLens, slot, f, first, k)) return -1;
  // Symbol indices: the last run is [lastFrom, symIdx], the first [firstFrom, firstFrom + firstLen).
  const lastFrom = symIdx - runLen + 1;
  let firstFrom = lastFrom;
  for (let j = first; j < runIdx; j++) firstFrom -= sc.runLens[ring(j)]!;
  if (symIdx - firstFrom >= RING) return -1;
  const firstNeed = k === 1 ? lastNeed : slot < 0 ? 1 : outHasRunBits(w) ? 1 + (outRunBits(m.outRec, slot) & 1) : m.runLens[m.patRunStart[m.outList[slot]!]!]!;
  let a = firstFrom, b = symIdx, end = symEnd;
  if (startFails) {
    do a++; while (a <= firstFrom + firstLen - firstNeed && !boundaryBefore(text, pos[ring(a)]!));
    if (a > firstFrom + firstLen - firstNeed) return -1;
  }
  if (endFails) {
    do {
      if (--b < lastFrom + lastNeed - 1) return -1;
      end = pos[ring(b)]! + step(text, pos[ring(b)]!);
    } while (!boundaryAfter(text, end));
  }
  if (k === 1 && b - a + 1 < lastNeed) return -1;
  sc.trimStart = pos[ring(a)]!;
  sc.trimEnd = end;
  return TRIMMED;
}

/**
 * outputStart, for a pattern with runs longer than one symbol: its earlier runs fit those in
 * the ring. (Apart, so outputStart stays small enough for TurboFan to inline into emit.)
 */
function earlierRunsFit(m: Runtime, runLenRing: Int32Array, slot: number, f: number, first: number, k: number): boolean {
  const RING_MASK = 255, OUT_REC = 3, OUT_RUN_BITS = 1 << 30; // ring(), outHasRunBits, outRunBits as local literals (see emit)
  const outRec = m.outRec;
  if ((outRec[OUT_REC * slot + 1]! & OUT_RUN_BITS) !== 0) {
    // The pattern's runs before the last are 1 + bit j of the record's run bits.
    const bits = outRec[OUT_REC * slot + 2]!;
    if (runLenRing[first & RING_MASK]! < 1 + (bits & 1)) return false;
    if (f & P_REPEATS) {
      for (let j = 1; j < k - 1; j++) if (runLenRing[(first + j) & RING_MASK]! < 1 + ((bits >> j) & 1)) return false;
    } else {
      for (let j = 1; j < k - 1; j++) if (runLenRing[(first + j) & RING_MASK]! !== 1 + ((bits >> j) & 1)) return false;
    }
    return true;
  }
  const runLens = m.runLens, r0 = m.patRunStart[m.outList[slot]!]!;
  if (runLenRing[first & RING_MASK]! < runLens[r0]!) return false;
  if (f & P_REPEATS) {
    for (let j = 1; j < k - 1; j++) if (runLenRing[(first + j) & RING_MASK]! < runLens[r0 + j]!) return false;
  } else {
    for (let j = 1; j < k - 1; j++) if (runLenRing[(first + j) & RING_MASK]! !== runLens[r0 + j]!) return false;
  }
  return true;
}

/**
 * One symbol of class `c` (>= FIRST_CLASS), or noise / other, through the same
 * steps as the hot loop in `scan`, on the state in `st`. Slow path only.
 */
function slowClass(m: Runtime, sink: Sink, text: string, c: number, start: number, end: number): boolean {
  const RING_MASK = 255; // ring(), as a local literal (see emit)
  const sc = m.scratch, st = sc.st;
  let S = st[0]!, mask = st[1]!, cur = st[2]!, runLen = st[3]!, runIdx = st[4]!, symIdx = st[5]!, symEnd = st[6]!, gap = st[7]!, rc = st[8]!;
  if (c >= FIRST_CLASS) {
    gap = 0;
    if (c === cur) {
      runLen++;
      sc.pos[++symIdx & RING_MASK] = start;
      symEnd = end;
      if (mask & EMIT_ON_SYMBOL && emit(m, sink, text, S, EV_SYMBOL, runLen, runIdx, symIdx, symEnd)) return true;
    } else {
      if (mask & EMIT_ON_FLUSH && emit(m, sink, text, S, EV_FLUSH, runLen, runIdx, symIdx, symEnd)) return true;
      const next = transition(m, S, c, rc);
      S = next >= 0 ? next : -next - 1;
      rc = next >= 0 ? -1 : c - FIRST_CLASS;
      mask = m.emitMask[S]!;
      sc.runLens[runIdx & RING_MASK] = runLen;
      sc.runStarts[++runIdx & RING_MASK] = start;
      runLen = 1;
      sc.pos[++symIdx & RING_MASK] = start;
      symEnd = end;
      cur = c;
      if (mask & EMIT_ON_SYMBOL && emit(m, sink, text, S, EV_SYMBOL, runLen, runIdx, symIdx, symEnd)) return true;
    }
  } else if (c === C_NOISE) {
    if (++gap === m.maxGap + 1) {
      if (mask & EMIT_ON_FLUSH && emit(m, sink, text, S, EV_FLUSH, runLen, runIdx, symIdx, symEnd)) return true;
      S = 0; mask = 0; cur = -1; rc = -1;
    }
  } else if (c === C_OTHER) {
    gap = 0;
    if (mask & EMIT_ON_FLUSH && emit(m, sink, text, S, EV_FLUSH, runLen, runIdx, symIdx, symEnd)) return true;
    S = 0; mask = 0; cur = -1; rc = -1;
  } // C_IGNORE: invisible
  st[0] = S; st[1] = mask; st[2] = cur; st[3] = runLen; st[4] = runIdx; st[5] = symIdx; st[6] = symEnd; st[7] = gap; st[8] = rc;
  return false;
}

/**
 * goto/failure step from S by class c (slow path; the hot loop inlines the same
 * logic). Returns the next state, or -(state + 1) if it was reached from the root
 * by a non-dense class (the `rc` fast path of the hot loop).
 */
export function transition(m: Runtime, S: number, c: number, rc: number): number {
  const { edgeStart, edgeClass, edgeTarget, fail, rootPack, pairBloom, pairShift, escape, gotoRec, denseRows, denseStates } = m;
  const D = m.denseClasses, denseLimit = FIRST_CLASS + D;
  let s = S;
  if (rc >= 0 && c >= denseLimit) {
    const t = pairMaybe(pairBloom, pairShift, FIRST_CLASS + rc, c) ? findEdge(edgeStart, edgeClass, edgeTarget, s, c) : 0;
    return t !== 0 ? t : -rootChild(rootPack, c - FIRST_CLASS) - 1;
  }
  for (;;) {
    if (c < denseLimit) {
      if (s < denseStates) return denseStep(gotoRec, fail, denseRows, D, s, c - FIRST_CLASS);
      const t = findEdge(edgeStart, edgeClass, edgeTarget, s, c);
      if (t !== 0) return t;
      s = fail[s]!;
    } else {
      if (s === 0) return -rootChild(rootPack, c - FIRST_CLASS) - 1;
      if (s >= denseStates || escapeOwn(escape[s]!)) {
        const t = findEdge(edgeStart, edgeClass, edgeTarget, s, c);
        if (t !== 0) return t;
      }
      s = s < denseStates ? escapeTarget(escape[s]!) : fail[s]!;
    }
  }
}

/** Class of a folded symbol (C_OTHER if no pattern uses it). */
function classOfSymbol(m: Runtime, sym: number): number {
  let map = m.symbolClass;
  if (map === null) {
    map = m.symbolClass = new Map();
    for (let i = 0; i < m.alphabet.length; i++) map.set(m.alphabet[i]!, FIRST_CLASS + i);
  }
  return map.get(sym) ?? C_OTHER;
}

/** The code point at `i` needs fold.ts: feed its symbols (or noise / ignore) through slowClass. Returns true if the sink stopped. */
function slowChar(m: Runtime, sink: Sink, text: string, i: number, end: number): boolean {
  const sc = m.scratch, nSlow = symbolsAt(text, i, sc.symbols);
  if (nSlow < 0) return slowClass(m, sink, text, nSlow === F_IGNORE ? C_IGNORE : C_NOISE, i, end);
  for (let j = 0; j < nSlow; j++) {
    if (slowClass(m, sink, text, classOfSymbol(m, sc.symbols[j]!), i, end)) return true;
  }
  return false;
}

/** ASCII letter or digit: a word character for boundaryAfter. */
const isAsciiAlnum = (u: number): boolean => ((u | 32) - 97) >>> 0 < 26 || (u - 48) >>> 0 < 10;

const skippable = (skipUnit: Uint8Array, u: number): boolean => u < 128 && skipUnit[u] === 1;

/** Every code unit of text[from ..= to] is skippable (Runtime.skipUnit). */
function allSkippable(skipUnit: Uint8Array, text: string, from: number, to: number): boolean {
  for (let p = from; p <= to; p++) if (!skippable(skipUnit, text.charCodeAt(p))) return false;
  return true;
}

/**
 * The DFA step of dense state s by dense class index k (= class - FIRST_CLASS): goto
 * records along the failure chain (Runtime.gotoRec; a dense state's failure target is
 * dense), or the DFA row of the first state without a record.
 */
function denseStep(gotoRec: Int32Array, fail: Int32Array, denseRows: Uint16Array, D: number, s: number, k: number): number {
  // gotoBits, gotoValid, gotoHas, gotoTarget of records.ts written out with local literals, as
  // in scanWith: scan inlines this, and accessor calls would spend its inlining budget.
  const GOTO_REC = 2, GOTO_FIRST = 1;
  for (;;) {
    const bits = gotoRec[GOTO_REC * s]!;
    if (bits >= 0 /* !GOTO_VALID */) return denseRows[s * D + k]!;
    if ((bits >>> k) & 1) return gotoRec[GOTO_REC * s + GOTO_FIRST]! + popcount(bits & ((1 << k) - 1));
    if (s === 0) return 0;
    s = fail[s]!;
  }
}

/**
 * The Latin loop: every code unit of text[from ..= j] is skippable, where the loop has checked
 * those after i as it took them (bad: the last that is not, or i).
 */
function skippableSince(skipUnit: Uint8Array, text: string, from: number, i: number, bad: number, j: number): boolean {
  if (from > i) return bad < from;
  if (from === i) return bad === i && skippable(skipUnit, text.charCodeAt(i));
  return allSkippable(skipUnit, text, from, j);
}

/**
 * The Latin loop: where the string of the state reached just before code unit j starts (ds runs
 * long). Code units the loop took (from i on) are one run each; the runs before them are
 * in the ring (the run at i is runIdx).
 */
function stateStart(runStarts: Int32Array, j: number, ds: number, i: number, runIdx: number): number {
  const RING_MASK = 255; // ring(), as a local literal (see emit)
  return j - ds > i ? j - ds : runStarts[(runIdx + j - i - ds) & RING_MASK]!;
}

/** The Latin loop's skip: from the failure step at j to the end of the skippable run. */
function skipEnd(skipUnit: Uint8Array, text: string, j: number, n: number): number {
  let k = j + 1;
  while (k < n && skippable(skipUnit, text.charCodeAt(k))) k++;
  return k;
}

/**
 * A dead run that goes on (scan's `dead`): closes the current run (runLen at runIdx), writes
 * the dead run [start, end) as the next one with its symbols' positions, returns the new symIdx.
 */
function deadRunToRings(sc: Scratch, runIdx: number, runLen: number, symIdx: number, start: number, end: number): number {
  sc.runLens[ring(runIdx)] = runLen;
  sc.runStarts[ring(runIdx + 1)] = start;
  for (let p = end - start > RING ? end - RING : start; p < end; p++) sc.pos[ring(++symIdx)] = p;
  return symIdx;
}

/** Scan `text`, reporting candidates to `sink`. Returns true if the sink stopped it. */
export function scan(m: Runtime, text: string, sink: Sink): boolean {
  // A scan inside a scan of the same matcher (from a sink) gets a runtime of its own scratch.
  const r = m.scratch.busy ? runtimeWith(m, new Scratch()) : m, sc = r.scratch;
  sc.busy = true;
  try {
    return scanWith(r, text, sink);
  } finally {
    sc.busy = false;
  }
}

function scanWith(m: Runtime, text: string, sink: Sink): boolean {
  // The packed records' layout (records.ts) as local literals: TurboFan folds these, where
  // an accessor call per use would spend scan's inlining budget (and the helpers below would
  // stop being inlined) and a module-level constant is a load. Held equal to records.ts by
  // scanLayout() below, at module load.
  const ROOT_PACK = 2, ROOT_MASK = 1, STATE_REC = 4, REC_EDGE = 0, REC_TARGET = 1, REC_WORD = 2, REC_FAIL_SHIFT = 6;
  const EMIT_BITS = 7, EMIT_END_WORD = 4, GOTO_REC = 2, GOTO_FIRST = 1, ESCAPE_OWN = 1, ESCAPE_SHIFT = 1;
  const PAIR_MUL = -1640531535, PAIR_BIT_1 = 6, PAIR_BIT_2 = 11, RING_MASK = 255, DEAD_BAND_MASK = 7;
  const ROOT_EDGE = 2, ROOT_EDGE_NEXT_SHIFT = 16, NEXT_SIG_BITS = 15;
  if (m === null) return scanLayout(ROOT_PACK, ROOT_MASK, STATE_REC, REC_EDGE, REC_TARGET, REC_WORD, REC_FAIL_SHIFT, EMIT_BITS, EMIT_END_WORD, GOTO_REC, GOTO_FIRST, ESCAPE_OWN, ESCAPE_SHIFT, PAIR_MUL, PAIR_BIT_1, PAIR_BIT_2, RING_MASK, DEAD_BAND_MASK, ROOT_EDGE, ROOT_EDGE_NEXT_SHIFT, NEXT_SIG_BITS);
  // Everything the loop reads lives in locals, constants included (imported
  // bindings are not constant-folded); the class numbers below are tables.ts's.
  const classTable = m.classTable, edgeStart = m.edgeStart, edgeClass = m.edgeClass;
  const edgeTarget = m.edgeTarget, fail = m.fail, emitMask = m.emitMask;
  // Numbers as int32 (`| 0`): the loops then use them untagged, with no check per use.
  const gotoRec = m.gotoRec, rootPack = m.rootPack, rootDenseEdge = m.rootDenseEdge, escape = m.escape, denseRows = m.denseRows, D = m.denseClasses | 0, denseStates = m.denseStates | 0;
  const pairBloom = m.pairBloom, pairShift = m.pairShift | 0, fastLimit = m.fastLimit | 0, stateRec = m.stateRec, edgePairs = m.edgePairs;
  const rootEdges = m.rootEdges, rootEdgeStart = m.rootEdgeStart;
  const denseLimit = 4 /* FIRST_CLASS */ + D;
  const depth = m.depth, deadBand = m.deadBand, skipUnit = m.skipUnit, shallowRows = m.shallowRows, shallowStates = m.shallowStates | 0;
  const sc = m.scratch, pos = sc.pos, runStarts = sc.runStarts, runLens = sc.runLens, st = sc.st;
  const gapLimit = (m.maxGap + 1) | 0;
  const n = text.length | 0;
  // S: automaton state; cur: class of the current run (-1 after a reset);
  // runLen: length of the current run; runIdx / symIdx: index of the current run / last symbol;
  // symEnd: end offset of the last symbol; gap: noise code points since it.
  // mask: emitMask[S], kept in a local to save a load per symbol.
  // rc: if S was reached from the root by a non-dense class, that class - FIRST_CLASS, else -1.
  // dead: the last run [deadStart, symEnd) (class cur) is one that word-start anchoring
  // skipped into; S is the root and mask 0 until that run goes on (after noise), which makes
  // S the root's child by it and writes it into the rings (undead). Nothing starting in it
  // can match otherwise, so a new run starts from the root.
  let S = 0, mask = 0, cur = -1, runLen = 0, runIdx = 0, symIdx = 0, symEnd = 0, gap = 0, rc = -1, dead = false, deadStart = 0;
  for (let i = 0; i < n; i++) {
    let c = classTable[text.charCodeAt(i)]!;
    // `@` and `$` next to a word (fold.ts leetAt) are the letters a and s, else noise: their class
    // without the slow path (the code unit of that letter or of a space in classTable, so that
    // with inlineSteps off they stay slow).
    if (c === 2 /* C_SLOW */) {
      const u = text.charCodeAt(i);
      if (u === 0x40 || u === 0x24) c = classTable[leetAt(text, i) ? (u === 0x40 ? 0x61 : 0x73) : 0x20]!;
    }
    if (c >= 4 /* FIRST_CLASS */) {
      gap = 0;
      if (c === cur) {
        if (dead) {
          // The skipped word's last run goes on: S is the root's child by it, with its true
          // start, length and positions (anything starting earlier in it cannot be a word start).
          dead = false;
          symIdx = deadRunToRings(m.scratch, runIdx++, runLen, symIdx, deadStart, symEnd);
          runLen = symEnd - deadStart;
          rc = cur - 4; S = rootPack[ROOT_PACK * (rc)]!; mask = rootPack[ROOT_PACK * rc + ROOT_MASK]!; if (cur < denseLimit) rc = -1;
        }
        runLen++;
        pos[(++symIdx) & RING_MASK] = i;
        symEnd = i + 1;
        if (mask & EMIT_ON_SYMBOL && emit(m, sink, text, S, EV_SYMBOL, runLen, runIdx, symIdx, symEnd)) return true;
      } else {
        // The run ends. No output fires when all are whole-word at the end (EMIT_END_WORD), an
        // ASCII letter or digit follows, and the last run is one symbol (nothing to trim).
        if (mask & EMIT_ON_FLUSH && ((mask & EMIT_END_WORD) === 0 || runLen !== 1 || !isAsciiAlnum(text.charCodeAt(symEnd))) &&
          emit(m, sink, text, S, EV_FLUSH, runLen, runIdx, symIdx, symEnd)) return true;
        let s = S;
        dead = false;
        if (rc >= 0 && c >= denseLimit) {
          // S is the root's child by class rc: the pair filter says whether it may have an
          // edge by c, and its failure target is the root.
          // (The filter test written out: scan's inlining budget is spent.)
          const h = Math.imul(((rc + 4) << 16) | c, PAIR_MUL) /* pairHash(rc + FIRST_CLASS, c) */, w = pairBloom[h >>> pairShift]!;
          let t = 0;
          if (((w >> (h >>> PAIR_BIT_1)) & (w >> (h >>> PAIR_BIT_2)) & 1) === 1) {
            const lo = rootEdgeStart[rc]!, hi = rootEdgeStart[rc + 1]!;
            const e = rootEdgeFind(rootEdges, lo, hi, c);
            if (e >= 0) t = rootEdges[ROOT_EDGE * e + 1]!;
          }
          if (t !== 0) { s = t; rc = -1; mask = stateRec[STATE_REC * (t - denseStates) + REC_WORD]! & EMIT_BITS; }
          else { rc = c - 4; s = rootPack[ROOT_PACK * (rc)]!; mask = rootPack[ROOT_PACK * rc + ROOT_MASK]!; }
        } else if (c < denseLimit && (s === 0 || (rc >= 0 && rootDenseEdge[rc] === 0))) {
          // A dense class from the root, or after a CJK character whose root child has no dense
          // edge (its failure target is the root): the root's child by c (or the root).
          const k = c - 4;
          s = rootPack[ROOT_PACK * (k)]!;
          mask = rootPack[ROOT_PACK * k + ROOT_MASK]!;
          rc = -1;
        } else if (c >= denseLimit && s < denseStates && (s === 0 || escape[s] === 0)) {
          // A non-dense class (a CJK character after a Latin word, mostly) from a dense state
          // with no edge by a non-dense class on its failure chain: the root's child by c.
          rc = c - 4;
          s = rootPack[ROOT_PACK * (rc)]!;
          mask = rootPack[ROOT_PACK * rc + ROOT_MASK]!;
        } else {
          rc = -1;
          if (s >= denseStates && stateRec[STATE_REC * (s - denseStates) + REC_EDGE] === c) {
            // The common step inside a match: a non-dense state's only edge (Runtime.stateRec).
            s = stateRec[STATE_REC * (s - denseStates) + REC_TARGET]!;
            mask = stateRec[STATE_REC * (s - denseStates) + REC_WORD]! & EMIT_BITS;
          } else step: {
            for (;;) {
              if (s >= denseStates) {
                // A non-dense state: its edge by c, or its failure target, from its record.
                const x = STATE_REC * (s - denseStates), oc = stateRec[x + REC_EDGE]!;
                let t = 0;
                if (oc === c) t = stateRec[x + REC_TARGET]!;
                else if (oc < -1) {
                  // Several edges (-oc from REC_TARGET on): searched for a dense class, for a
                  // non-dense one only if the filter may hold it (stateEdgeHash(s, c)).
                  if (c < denseLimit || stateEdgeMaybe(pairBloom, pairShift, s, c)) t = findEdgePair(edgePairs, stateRec[x + REC_TARGET]!, stateRec[x + REC_TARGET]! - oc, c);
                }
                if (t !== 0) { s = t; break; }
                s = stateRec[x + REC_WORD]! >> REC_FAIL_SHIFT;
                if (s !== 0 && cur >= denseLimit && c >= denseLimit && s === rootPack[ROOT_PACK * (cur - 4)]!) {
                  // The failure target is the root's child by the current run (a CJK character
                  // ending a match, mostly): the pair filter rules its edge by c out without
                  // reading its edges, as on the rc path.
                  if (!pairMaybe(pairBloom, pairShift, cur, c)) { rc = c - 4; s = rootPack[ROOT_PACK * (rc)]!; mask = rootPack[ROOT_PACK * rc + ROOT_MASK]!; break step; }
                }
              } else if (c < denseLimit) {
                const bits = gotoRec[GOTO_REC * s]!, k = c - 4;
                if (bits < 0 /* GOTO_VALID */ && ((bits >>> k) & 1) === 0 && s !== 0 && allSkippable(skipUnit, text, runStarts[(runIdx - depth[S]! + 1) & RING_MASK]!, symEnd - 1)) {
                  // A failure step where S's string is skippable code units (a word that led
                  // into the trie, mostly, and c starts the next one): every failure target but
                  // the root's child by c starts inside it, after an ASCII letter or digit, and
                  // cannot match (word-start anchoring, Runtime.skipUnit).
                  s = rootPack[ROOT_PACK * (k)]!; mask = rootPack[ROOT_PACK * k + ROOT_MASK]!; break step;
                }
                s = denseStep(gotoRec, fail, denseRows, D, s, k);
                break;
              } else {
                if (s === 0) { rc = c - 4; s = rootPack[ROOT_PACK * (rc)]!; mask = rootPack[ROOT_PACK * rc + ROOT_MASK]!; break step; }
                const e = escape[s]!;
                if ((e & ESCAPE_OWN) === 1) {
                  // s's own edge by c, if the filter may hold it.
                  if (stateEdgeMaybe(pairBloom, pairShift, s, c)) {
                    const t = findEdge(edgeStart, edgeClass, edgeTarget, s, c);
                    if (t !== 0) { s = t; break; }
                  }
                }
                s = e >> ESCAPE_SHIFT;
              }
            }
            mask = s >= denseStates ? stateRec[STATE_REC * (s - denseStates) + REC_WORD]! & EMIT_BITS : emitMask[s]!;
          }
        }
        S = s;
        runLens[(runIdx) & RING_MASK] = runLen;
        runStarts[(++runIdx) & RING_MASK] = i;
        runLen = 1;
        pos[(++symIdx) & RING_MASK] = i;
        symEnd = i + 1;
        cur = c;
        if (mask & EMIT_ON_SYMBOL && emit(m, sink, text, S, EV_SYMBOL, runLen, runIdx, symIdx, symEnd)) return true;
      }
      if (rc >= 0 && mask === 0) {
        // Common CJK case, the CJK inner loop: S is a root child without outputs, reached by
        // a non-dense class; each further code unit of a class in [denseLimit, fastLimit)
        // (Runtime.fastLimit) whose pair with the previous class misses pairBloom (a repeat
        // never does) only moves to the root's child by it; noise within maxGap of the
        // last symbol (last) keeps the state. Only the last one's run and position are
        // written: every later emission looks back at most depth (= 1 here) runs; trailing
        // noise is the gap. Written out here, like the Latin loop below: TurboFan inlined it
        // as a function anyway, and scan's inlining budget (bytecode of inlined callees) is
        // better spent on the helpers.
        // other: a character of no term since the last symbol (the state is the root then: the
        // next one starts afresh, with no pair to test), or -1.
        // A real pair whose target pt (depth 2) has no outputs does not stop the loop either
        // (pairStates): its edge word's `next` (records.ts, rootEdgeWord) tells whether pt may
        // have an edge by the class after it; if not, pt's failure target is the root's child
        // by its last class, and that pair decides as usual. prev: where pt's first class is.
        let j = i + 1, last = i, prev = i, lc = cur, other = -1, pt = 0, next = 0;
        for (; j < n; j++) {
          const c = classTable[text.charCodeAt(j)]!;
          if (c < denseLimit || c >= fastLimit) {
            if (c === 3 /* C_OTHER */) { other = j; continue; }
            if (c === 0 /* C_NOISE */) {
              if (other < 0 && j - last >= gapLimit) break;
              continue;
            }
            // A dense class (a Chinese numeral folded to a digit, mostly) whose step leads to the
            // root's child by it (from the root, or from a root child without dense edges), a
            // child without outputs: its failure target is the root too, so the loop goes on
            // from it; its pairs with the next class are in pairBloom like a CJK child's. (Not
            // with cjkLoop off: fastLimit is denseLimit then.)
            if (c < 4 || c >= denseLimit || fastLimit === denseLimit || pt !== 0 || (other < 0 && (lc < denseLimit || rootDenseEdge[lc - 4] !== 0)) ||
              rootPack[ROOT_PACK * (c - 4)] === 0 || rootPack[ROOT_PACK * (c - 4) + ROOT_MASK] !== 0) break;
            other = -1;
            lc = c;
            last = j;
            continue;
          }
          if (other < 0) {
            if (pt !== 0) {
              // pt's edge by c (maybe), or a repeat, goes on in the general loop.
              if (c === lc || (next > 0 ? next === c : ((next >> (c % NEXT_SIG_BITS)) & 1) !== 0)) break;
              pt = 0;
            }
            const h = Math.imul((lc << 16) | c, PAIR_MUL) /* pairHash(lc, c) */, w = pairBloom[h >>> pairShift]!;
            if ((w >> (h >>> PAIR_BIT_1)) & (w >> (h >>> PAIR_BIT_2)) & 1) {
              // A repeat, or maybe an edge of the root's child by lc: look it up (by a dense lc,
              // in the general loop).
              if (c === lc || lc < denseLimit) break;
              const lo = rootEdgeStart[lc - 4]!, hi = rootEdgeStart[lc - 3]!;
              const e = rootEdgeFind(rootEdges, lo, hi, c);
              if (e >= 0) {
                next = rootEdges[ROOT_EDGE * e]! >> ROOT_EDGE_NEXT_SHIFT;
                if (next === 0) break;
                pt = rootEdges[ROOT_EDGE * e + 1]!;
                prev = last;
              }
            }
          } else { other = -1; pt = 0; }
          lc = c;
          last = j;
        }
        if (other >= 0) {
          // Left at the root (a character of no term after the last symbol).
          S = 0; mask = 0; cur = -1; rc = -1;
        } else if (pt !== 0) {
          // Left at pt (no outputs): its two runs (the first may be the run at i, of runLen
          // symbols; a run the loop took is one) go to the rings.
          if (prev !== i) {
            runLens[(runIdx) & RING_MASK] = runLen;
            runStarts[(++runIdx) & RING_MASK] = prev;
            pos[(++symIdx) & RING_MASK] = prev;
            runLen = 1;
          }
          cur = lc;
          rc = -1;
          S = pt;
          runLens[(runIdx) & RING_MASK] = runLen;
          runStarts[(++runIdx) & RING_MASK] = last;
          pos[(++symIdx) & RING_MASK] = last;
          runLen = 1;
          symEnd = last + 1;
        } else if (last !== i) {
          cur = lc;
          S = rootPack[ROOT_PACK * (cur - 4)]!;
          rc = cur < denseLimit ? -1 : cur - 4;
          runLens[(runIdx) & RING_MASK] = runLen;
          runStarts[(++runIdx) & RING_MASK] = last;
          pos[(++symIdx) & RING_MASK] = last;
          runLen = 1;
          symEnd = last + 1;
        }
        gap = j - 1 - (other >= 0 ? other : last);
        i = j - 1;
      }
      else if (S < denseStates && (mask === 0 || ((mask & EMIT_END_WORD) !== 0 && runLen === 1 && i + 1 < n && isAsciiAlnum(text.charCodeAt(i + 1)))) && m.latinLoop) {
        // Common Latin case, the Latin inner loop: from the dense state S (class cur, at code
        // unit i; its run is runIdx) whose outputs cannot fire here, while the next code units
        // are dense classes (not a repeat) leading to states whose outputs cannot fire (none,
        // or all whole-word at the end with an ASCII letter or digit next), take goto steps
        // from the records (gotoRec, stateRec) and failure steps by denseStep, or skip the
        // rest of the word (word-start anchoring): skipTo, the end of the skipped code units
        // (j: the failure step's index). The rings are filled in afterwards (each code unit
        // taken is one symbol and one run of length 1). bad: the last code unit after i taken
        // that is not skippable (i if none), so the skip checks need not read the word again.
        // Written out here, not as a function: a call per word costs more than the loop (README.md).
        let s = S, j = i + 1, ds = depth[S]!, bad = i, lc = cur, skipTo = -1;
        walk: for (; j < n; j++) {
          const u = text.charCodeAt(j), c = classTable[u]!;
          if (c < 4 || c >= denseLimit || c === lc) break;
          if (u >= 128 || skipUnit[u] !== 1) bad = j;
          let t: number, em: number;
          if (s >= denseStates) {
            // Past the dense states (the rest of a long term): a state's only edge is taken
            // from its record; a state without an edge by c fails, which ends the run or
            // skips it (as below); several edges are left to the general loop.
            const x = STATE_REC * (s - denseStates), oc = stateRec[x + REC_EDGE]!;
            if (oc !== c) {
              if (oc > -2 && skippableSince(skipUnit, text, stateStart(runStarts, j, ds, i, runIdx), i, bad, j)) { skipTo = skipEnd(skipUnit, text, j, n); break walk; }
              break;
            }
            t = stateRec[x + REC_TARGET]!;
            em = stateRec[STATE_REC * (t - denseStates) + REC_WORD]! & EMIT_BITS; // a non-dense state's children are non-dense
            ds++;
          } else {
            const bits = gotoRec[GOTO_REC * s]!, k = c - 4;
            if (((bits >>> k) & 1) === 1) {
              // A goto step, from the shallow rows or the record.
              t = s < shallowStates ? shallowRows[s * D + k]! : gotoRec[GOTO_REC * s + GOTO_FIRST]! + popcount(bits & ((1 << k) - 1));
              ds++;
            } else {
              // A failure step: the new state string is a proper suffix of s's plus this code
              // unit, so it starts at a later run start of s's string, or here. If everything
              // from s's start to here is skippable (no noise), the new string lies in it,
              // preceded by one of its code units: skip without computing it.
              if (bits < 0 /* GOTO_VALID */ && skippableSince(skipUnit, text, stateStart(runStarts, j, ds, i, runIdx), i, bad, j)) { skipTo = skipEnd(skipUnit, text, j, n); break walk; }
              t = denseStep(gotoRec, fail, denseRows, D, s, k);
              if (t >= denseStates) break;
              if (t < deadBand[(ds + 1) & DEAD_BAND_MASK]!) {
                // The failure target, now known: if its string lies in this loop's code units, all
                // of them skippable and preceded by an ASCII letter or digit, skip the run
                // (Runtime.skipUnit). from: the code unit before the state string.
                ds = depth[t]!;
                const from = j - ds;
                if (from >= (runLen > 1 ? i : i - 1) && from >= 0 && isAsciiAlnum(text.charCodeAt(from)) && skippableSince(skipUnit, text, from + 1, i, bad, j)) { skipTo = skipEnd(skipUnit, text, j, n); break walk; }
              } else ds++;
            }
            em = emitMask[t]!;
          }
          // A state with outputs is passed through only if none of them can fire:
          // all whole-word at the end, and an ASCII letter or digit follows.
          if (em !== 0 && ((em & EMIT_END_WORD) === 0 || j + 1 >= n || !isAsciiAlnum(text.charCodeAt(j + 1)))) break;
          s = t;
          lc = c;
        }
        if (skipTo >= 0) {
          // Resume as if the skipped code units led nowhere, except their last run: it can
          // go on after noise ("xi i…"), and an ordinary pattern may start inside it (dead).
          const k = skipTo, last = classTable[text.charCodeAt(k - 1)]!;
          i = k - 1;
          S = 0; mask = 0; rc = -1;
          if (last < 4 /* FIRST_CLASS */) { cur = -1; continue; }
          let q = k - 1;
          while (q > j && classTable[text.charCodeAt(q - 1)] === last) q--;
          cur = last;
          dead = true;
          deadStart = q;
          symEnd = k;
          // The noise after the word (within maxGap) only counts the gap.
          while (i + 1 < n && classTable[text.charCodeAt(i + 1)] === 0 /* C_NOISE */ && gap + 1 < gapLimit) { gap++; i++; }
          continue;
        }
        const cnt = j - i - 1;
        if (cnt > 0) {
          runLens[(runIdx) & RING_MASK] = runLen;
          runLen = 1;
          for (let k = cnt > 255 ? cnt - 255 : 0; k < cnt; k++) {
            const p = i + 1 + k;
            runStarts[(runIdx + 1 + k) & RING_MASK] = p;
            runLens[(runIdx + 1 + k) & RING_MASK] = 1;
            pos[(symIdx + 1 + k) & RING_MASK] = p;
          }
          runIdx += cnt;
          symIdx += cnt;
          i = j - 1;
          S = s;
          mask = emitMask[S]!;
          cur = lc;
          symEnd = j;
        }
      }
    } else if (c === 0 /* C_NOISE */) {
      if (++gap === gapLimit) {
        if (mask & EMIT_ON_FLUSH && emit(m, sink, text, S, EV_FLUSH, runLen, runIdx, symIdx, symEnd)) return true;
        S = 0; mask = 0; cur = -1; rc = -1; dead = false;
      }
    } else if (c === 3 /* C_OTHER */) {
      gap = 0;
      if (mask & EMIT_ON_FLUSH && emit(m, sink, text, S, EV_FLUSH, runLen, runIdx, symIdx, symEnd)) return true;
      S = 0; mask = 0; cur = -1; rc = -1; dead = false;
      // From the root with nothing pending, characters of no term, noise and invisible ones
      // change nothing (prose in a script the terms do not use, mostly): skip them. The gap
      // only counts towards a reset, which the root does not need.
      for (let d = 0; i + 1 < n; i++) {
        d = classTable[text.charCodeAt(i + 1)]!;
        if (d >= 4 /* FIRST_CLASS */ || d === 2 /* C_SLOW */) break;
      }
    } else if (c === 2 /* C_SLOW */) {
      const end = i + step(text, i);
      if (end === i + 2 && ASTRAL_NOISE_BLOCKS[(((text.charCodeAt(i) - 0xd800) << 10) + text.charCodeAt(i + 1) - 0xdc00) >> 8] === 1) {
        // A surrogate pair in an all-noise block (an emoji): noise, as above.
        i++;
        if (++gap === gapLimit) {
          if (mask & EMIT_ON_FLUSH && emit(m, sink, text, S, EV_FLUSH, runLen, runIdx, symIdx, symEnd)) return true;
          S = 0; mask = 0; cur = -1; rc = -1; dead = false;
        }
        continue;
      }
      if (dead) {
        // The slow path steps from S itself: the dead run as a run, as above.
        dead = false;
        symIdx = deadRunToRings(m.scratch, runIdx++, runLen, symIdx, deadStart, symEnd);
        runLen = symEnd - deadStart;
        rc = cur - 4; S = rootPack[ROOT_PACK * (rc)]!; mask = rootPack[ROOT_PACK * rc + ROOT_MASK]!; if (cur < denseLimit) rc = -1;
      }
      st[0] = S; st[1] = mask; st[2] = cur; st[3] = runLen; st[4] = runIdx; st[5] = symIdx; st[6] = symEnd; st[7] = gap; st[8] = rc;
      if (slowChar(m, sink, text, i, end)) return true;
      S = st[0]!; mask = st[1]!; cur = st[2]!; runLen = st[3]!; runIdx = st[4]!; symIdx = st[5]!; symEnd = st[6]!; gap = st[7]!; rc = st[8]!;
      i = end - 1;
    } // C_IGNORE: invisible
  }
  if (mask & EMIT_ON_FLUSH && emit(m, sink, text, S, EV_FLUSH, runLen, runIdx, symIdx, symEnd)) return true;
  return false;
}

/** scanWith's local layout literals are records.ts's (checked once, at module load). */
function scanLayout(...got: number[]): boolean {
  const want = [
    ROOT_PACK, 1, STATE_REC, REC_EDGE, REC_TARGET, REC_WORD, REC_FAIL_SHIFT, EMIT_BITS, EMIT_END_WORD, GOTO_REC, 1, 1, 1,
    pairHash(0, 1), PAIR_BIT_1, PAIR_BIT_2, RING - 1, DEAD_BANDS - 1, ROOT_EDGE, ROOT_EDGE_NEXT_SHIFT, NEXT_SIG_BITS,
  ];
  // The records.ts accessors these stand for, read back through the literals.
  const probe = [
    rootMask(new Int32Array([0, 9]), 0) === 9, gotoTarget(new Int32Array([0, 5]), 0, 0, 0) === 5, escapeOwn(escapeWord(3, 1)),
    escapeTarget(escapeWord(3, 1)) === 3, pairHit(pairBits(pairHash(5, 9)), pairHash(5, 9)),
  ];
  if (got.some((x, i) => x !== want[i]) || probe.includes(false)) throw new Error("engine: scan's layout literals disagree with records.ts");
  return false;
}
scanWith(null as unknown as Runtime, "", null as unknown as Sink);
