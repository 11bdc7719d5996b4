/** The Matcher over compiled tables: findAll / test / serialize / term. */
import type { FastPaths, Match, Matcher, TermInfo } from "./types.js";
import { makeRuntime, scan, type Runtime, type Sink } from "./search.js";
import type { Tables } from "./tables.js";
import { serializedParts, serializeTables } from "./serialize.js";

/**
 * Collects every candidate and allow span; allow filtering happens at the end. One per matcher,
 * reused by each findAll (no user code runs inside its scan): candidates go into typed arrays
 * that grow, so a call leaves no garbage but its result.
 */
class CollectSink implements Sink {
  readonly wantsActiveStart = false;
  /** Candidates [0, n): term, start, end. */
  n = 0;
  terms = new Int32Array(64);
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  allowStarts: number[] = [];
  allowEnds: number[] = [];
  _sorted?: { s: number[]; maxEnd: number[] };
  reset(): void {
    this.n = 0;
    // A very long text's arrays are not kept (the matcher's retained memory): fresh small ones.
    if (this.terms.length > MAX_KEPT_CANDIDATES) this.grow(64);
    if (this.allowStarts.length) {
      this.allowStarts = [];
      this.allowEnds = [];
    }
    this._sorted = undefined;
  }
  report(term: number, start: number, end: number): boolean {
    if (term < 0) {
      this.allowStarts.push(start);
      this.allowEnds.push(end);
    } else {
      const n = this.n;
      if (n === this.terms.length) this.grow(2 * n);
      this.terms[n] = term;
      this.starts[n] = start;
      this.ends[n] = end;
      this.n = n + 1;
    }
    return false;
  }
  private grow(size: number): void {
    const grown = (a: Int32Array) => { const b = new Int32Array(size); b.set(a.subarray(0, this.n)); return b; };
    this.terms = grown(this.terms);
    this.starts = grown(this.starts);
    this.ends = grown(this.ends);
  }
}
/** CollectSink keeps arrays of at most this many candidates between calls (768 KB). */
const MAX_KEPT_CANDIDATES = 1 << 16;

/**
 * Stops at the first candidate that no allow span can cover: not inside a span
 * seen so far, and starting before any span still in progress could start.
 */
class TestSink implements Sink {
  pendingStarts: number[] = [];
  pendingEnds: number[] = [];
  allowStarts: number[] = [];
  allowEnds: number[] = [];
  constructor(readonly hasAllow: boolean) {}
  get wantsActiveStart(): boolean {
    return this.hasAllow;
  }
  report(term: number, start: number, end: number, activeStart: number): boolean {
    if (!this.hasAllow) return term >= 0;
    if (term < 0) {
      this.allowStarts.push(start);
      this.allowEnds.push(end);
    } else {
      this.pendingStarts.push(start);
      this.pendingEnds.push(end);
    }
    return this.settle(activeStart);
  }
  /** Drop covered candidates; true if one is certain. `activeStart` = Infinity at end of text. */
  settle(activeStart: number): boolean {
    const ps = this.pendingStarts, pe = this.pendingEnds;
    let w = 0;
    for (let i = 0; i < ps.length; i++) {
      if (covered(this.allowStarts, this.allowEnds, ps[i]!, pe[i]!)) continue;
      if (ps[i]! < activeStart) return true;
      ps[w] = ps[i]!;
      pe[w++] = pe[i]!;
    }
    ps.length = pe.length = w;
    // Every remaining and future candidate starts at or after activeStart (it never
    // decreases), so spans ending before it can cover nothing more: drop them to
    // keep this linear on long texts.
    if (activeStart !== Infinity) {
      const as = this.allowStarts, ae = this.allowEnds;
      let k = 0;
      for (let i = 0; i < as.length; i++) if (ae[i]! >= activeStart) { as[k] = as[i]!; ae[k++] = ae[i]!; }
      as.length = ae.length = k;
    }
    return false;
  }
}

function covered(as: number[], ae: number[], start: number, end: number): boolean {
  for (let i = 0; i < as.length; i++) if (as[i]! <= start && ae[i]! >= end) return true;
  return false;
}

export class CompiledMatcher implements Matcher {
  /** The tables with what the scan derives from them (search.ts). */
  readonly rt: Runtime;
  private readonly hasAllow: boolean;
  private termIndex?: Map<number, number>;
  private readonly collect = new CollectSink();

  /** `runtime`: the derived tables as loaded (every fast path on), else derived here. */
  constructor(readonly tables: Tables, fastPaths?: Partial<FastPaths>, runtime?: Runtime) {
    this.rt = runtime && !Object.values(fastPaths ?? {}).includes(false) ? runtime : makeRuntime(tables, fastPaths);
    let hasAllow = false;
    const patTerm = tables.patTerm;
    for (let p = 0; p < patTerm.length && !hasAllow; p++) hasAllow = patTerm[p]! < 0;
    this.hasAllow = hasAllow;
  }

  get termCount(): number {
    return this.tables.termIds.length;
  }

  findAll(text: string): Match[] {
    const sink = this.collect;
    sink.reset();
    scan(this.rt, text, sink);
    const { terms, starts, ends } = sink;
    // Terms are reported by id when every id fits (Runtime.termIsId), else by index.
    const ids = this.rt.termIsId ? null : this.tables.termIds;
    const idOf = (i: number) => (ids ? ids[terms[i]!]! : terms[i]!);
    const order = (a: number, b: number) => starts[a]! - starts[b]! || ends[a]! - ends[b]! || idOf(a) - idOf(b);
    // Candidates mostly arrive in order already; sort only when they do not.
    const n = sink.n;
    let sorted = true;
    for (let k = 1; k < n && sorted; k++) {
      // order(k - 1, k) <= 0, with the common cases first (no call per candidate)
      const ds = starts[k]! - starts[k - 1]!;
      sorted = ds > 0 || (ds === 0 && order(k - 1, k) <= 0);
    }
    let idx: number[] | undefined;
    if (!sorted || sink.allowStarts.length) {
      idx = [];
      for (let i = 0; i < n; i++) if (!sink.allowStarts.length || !coveredSorted(sink, starts[i]!, ends[i]!)) idx.push(i);
      if (!sorted && !insertionSort(idx, order, 8 * idx.length)) idx.sort(order);
    }
    const out: Match[] = [];
    // Equal candidates are adjacent once sorted: keep the first (lt, ls, le: the last kept).
    let lt = -1, ls = -1, le = -1;
    for (let k = 0, len = idx ? idx.length : n; k < len; k++) {
      const i = idx ? idx[k]! : k;
      const t = terms[i]!, termId = ids ? ids[t]! : t, start = starts[i]!, end = ends[i]!;
      if (start === ls && end === le && termId === lt) continue;
      out.push({ termId, start, end });
      lt = termId;
      ls = start;
      le = end;
    }
    return out;
  }

  test(text: string): boolean {
    const sink = new TestSink(this.hasAllow);
    return scan(this.rt, text, sink) || (this.hasAllow && sink.settle(Infinity));
  }

  serialize(): Uint8Array {
    return serializeTables(this.tables, this.rt);
  }

  serializedParts(): { byteLength: number; parts: Uint8Array[] } {
    return serializedParts(this.tables, this.rt);
  }

  term(termId: number): TermInfo | undefined {
    if (!this.termIndex) {
      this.termIndex = new Map();
      this.tables.termIds.forEach((id, i) => this.termIndex!.set(id, i));
    }
    const i = this.termIndex.get(termId);
    if (i === undefined) return undefined;
    const t = this.tables;
    return { id: termId, category: t.categories[t.termCategory[i]!]!, severity: t.termSeverity[i]! };
  }
}

/**
 * Sorts `a` in place by insertion (linear on nearly sorted input: candidates arrive in
 * end order, so only overlapping ones are out of place) unless that takes more than
 * `budget` moves; returns false then, with `a` still a permutation of its items.
 */
function insertionSort(a: number[], order: (x: number, y: number) => number, budget: number): boolean {
  for (let i = 1; i < a.length; i++) {
    const x = a[i]!;
    let j = i;
    for (; j > 0 && order(a[j - 1]!, x) > 0; j--) {
      if (--budget < 0) { a[j] = x; return false; }
      a[j] = a[j - 1]!;
    }
    a[j] = x;
  }
  return true;
}

/** Allow spans sorted by start with a running max of ends, built lazily once per findAll. */
function coveredSorted(sink: CollectSink, start: number, end: number): boolean {
  if (!sink._sorted) {
    const order = sink.allowStarts.map((_, i) => i).sort((a, b) => sink.allowStarts[a]! - sink.allowStarts[b]!);
    const s = order.map((i) => sink.allowStarts[i]!);
    const maxEnd: number[] = [];
    let mx = -1;
    for (const i of order) maxEnd.push((mx = Math.max(mx, sink.allowEnds[i]!)));
    sink._sorted = { s, maxEnd };
  }
  const { s, maxEnd } = sink._sorted;
  let lo = 0, hi = s.length; // first index with s > start
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s[mid]! <= start) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && maxEnd[lo - 1]! >= end;
}
