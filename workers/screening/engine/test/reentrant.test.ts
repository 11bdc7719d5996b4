/**
 * Scans are re-entrant: the rings and the slow path's saved state belong to the scan (a
 * matcher's Scratch, or a fresh one when that is taken), so a scan started inside another
 * scan's sink, or two matchers' scans interleaved, leave each other's offsets alone.
 */
import { describe, expect, it } from "vitest";
import { compile, type Match, type TermEntry } from "../index.js";
import type { CompiledMatcher } from "../matcher.js";
import { scan, type Sink } from "../search.js";

const entries: TermEntry[] = [
  // "ab" is reported while "abcdefgh" (and its repeats version) is still in progress: its
  // start comes from the rings after the nested scan has run.
  { id: 1, pattern: "ab", category: "x", severity: 1, flags: { wholeWord: false, repeats: false } },
  { id: 2, pattern: "abcdefgh", category: "x", severity: 1, flags: { wholeWord: false, repeats: false } },
  { id: 3, pattern: "abcdefgh", category: "x", severity: 1, flags: { wholeWord: false, repeats: true } },
  { id: 4, pattern: "词语法轮", category: "x", severity: 1 },
];
const outer = "xx aabbccddeeffgghh a-b-c-d-e-f-g-h 词😀语法法轮 abcdefgh";
// Long enough to overwrite every ring slot, with matches and slow-path characters.
const inner = "词语法轮 ".repeat(40) + "𝐚b a@b ".repeat(40) + "abcdefgh".repeat(40);

/** A sink collecting matches that calls `during` at each report. */
function sinkWith(during: () => void): Sink & { got: Match[] } {
  return {
    wantsActiveStart: false,
    got: [] as Match[],
    report(termId: number, start: number, end: number) {
      this.got.push({ termId, start, end });
      during();
      return false;
    },
  };
}

const sorted = (ms: Match[]) => ms.slice().sort((a, b) => a.start - b.start || a.end - b.end || a.termId - b.termId);

describe("re-entrant scans", () => {
  const m = compile(entries) as CompiledMatcher;
  const want = m.findAll(outer);
  const innerWant = m.findAll(inner);

  it("a scan started inside a sink of a scan of the same matcher", () => {
    expect(want.map((x) => x.termId).sort()).toEqual([1, 1, 1, 2, 2, 3, 3, 3, 4]);
    const inners: Match[][] = [];
    const sink = sinkWith(() => inners.push(m.findAll(inner)));
    scan(m.rt, outer, sink);
    expect(sorted(sink.got)).toEqual(want);
    for (const got of inners) expect(got).toEqual(innerWant);
    // The matcher's own scratch is free again afterwards.
    expect(m.rt.scratch.busy).toBe(false);
    expect(m.findAll(outer)).toEqual(want);
  });

  it("two matchers' scans interleaved, each inside the other's sink", () => {
    const other = compile(entries) as CompiledMatcher;
    let depth = 0;
    const innerSink = sinkWith(() => {});
    const sink = sinkWith(() => {
      if (depth++ === 0) scan(other.rt, inner, sinkWith(() => { m.findAll(inner); }));
      scan(other.rt, inner, innerSink);
    });
    scan(m.rt, outer, sink);
    expect(sorted(sink.got)).toEqual(want);
    // One inner scan's reports per outer report, each the same as a scan on its own.
    const alone = sinkWith(() => {});
    scan(other.rt, inner, alone);
    expect(innerSink.got).toEqual(Array.from({ length: sink.got.length }, () => alone.got).flat());
  });

  it("a sink that throws leaves the matcher usable", () => {
    const sink = sinkWith(() => { throw new Error("sink failed"); });
    expect(() => scan(m.rt, outer, sink)).toThrow("sink failed");
    expect(m.rt.scratch.busy).toBe(false);
    expect(m.findAll(outer)).toEqual(want);
  });
});
