/**
 * Naive reference matcher for tests: the matching rules written as directly as
 * possible, with no automaton. It shares only folding (fold.ts) and pattern
 * building (build/patterns.ts), which have their own table-driven tests.
 *
 * Text → symbols with original spans, split into segments wherever more than
 * maxGap noise code points follow each other. An ordinary pattern matches a
 * window of equal symbols inside one segment; a pattern with repeats matches
 * consecutive runs of equal symbols whose lengths are at least the pattern's,
 * whole runs, except that where the whole runs fail a whole-word check the
 * first run may begin at a later symbol and the last end at an earlier one
 * (each keeping the pattern's length): the widest such span that passes. The
 * allow list is applied last.
 */
import { boundaryAfter, boundaryBefore, F_IGNORE, F_NOISE, step, symbolsAt } from "../fold.js";
import { buildPatterns, validateInput, type Patterns } from "../build/patterns.js";
import { P_CHECK_END, P_CHECK_START, P_REPEATS } from "../tables.js";
import type { CompileOptions, Match, TermEntry } from "../types.js";
import { DEFAULT_MAX_GAP } from "../index.js";

interface Pattern { symbols: number[]; term: number; flags: number }
interface Sym { sym: number; start: number; end: number; seg: number }

/** buildPatterns' flat patterns, one object each. */
function patternList(ps: Patterns): Pattern[] {
  return Array.from({ length: ps.count }, (_, p) => ({ symbols: [...ps.symbols.subarray(ps.start[p]!, ps.start[p + 1]!)], term: ps.term[p]!, flags: ps.flags[p]! }));
}
interface Run { sym: number; count: number; start: number; end: number; seg: number; syms: Sym[] }

function textSymbols(text: string, maxGap: number): Sym[] {
  const out: Sym[] = [];
  const buf = new Int32Array(8);
  let seg = 0, gap = 0;
  for (let i = 0; i < text.length; i += step(text, i)) {
    const n = symbolsAt(text, i, buf);
    if (n === F_IGNORE) continue;
    if (n === F_NOISE) {
      if (++gap === maxGap + 1) seg++;
      continue;
    }
    gap = 0;
    for (let k = 0; k < n; k++) out.push({ sym: buf[k]!, start: i, end: i + step(text, i), seg });
  }
  return out;
}

function runsOf<T extends { sym: number; seg?: number }>(xs: T[], span: (first: T, last: T, count: number, all: T[]) => Run): Run[] {
  const runs: Run[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i + 1;
    while (j < xs.length && xs[j]!.sym === xs[i]!.sym && xs[j]!.seg === xs[i]!.seg) j++;
    runs.push(span(xs[i]!, xs[j - 1]!, j - i, xs.slice(i, j)));
    i = j;
  }
  return runs;
}

function matchPattern(p: Pattern, syms: Sym[], runs: Run[], text: string): [number, number][] {
  const found: [number, number][] = [];
  if (p.flags & P_REPEATS) {
    const pr = runsOf(p.symbols.map((sym) => ({ sym })), (f, _l, count) => ({ sym: f.sym, count, start: 0, end: 0, seg: 0, syms: [] }));
    const k = pr.length;
    for (let r = 0; r + k <= runs.length; r++) {
      let ok = true;
      for (let q = 0; q < k && ok; q++) {
        const t = runs[r + q]!;
        ok = t.seg === runs[r]!.seg && t.sym === pr[q]!.sym && t.count >= pr[q]!.count;
      }
      if (!ok) continue;
      // Every start symbol of the first run and end symbol of the last that keep the
      // pattern's run lengths; the widest pair passing the whole-word checks.
      const firstRun = runs[r]!.syms, lastRun = runs[r + k - 1]!.syms;
      const spans: [number, number, number][] = []; // [start, end, width in symbols]
      for (let a = 0; a + pr[0]!.count <= firstRun.length; a++) {
        for (let b = lastRun.length - 1; b + 1 >= pr[k - 1]!.count; b--) {
          if (k === 1 && b - a + 1 < pr[0]!.count) continue;
          spans.push([firstRun[a]!.start, lastRun[b]!.end, (firstRun.length - a) + b]);
        }
      }
      const passing = spans.filter(([s, e]) => wholeWordOk(p, text, s, e)).sort((x, y) => y[2] - x[2]);
      if (passing.length > 0) found.push([passing[0]![0], passing[0]![1]]);
    }
    return found;
  } else {
    const L = p.symbols.length;
    for (let j = 0; j + L <= syms.length; j++) {
      let ok = syms[j + L - 1]!.seg === syms[j]!.seg;
      for (let q = 0; q < L && ok; q++) ok = syms[j + q]!.sym === p.symbols[q];
      if (ok) found.push([syms[j]!.start, syms[j + L - 1]!.end]);
    }
  }
  return found.filter(([s, e]) => wholeWordOk(p, text, s, e));
}

function wholeWordOk(p: Pattern, text: string, s: number, e: number): boolean {
  return (!(p.flags & P_CHECK_START) || boundaryBefore(text, s)) && (!(p.flags & P_CHECK_END) || boundaryAfter(text, e));
}

export function referenceFindAll(entries: TermEntry[], options: CompileOptions, text: string): Match[] {
  validateInput(entries, options);
  const patterns = patternList(buildPatterns(entries, options));
  const syms = textSymbols(text, options.maxGap ?? DEFAULT_MAX_GAP);
  const runs = runsOf(syms, (f, l, count, all) => ({ sym: f.sym, count, start: f.start, end: l.end, seg: f.seg, syms: all }));
  const allow: [number, number][] = [];
  const cands: Match[] = [];
  for (const p of patterns) {
    for (const [start, end] of matchPattern(p, syms, runs, text)) {
      if (p.term < 0) allow.push([start, end]);
      else cands.push({ termId: entries[p.term]!.id, start, end });
    }
  }
  const kept = cands.filter((m) => !allow.some(([s, e]) => s <= m.start && e >= m.end));
  kept.sort((a, b) => a.start - b.start || a.end - b.end || a.termId - b.termId);
  return kept.filter((m, i) => i === 0 || m.termId !== kept[i - 1]!.termId || m.start !== kept[i - 1]!.start || m.end !== kept[i - 1]!.end);
}
