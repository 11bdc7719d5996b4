/**
 * A readable dump of a compiled matcher, for small dictionaries: its classes, then one line
 * per state with everything the scan reads about it, decoded from the packed records (so a
 * test asserting a line also checks the records). Format, one state per line:
 *
 *   s3 "ab" depth=2 dense goto=[c]@s6 fail=s1 dict=s1 emit=symbol edges=[c>s6] out=[#7 "ab" runs=1,1 start,end]
 *
 * `dense`/`sparse`: a dense state (its goto record decoded: classes with an edge, first child)
 * or a state with a state record (stateRec); a dense state's `chain-run=N` is its chainRun when it can
 * stop an emission (2 to 254); strings show one symbol per run; `emit` lists the emit-mask bits
 * (symbol, flush, end-word); out lists the state's own outputs: term id (or `allow`), the
 * pattern's runs and its flags (repeats, start, end: whole-word checks).
 */
import type { Matcher } from "./types.js";
import { CompiledMatcher } from "./matcher.js";
import { FIRST_CLASS, P_CHECK_END, P_CHECK_START, P_REPEATS } from "./tables.js";
import {
  edgePairClass, edgePairTarget, EMIT_END_WORD, EMIT_ON_FLUSH, EMIT_ON_SYMBOL, gotoBits, gotoFirst, gotoHas, gotoValid, inlineRuns, inlineTerm,
  outIsLast, outTerm, outWordOf, recAt, recDict, recEdge, recFirstSlot, recInline, recTarget, recWord, REC_DICT, REC_OUT, REC_SLOTS, wordFail, wordMask,
} from "./records.js";

/** The dump of `matcher` (from compile() or load()), at most `maxStates` state lines. */
export function debugDump(matcher: Matcher, maxStates = 1000): string {
  if (!(matcher instanceof CompiledMatcher)) throw new TypeError("debugDump: not a matcher of this engine");
  const m = matcher.rt;
  const N = m.fail.length, DS = m.denseStates;
  const sym = (c: number) => String.fromCodePoint(m.alphabet[c - FIRST_CLASS]!);
  // The state's string, from its parent's (parents come before children).
  const str: string[] = [""];
  for (let s = 0; s < N; s++) {
    for (let k = m.edgeStart[s]!; k < m.edgeStart[s + 1]!; k++) str[m.edgeTarget[k]!] = str[s]! + sym(m.edgeClass[k]!);
  }
  const lines: string[] = [];
  const fp = Object.entries(m.fastPaths).filter(([, on]) => !on).map(([name]) => name);
  lines.push(`states=${N} dense=${DS} denseClasses=${m.denseClasses} maxGap=${m.maxGap} fastPathsOff=${fp.length ? fp.join(",") : "-"}`);
  lines.push(`classes ${[...m.alphabet].map((_, i) => `${FIRST_CLASS + i}=${sym(FIRST_CLASS + i)}${i < m.denseClasses ? "*" : ""}`).join(" ")}`);
  const flagNames = (f: number) => [f & P_REPEATS ? "repeats" : "", f & P_CHECK_START ? "start" : "", f & P_CHECK_END ? "end" : ""].filter(Boolean).join(",") || "-";
  for (let s = 0; s < Math.min(N, maxStates); s++) {
    let mask: number, fail: number, dict: number;
    const parts = [`s${s}`, JSON.stringify(str[s]), `depth=${m.depth[s]}`];
    if (s < DS) {
      mask = m.emitMask[s]!;
      fail = m.fail[s]!;
      dict = m.dictLink[s]!;
      const bits = gotoBits(m.gotoRec, s);
      // The goto record decoded: its classes (in bit order) and its first child.
      const classes: string[] = [];
      for (let k = 0; k < m.denseClasses; k++) if (gotoHas(bits, k)) classes.push(sym(FIRST_CLASS + k));
      parts.push(gotoValid(bits) ? `dense goto=[${classes.join(" ")}]${classes.length ? `@s${gotoFirst(m.gotoRec, s)}` : ""}` : "dense");
      // chainRun, when it can stop an emission: the shortest last run of the outputs from here on.
      const run = m.chainRun[s]!;
      if (run > 1 && run < 255) parts.push(`chain-run=${run}`);
    } else {
      const w = recWord(m.stateRec, recAt(s, DS));
      mask = wordMask(w);
      fail = wordFail(w);
      dict = w & REC_DICT ? recDict(m.stateRec, recAt(s, DS), m.dictLink, s) : -1;
      parts.push("sparse");
    }
    const emit = [mask & EMIT_ON_SYMBOL ? "symbol" : "", mask & EMIT_ON_FLUSH ? "flush" : "", mask & EMIT_END_WORD ? "end-word" : ""].filter(Boolean);
    parts.push(`fail=s${fail}`, `dict=${dict < 0 ? "-" : `s${dict}`}`, `emit=${emit.join(",") || "-"}`);
    // A sparse state's edges from its record (its only edge, or its edge pairs), a dense one's from the tables.
    const edges: string[] = [];
    if (s < DS) for (let k = m.edgeStart[s]!; k < m.edgeStart[s + 1]!; k++) edges.push(`${sym(m.edgeClass[k]!)}>s${m.edgeTarget[k]}`);
    else {
      const e = recEdge(m.stateRec, recAt(s, DS)), to = recTarget(m.stateRec, recAt(s, DS));
      if (e >= 0) edges.push(`${sym(e)}>s${to}`);
      for (let p = to; e < -1 && p < to - e; p++) edges.push(`${sym(edgePairClass(m.edgePairs, p))}>s${edgePairTarget(m.edgePairs, p)}`);
    }
    parts.push(`edges=[${edges.join(" ")}]`);
    const outs: string[] = [];
    for (let o = m.outStart[s]!; o < m.outStart[s + 1]!; o++) {
      const p = m.outList[o]!, term = outTerm(m.outRec, o);
      const runs = [...m.runLens.subarray(m.patRunStart[p]!, m.patRunStart[p + 1]!)].join(",");
      const id = term < 0 ? "allow" : `#${m.termIsId ? term : m.termIds[term]}`;
      outs.push(`${id} ${JSON.stringify(str[s])} runs=${runs} ${flagNames(m.patFlags[p]!)}`);
    }
    if (s >= DS && recWord(m.stateRec, recAt(s, DS)) & REC_SLOTS) {
      // The slots emission walks (to the one marked last) must be the state's: show them if not.
      let o = recFirstSlot(m.stateRec, recAt(s, DS));
      const first = o;
      while (o < m.outList.length - 1 && !outIsLast(outWordOf(m.outRec, o))) o++;
      if (first !== m.outStart[s] || o !== m.outStart[s + 1]! - 1) outs.push(`BAD-SLOTS ${first}..${o}`);
    }
    if (s >= DS && recWord(m.stateRec, recAt(s, DS)) & REC_OUT) {
      // The inline output must be the state's one output: show it if it is not.
      const v = recInline(m.stateRec, recAt(s, DS));
      if (outs.length !== 1 || inlineRuns(v) !== m.depth[s] || inlineTerm(v) !== outTerm(m.outRec, m.outStart[s]!)) outs.push(`BAD-INLINE ${v}`);
    }
    parts.push(`out=[${outs.join("; ")}]`);
    lines.push(parts.join(" "));
  }
  if (N > maxStates) lines.push(`... ${N - maxStates} more states`);
  return lines.join("\n");
}
