/**
 * Builds the flat Aho–Corasick tables (see tables.ts) from patterns.
 *
 * Steps: collapse each pattern into runs of equal symbols and map symbols to
 * dense class ids; sort the collapsed sequences so the trie can be built in one
 * pass without per-node maps (each sequence shares a prefix with the previous
 * one); lay edges out CSR-style; compute failure and dictionary links in BFS order.
 */
import { EngineInputError, type TermEntry } from "../types.js";
import { FIRST_CLASS, MAX_CLASSES, type Tables } from "../tables.js";
import type { Pattern } from "./patterns.js";

export function buildTables(patterns: Pattern[], entries: readonly TermEntry[], maxGap: number): Tables {
  // 1. Alphabet and collapsed class sequences.
  const classOf = new Map<number, number>();
  const alphabet: number[] = [];
  const P = patterns.length;
  const seqs: Uint16Array[] = new Array(P);
  const patRunStart = new Int32Array(P + 1);
  const runLensList: number[] = [];
  const patLen = new Uint16Array(P);
  const patFlags = new Uint8Array(P);
  const patTerm = new Int32Array(P);
  for (let p = 0; p < P; p++) {
    const { symbols, term, flags } = patterns[p]!;
    const runs: number[] = [];
    for (let i = 0; i < symbols.length; ) {
      const sym = symbols[i]!;
      let j = i + 1;
      while (j < symbols.length && symbols[j] === sym) j++;
      let c = classOf.get(sym);
      if (c === undefined) {
        c = FIRST_CLASS + alphabet.length;
        if (c > MAX_CLASSES) throw new EngineInputError(`engine: more than ${MAX_CLASSES - FIRST_CLASS} distinct characters in terms`);
        classOf.set(sym, c);
        alphabet.push(sym);
      }
      runs.push(c);
      runLensList.push(j - i);
      i = j;
    }
    seqs[p] = Uint16Array.from(runs);
    patRunStart[p + 1] = runLensList.length;
    patLen[p] = symbols.length;
    patFlags[p] = flags;
    patTerm[p] = term;
  }
  const A = alphabet.length;

  // 2. Trie from sorted sequences. Node creation order is DFS, children in class order.
  const order = Array.from({ length: P }, (_, i) => i).sort((a, b) => {
    const x = seqs[a]!, y = seqs[b]!;
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return x.length - y.length;
  });
  let cap = 1024;
  let parent = new Int32Array(cap), label = new Uint16Array(cap), depth = new Uint16Array(cap);
  let nodes = 1;
  const endNode = new Int32Array(P);
  const path: number[] = [0]; // path[d] = node at depth d of the previous sequence
  let prev: Uint16Array = new Uint16Array(0);
  for (const p of order) {
    const s = seqs[p]!;
    let lcp = 0;
    while (lcp < s.length && lcp < prev.length && s[lcp] === prev[lcp]) lcp++;
    path.length = lcp + 1;
    for (let d = lcp; d < s.length; d++) {
      if (nodes === cap) {
        cap *= 2;
        const np = new Int32Array(cap); np.set(parent); parent = np;
        const nl = new Uint16Array(cap); nl.set(label); label = nl;
        const nd = new Uint16Array(cap); nd.set(depth); depth = nd;
      }
      parent[nodes] = path[d]!;
      label[nodes] = s[d]!;
      depth[nodes] = d + 1;
      path.push(nodes++);
    }
    endNode[p] = path[s.length]!;
    prev = s;
  }
  const N = nodes;

  // 3. CSR edges (children were created in class order per parent).
  const edgeStart = new Int32Array(N + 1);
  for (let v = 1; v < N; v++) edgeStart[parent[v]! + 1]!++;
  for (let v = 0; v < N; v++) edgeStart[v + 1]! += edgeStart[v]!;
  const fillPos = edgeStart.slice(0, N);
  const edgeClass = new Uint16Array(N - 1), edgeTarget = new Int32Array(N - 1);
  for (let v = 1; v < N; v++) {
    const k = fillPos[parent[v]!]!++;
    edgeClass[k] = label[v]!;
    edgeTarget[k] = v;
  }
  const rootRow = new Int32Array(A);
  for (let k = edgeStart[0]!; k < edgeStart[1]!; k++) rootRow[edgeClass[k]! - FIRST_CLASS] = edgeTarget[k]!;

  // 4. Outputs (CSR).
  const outStart = new Int32Array(N + 1);
  for (let p = 0; p < P; p++) outStart[endNode[p]! + 1]!++;
  for (let v = 0; v < N; v++) outStart[v + 1]! += outStart[v]!;
  const outList = new Int32Array(P);
  const outFill = outStart.slice(0, N);
  for (let p = 0; p < P; p++) outList[outFill[endNode[p]!]!++] = p;

  // 5. Failure and dictionary links, BFS so a node's fail target is done before it.
  const fail = new Int32Array(N), dictLink = new Int32Array(N).fill(-1);
  const queue = new Int32Array(N);
  let qh = 0, qt = 0;
  for (let k = edgeStart[0]!; k < edgeStart[1]!; k++) queue[qt++] = edgeTarget[k]!;
  while (qh < qt) {
    const s = queue[qh++]!;
    for (let k = edgeStart[s]!; k < edgeStart[s + 1]!; k++) {
      const c = edgeClass[k]!, child = edgeTarget[k]!;
      let f = fail[s]!, t = 0;
      for (;;) {
        if (f === 0) { t = rootRow[c - FIRST_CLASS]!; break; }
        t = findEdge(edgeStart, edgeClass, edgeTarget, f, c);
        if (t > 0) break;
        f = fail[f]!;
      }
      fail[child] = t;
      dictLink[child] = outStart[t + 1]! > outStart[t]! ? t : dictLink[t]!;
      queue[qt++] = child;
    }
  }

  // 6. Terms.
  const T = entries.length;
  const termIds = new Float64Array(T), termSeverity = new Float64Array(T), termCategory = new Uint32Array(T);
  const categories: string[] = [];
  const catIndex = new Map<string, number>();
  for (let t = 0; t < T; t++) {
    const e = entries[t]!;
    termIds[t] = e.id;
    termSeverity[t] = e.severity;
    let ci = catIndex.get(e.category);
    if (ci === undefined) { ci = categories.length; categories.push(e.category); catIndex.set(e.category, ci); }
    termCategory[t] = ci;
  }

  return {
    maxGap,
    alphabet: Int32Array.from(alphabet),
    rootRow, edgeStart, edgeClass, edgeTarget, fail, dictLink,
    depth: depth.slice(0, N),
    outStart, outList,
    patTerm, patFlags, patLen, patRunStart,
    runLens: Uint16Array.from(runLensList),
    termIds, termSeverity, termCategory, categories,
  };
}

/** Target of the edge of `s` labelled `c`, or 0 if none. Edges are sorted by class. */
export function findEdge(edgeStart: Int32Array, edgeClass: Uint16Array, edgeTarget: Int32Array, s: number, c: number): number {
  let lo = edgeStart[s]!, hi = edgeStart[s + 1]!;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const m = edgeClass[mid]!;
    if (m === c) return edgeTarget[mid]!;
    if (m < c) lo = mid + 1;
    else hi = mid;
  }
  return 0;
}
