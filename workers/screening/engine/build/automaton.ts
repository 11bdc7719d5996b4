/**
 * Builds the flat Aho–Corasick tables (see tables.ts) from patterns.
 *
 * Steps: collapse each pattern into runs of equal symbols and give symbols class
 * ids by frequency; build the trie by insertion (edges in one hash table, children
 * sorted by a counting sort); renumber states (dense ones first, in BFS order; the deep
 * ones subtree by subtree); lay edges out CSR-style; compute failure and dictionary links
 * breadth first.
 */
import { EngineInputError, type TermEntry } from "../types.js";
import { FIRST_CLASS, MAX_CLASSES, MAX_PATTERN_SYMBOLS, MAX_STATES, type Tables } from "../tables.js";
import type { Patterns } from "./patterns.js";

/** Dense DFA rows: at most this many classes (the most frequent ones) ... */
export const MAX_DENSE_CLASSES = 64;
/**
 * ... of symbols below this code point (alphabets: Latin, digits, Cyrillic, Greek ...). CJK
 * radicals, kana, ideographs and Hangul are never dense: among thousands of characters the
 * few most frequent gain nothing from goto records and dense rows, and as non-dense classes
 * they take the CJK loop and the pair filter (cjk microblog text: +43 %, README.md).
 */
export const DENSE_SYMBOL_LIMIT = 0x2e80;
/** ... for the shallowest states whose path uses only those classes, while ids in rows fit in 16 bits ... */
export const MAX_DENSE_TARGETS = 0xffff;
/** ... of depth at most this. Deeper states use sparse edges plus failure links. */
const MAX_DENSE_DEPTH = 5;

export function buildTables(patterns: Patterns, entries: readonly TermEntry[], maxGap: number, denseMinFrequency?: number): Tables {
  const P = patterns.count;

  // 1. Collapse patterns into runs (flat: run r of pattern p is runSlot/runLensAll[patRunStart[p] + r]);
  //    class ids by descending frequency, so the classes worth dense rows
  //    (Latin letters in a mixed list) come first.
  // Symbols are numbered in order of appearance (slotOf: code point → number + 1), counted
  // in typed arrays: Maps cost more than the rest of this step.
  const slotOf = new Int32Array(0x110000);
  let slotSym = new Int32Array(256), slotCount = new Int32Array(256), S = 0;
  const patRunStart = new Int32Array(P + 1);
  const { symbols, start: symStart } = patterns;
  let R = 0;
  const runSlot = new Int32Array(symbols.length), runLensAll = new Uint16Array(symbols.length); // (runs <= symbols)
  const patLen = new Uint16Array(P), patFlags = patterns.flags, patTerm = patterns.term;
  for (let p = 0; p < P; p++) {
    const end = symStart[p + 1]!;
    for (let i = symStart[p]!; i < end; ) {
      const sym = symbols[i]!;
      let j = i + 1;
      while (j < end && symbols[j] === sym) j++;
      if (!(sym >= 0 && sym <= 0x10ffff)) throw new Error(`engine: symbol ${sym} is not a code point`);
      let k = slotOf[sym]! - 1;
      if (k < 0) {
        if (S === slotSym.length) {
          const grownSym = new Int32Array(2 * S), grownCount = new Int32Array(2 * S);
          grownSym.set(slotSym);
          grownCount.set(slotCount);
          slotSym = grownSym;
          slotCount = grownCount;
        }
        k = S++;
        slotSym[k] = sym;
        slotOf[sym] = k + 1;
      }
      slotCount[k]!++;
      runSlot[R] = k;
      runLensAll[R++] = j - i;
      i = j;
    }
    patRunStart[p + 1] = R;
    patLen[p] = end - symStart[p]!;
  }
  const byFrequency = Array.from({ length: S }, (_, k) => k).sort((a, b) => slotCount[b]! - slotCount[a]! || slotSym[a]! - slotSym[b]!);
  const A = S;
  if (A + FIRST_CLASS > MAX_CLASSES) throw new EngineInputError(`engine: more than ${MAX_CLASSES - FIRST_CLASS} distinct characters in terms`);
  // Dense classes: alphabetic symbols frequent enough to pay for a row entry in every dense state.
  const minFreq = denseMinFrequency ?? Math.max(16, P / 200);
  const denseSlots = byFrequency.filter((k) => slotCount[k]! >= minFreq && slotSym[k]! < DENSE_SYMBOL_LIMIT).slice(0, MAX_DENSE_CLASSES);
  const denseClasses = denseSlots.length;
  const isDense = new Uint8Array(S);
  for (const k of denseSlots) isDense[k] = 1;
  // Among the other classes, those of one-run patterns ("词", "词词") come last: the
  // searcher's CJK loop takes the classes before them (root child without outputs)
  // with one range check (Runtime.fastLimit).
  const oneRun = new Uint8Array(S);
  for (let p = 0; p < P; p++) if (patRunStart[p + 1]! - patRunStart[p]! === 1) oneRun[runSlot[patRunStart[p]!]!] = 1;
  const rest = byFrequency.filter((k) => !isDense[k]);
  const alphabetSlots = [...denseSlots, ...rest.filter((k) => !oneRun[k]), ...rest.filter((k) => oneRun[k])];
  const alphabet = alphabetSlots.map((k) => slotSym[k]!);
  const classOfSlot = new Uint16Array(S);
  alphabetSlots.forEach((k, i) => (classOfSlot[k] = FIRST_CLASS + i));
  const runClass = new Uint16Array(R);
  for (let r = 0; r < R; r++) runClass[r] = classOfSlot[runSlot[r]!]!;

  // 2. Trie ("old ids", renumbered in step 3) from the patterns in lexicographic order of
  //    their classes: a pattern shares with the trie exactly its longest common prefix with
  //    the pattern before it, so each node is found on the previous pattern's path or is new,
  //    with no lookup at all. Nodes come out in depth-first preorder with children in class
  //    order, so the later passes over old ids read memory nearly in order (a hash-table trie
  //    built in input order read it at random).
  const order = sortedPatterns(P, patRunStart, runClass, FIRST_CLASS + A);
  const cap = R + 1; // each run adds at most one node
  const parent = new Int32Array(cap), label = new Uint16Array(cap);
  const path = new Int32Array(MAX_PATTERN_SYMBOLS + 1); // path[d]: the previous pattern's node at depth d
  let nodes = 1;
  const endNode = new Int32Array(P);
  for (let i = 0, q0 = 0, qLen = 0; i < P; i++) {
    const p = order[i]!, r0 = patRunStart[p]!, len = patRunStart[p + 1]! - r0;
    let d = 0;
    const shared = Math.min(len, qLen);
    while (d < shared && runClass[r0 + d] === runClass[q0 + d]) d++;
    let v = path[d]!;
    for (; d < len; d++) {
      const w = nodes++;
      parent[w] = v;
      label[w] = runClass[r0 + d]!;
      path[d + 1] = w;
      v = w;
    }
    endNode[p] = v;
    q0 = r0;
    qLen = len;
  }
  const N = nodes;
  if (N > MAX_STATES) throw new EngineInputError(`engine: terms too long or too many (more than ${MAX_STATES} automaton states)`);
  // Children of each old id, CSR-style: nodes are numbered in preorder with children in class
  // order, so filling by increasing id keeps each parent's children sorted by class.
  const kidStart = new Int32Array(N + 1);
  for (let v = 1; v < N; v++) kidStart[parent[v]! + 1]!++;
  for (let v = 0; v < N; v++) kidStart[v + 1]! += kidStart[v]!;
  const kids = new Int32Array(Math.max(0, N - 1));
  {
    const fill = kidStart.slice(0, N);
    for (let v = 1; v < N; v++) kids[fill[parent[v]!]!++] = v;
  }

  // 3. Renumber: dense states, then "frontier" states (non-dense children of dense
  //    states by a dense class), both in BFS order, then the rest. Dense states are
  //    the shallowest (depth <= MAX_DENSE_DEPTH) whose whole path uses dense
  //    classes; their parent and failure target are dense too, with smaller ids.
  //    Every target in a dense row is dense or frontier, so rows fit in Uint16
  //    as long as dense + frontier states stay within MAX_DENSE_TARGETS.
  //    The rest: the root's children in BFS order (the CJK characters: small and hot,
  //    as failure targets and the pair filter's first step), then each remaining
  //    subtree in depth-first preorder, so the rest of a term lies in neighbouring
  //    records (search.ts stateRec) and a match touches few cache lines. Parents
  //    always come before their children.
  const bfs = new Int32Array(N), depthOld = new Uint16Array(N), status = new Uint8Array(N); // 2 dense, 1 frontier
  const limit = FIRST_CLASS + denseClasses;
  const denseKids = (v: number) => {
    let k = kidStart[v]!;
    while (k < kidStart[v + 1]! && label[kids[k]!]! < limit) k++;
    return k - kidStart[v]!;
  };
  status[0] = 2;
  let used = 1 + denseKids(0), denseStates = 1, frontier = 0;
  // Once a state misses the budget, no later one is dense: the dense states stay a prefix of
  // the BFS, so each one's failure target (shallower, its path a suffix of the state's) is dense
  // too and numbered before it (fail[s] < s, tables.ts). Taking a later state with fewer
  // children instead broke that (50,000 Cyrillic terms: 470 dense states failing to frontier
  // ones, bytes that load() refused).
  let full = false;
  let qt = 1;
  for (let qh = 0; qh < qt; qh++) {
    const v = bfs[qh]!;
    for (let k = kidStart[v]!; k < kidStart[v + 1]!; k++) {
      const w = kids[k]!;
      depthOld[w] = depthOld[v]! + 1;
      if (status[v] === 2 && label[w]! < limit) {
        // reserved as frontier when v became dense; upgrade if the budget allows
        const more = denseKids(w);
        full ||= used + more > MAX_DENSE_TARGETS;
        if (depthOld[w]! <= MAX_DENSE_DEPTH && !full) {
          status[w] = 2;
          denseStates++;
          used += more;
        } else {
          status[w] = 1;
          frontier++;
        }
      }
      bfs[qt++] = w;
    }
  }
  const newId = new Int32Array(N);
  const oldOf = new Int32Array(N);
  {
    let nd = 0, nf = denseStates, nr = denseStates + frontier;
    const stack = new Int32Array(N);
    for (let i = 0; i < N; i++) {
      const v = bfs[i]!;
      if (status[v] !== 0) {
        const id = status[v] === 2 ? nd++ : nf++;
        newId[v] = id;
        oldOf[id] = v;
      } else if (depthOld[v]! === 1) {
        newId[v] = nr;
        oldOf[nr++] = v;
      }
    }
    for (let i = 0; i < N; i++) {
      const v = bfs[i]!;
      if (status[v] !== 0 || depthOld[v]! === 1) continue;
      const p = parent[v]!;
      if (status[p] === 0 && depthOld[p]! > 1) continue; // numbered with its parent's subtree
      let sp = 0;
      stack[sp++] = v;
      while (sp > 0) {
        const w = stack[--sp]!;
        newId[w] = nr;
        oldOf[nr++] = w;
        for (let k = kidStart[w + 1]! - 1; k >= kidStart[w]!; k--) stack[sp++] = kids[k]!;
      }
    }
  }

  // 4. Edges (CSR by new id, classes increasing) and depths.
  const edgeStart = new Int32Array(N + 1);
  const edgeClass = new Uint16Array(Math.max(0, N - 1)), edgeTarget = new Int32Array(Math.max(0, N - 1));
  const depth = new Uint16Array(N);
  let e = 0;
  for (let s = 0; s < N; s++) {
    const v = oldOf[s]!;
    depth[s] = depthOld[v]!;
    edgeStart[s] = e;
    for (let k = kidStart[v]!; k < kidStart[v + 1]!; k++) {
      const w = kids[k]!;
      edgeClass[e] = label[w]!;
      edgeTarget[e++] = newId[w]!;
    }
  }
  edgeStart[N] = e;
  const rootRow = new Int32Array(A);
  for (let k = edgeStart[0]!; k < edgeStart[1]!; k++) rootRow[edgeClass[k]! - FIRST_CLASS] = edgeTarget[k]!;

  // 5. Outputs (CSR).
  const outStart = new Int32Array(N + 1);
  for (let p = 0; p < P; p++) outStart[newId[endNode[p]!]! + 1]!++;
  for (let v = 0; v < N; v++) outStart[v + 1]! += outStart[v]!;
  const bySlot = new Int32Array(P);
  const outFill = outStart.slice(0, N);
  for (let p = 0; p < P; p++) bySlot[outFill[newId[endNode[p]!]!]!++] = p;
  // Patterns renumbered in output-slot order: outList is the identity, and the patterns of
  // a state sit together, so loading and emitting read them in order.
  const outList = new Int32Array(P);
  const slotTerm = new Int32Array(P), slotFlags = new Uint8Array(P), slotLen = new Uint16Array(P);
  const slotRunStart = new Int32Array(P + 1), slotRunLens = new Uint16Array(R);
  for (let o = 0, r = 0; o < P; o++) {
    const p = bySlot[o]!;
    outList[o] = o;
    slotTerm[o] = patTerm[p]!;
    slotFlags[o] = patFlags[p]!;
    slotLen[o] = patLen[p]!;
    for (let q = patRunStart[p]!; q < patRunStart[p + 1]!; q++) slotRunLens[r++] = runLensAll[q]!;
    slotRunStart[o + 1] = r;
  }

  // 6. Failure and dictionary links, breadth first over the new ids (a state's failure
  //    target is shallower, so it is done first): each state's edges are read in order.
  const fail = new Int32Array(N), dictLink = new Int32Array(N).fill(-1);
  {
    const queue = new Int32Array(N);
    let qt = 0;
    for (let k = edgeStart[0]!; k < edgeStart[1]!; k++) queue[qt++] = edgeTarget[k]!; // fail 0, no dictionary link
    for (let qh = 0; qh < qt; qh++) {
      const s = queue[qh]!, fs = fail[s]!;
      for (let k = edgeStart[s]!, end = edgeStart[s + 1]!; k < end; k++) {
        const child = edgeTarget[k]!, c = edgeClass[k]!;
        let t = 0;
        for (let f = fs; ; f = fail[f]!) {
          if (f === 0) { t = rootRow[c - FIRST_CLASS]!; break; }
          t = findEdge(edgeStart, edgeClass, edgeTarget, f, c);
          if (t > 0) break;
        }
        fail[child] = t;
        dictLink[child] = outStart[t + 1]! > outStart[t]! ? t : dictLink[t]!;
        queue[qt++] = child;
      }
    }
  }

  // 7. Terms.
  const T = entries.length;
  const termIds = new Float64Array(T), termSeverity = new Float64Array(T), termCategory = new Uint32Array(T);
  const categories: string[] = [];
  const catIndex = new Map<string, number>();
  for (let t = 0; t < T; t++) {
    const en = entries[t]!;
    termIds[t] = en.id;
    termSeverity[t] = en.severity;
    let ci = catIndex.get(en.category);
    if (ci === undefined) { ci = categories.length; categories.push(en.category); catIndex.set(en.category, ci); }
    termCategory[t] = ci;
  }

  return {
    maxGap, denseClasses, denseStates,
    alphabet: Int32Array.from(alphabet),
    rootRow, edgeStart, edgeClass, edgeTarget, fail, dictLink, depth,
    outStart, outList,
    patTerm: slotTerm, patFlags: slotFlags, patLen: slotLen, patRunStart: slotRunStart,
    runLens: slotRunLens,
    termIds, termSeverity, termCategory, categories,
  };
}

/**
 * Pattern indices in lexicographic order of their run classes (a prefix before its
 * extensions; equal sequences in index order, so the order is deterministic). Each pattern
 * gets a 64-bit key: its first classes (as many as fit beside the index), then its index; the
 * keys are sorted natively (no comparison callback, which cost most of the sort), and only
 * runs of keys with the same classes are then compared class by class.
 */
function sortedPatterns(P: number, runStart: Int32Array, runClass: Uint16Array, classLimit: number): Int32Array {
  const order = new Int32Array(P);
  const bits = 32 - Math.clz32(classLimit); // classes are >= FIRST_CLASS > 0, so 0 pads a shorter prefix
  const indexBits = Math.max(1, 32 - Math.clz32(P)); // at most 32 - 1: P < 2^31
  const K = Math.max(1, Math.floor((64 - indexBits) / bits));
  const keys = new BigUint64Array(P), words = new Uint32Array(keys.buffer); // little-endian: low word first
  const indexScale = 2 ** indexBits;
  // A key needs up to 64 bits: it is shifted in as two 32-bit halves, at most 16 bits at a time.
  for (let p = 0; p < P; p++) {
    const r0 = runStart[p]!, len = runStart[p + 1]! - r0;
    let hi = 0, lo = 0;
    for (let d = 0; d < K; d++) {
      hi = (hi << bits) | (lo >>> (32 - bits));
      lo = (lo << bits) | (d < len ? runClass[r0 + d]! : 0);
    }
    for (let left = indexBits; left > 0; ) {
      const width = Math.min(left, 16);
      left -= width;
      hi = (hi << width) | (lo >>> (32 - width));
      lo = (lo << width) | ((p >>> left) & ((1 << width) - 1));
    }
    words[2 * p] = lo;
    words[2 * p + 1] = hi;
  }
  keys.sort();
  const indexMask = indexBits >= 32 ? -1 : (1 << indexBits) - 1;
  for (let i = 0; i < P; i++) order[i] = words[2 * i]! & indexMask;
  // Keys whose class parts are equal: the first K classes tie, so compare from class K.
  const compareTail = (a: number, b: number) => {
    const a0 = runStart[a]!, aLen = runStart[a + 1]! - a0, b0 = runStart[b]!, bLen = runStart[b + 1]! - b0;
    const n = Math.min(aLen, bLen);
    for (let d = K; d < n; d++) {
      const x = runClass[a0 + d]!, y = runClass[b0 + d]!;
      if (x !== y) return x - y;
    }
    return aLen - bLen || a - b;
  };
  for (let i = 0; i < P; ) {
    const hiWord = words[2 * i + 1]!, loHigh = Math.floor(words[2 * i]! / indexScale);
    let j = i + 1;
    while (j < P && words[2 * j + 1] === hiWord && Math.floor(words[2 * j]! / indexScale) === loHigh) j++;
    if (j - i > 1) order.subarray(i, j).sort(compareTail);
    i = j;
  }
  return order;
}

/**
 * Full DFA rows for the dense states (ids < denseStates) over the dense classes:
 * row(s)[c] = goto(s, c) if it exists, else row(fail(s))[c]. Derived, not stored:
 * computed at compile and load time in one pass (fail(s) < s for dense states).
 */
export function buildDenseRows(t: Tables): Uint16Array {
  const D = t.denseClasses, DN = t.denseStates;
  const rows = new Uint16Array(DN * D);
  const { edgeStart, edgeClass, edgeTarget, fail } = t;
  const limit = FIRST_CLASS + D;
  for (let s = 0; s < DN; s++) {
    if (s > 0) rows.copyWithin(s * D, fail[s]! * D, fail[s]! * D + D);
    for (let k = edgeStart[s]!, end = edgeStart[s + 1]!; k < end && edgeClass[k]! < limit; k++) rows[s * D + edgeClass[k]! - FIRST_CLASS] = edgeTarget[k]!;
  }
  return rows;
}

/** Target of the edge of `s` labelled `c`, or 0 if none. Edges are sorted by class. */
export function findEdge(edgeStart: Int32Array, edgeClass: Uint16Array, edgeTarget: Int32Array, s: number, c: number): number {
  return findEdgeIn(edgeClass, edgeTarget, edgeStart[s]!, edgeStart[s + 1]!, c);
}

/** Target of the edge labelled `c` among edges lo .. hi - 1 (sorted by class), or 0 if none. */
export function findEdgeIn(edgeClass: Uint16Array, edgeTarget: Int32Array, lo: number, hi: number, c: number): number {
  if (hi - lo <= 16) {
    // Classes increase: stop at the first one not below c (over up to 16 classes, 32 bytes,
    // one pass beats the halving below: the phrase boundaries of Latin terms, README.md).
    for (; lo < hi; lo++) {
      const x = edgeClass[lo]!;
      if (x >= c) return x === c ? edgeTarget[lo]! : 0;
    }
    return 0;
  }
  // Branch-free halving (a select per step, no early exit): the scan meets long edge lists at
  // the root's CJK children, where a data-dependent branch per probe mispredicts half the time.
  let len = hi - lo;
  while (len > 1) {
    const half = len >>> 1;
    lo = edgeClass[lo + half]! <= c ? lo + half : lo;
    len -= half;
  }
  return edgeClass[lo] === c ? edgeTarget[lo]! : 0;
}
