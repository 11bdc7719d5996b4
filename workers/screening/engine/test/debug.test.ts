/** debugDump(): one line per state, decoded from the packed records the scan reads. */
import { describe, expect, it } from "vitest";
import { compile, debugDump, load, type TermEntry } from "../index.js";

const entries: TermEntry[] = [
  { id: 7, pattern: "ab", category: "x", severity: 1 },
  { id: 9, pattern: "b", category: "x", severity: 1, flags: { repeats: false } },
  { id: 3, pattern: "词语", category: "y", severity: 1 },
];

describe("debugDump", () => {
  const m = compile(entries, { allow: ["abc"], denseMinFrequency: 2 });
  const lines = debugDump(m).split("\n");

  it("lists the classes, dense ones starred, and one line per state", () => {
    expect(lines[0]).toBe("states=7 dense=4 denseClasses=2 maxGap=3 fastPathsOff=-");
    expect(lines[1]).toBe("classes 4=b* 5=a* 6=c 7=词 8=语");
    expect(lines).toHaveLength(2 + 7);
  });

  it("shows the root's goto record and its edges", () => {
    expect(lines).toContain('s0 "" depth=0 dense goto=[b a]@s1 fail=s0 dict=- emit=- edges=[b>s1 a>s2 词>s4] out=[]');
  });

  it("shows failure and dictionary links, emit bits and outputs with their flags", () => {
    // "ab" ends in "b": its failure target, and its dictionary link, is the state of term 9.
    expect(lines).toContain('s1 "b" depth=1 dense goto=[] fail=s0 dict=- emit=symbol,end-word edges=[] out=[#9 "b" runs=1 start,end]');
    expect(lines).toContain('s3 "ab" depth=2 dense goto=[] fail=s1 dict=s1 emit=symbol,flush,end-word edges=[c>s6] out=[#7 "ab" runs=1,1 repeats,start,end]');
  });

  it("decodes state records of sparse states: CJK terms (not whole-word) and allow phrases", () => {
    expect(lines).toContain('s4 "词" depth=1 sparse fail=s0 dict=- emit=- edges=[语>s5] out=[]');
    expect(lines).toContain('s5 "词语" depth=2 sparse fail=s0 dict=- emit=flush edges=[] out=[#3 "词语" runs=1,1 repeats]');
    expect(lines).toContain('s6 "abc" depth=3 sparse fail=s0 dict=- emit=symbol,end-word edges=[] out=[allow "abc" runs=1,1,1 start,end]');
  });

  it("is the same for a loaded matcher, and names the fast paths that are off", () => {
    expect(debugDump(load(m.serialize()))).toBe(debugDump(m));
    expect(debugDump(compile(entries, { fastPaths: { latinLoop: false, pairFilter: false } })).split("\n")[0]).toMatch(/fastPathsOff=pairFilter,latinLoop$/);
  });

  it("shows a dense state's chainRun when it can stop an emission", () => {
    // i, l and 1 are one letter: "lili" is one run of four, "ill" one of three, "ai" ends in a run of one.
    const d = debugDump(compile([
      { id: 1, pattern: "lili", category: "x", severity: 1 },
      { id: 2, pattern: "ill", category: "x", severity: 1 },
      { id: 3, pattern: "ai", category: "x", severity: 1 },
    ], { denseMinFrequency: 1 })).split("\n");
    // The root's child by i: an emission there with a run shorter than three checks nothing.
    expect(d).toContain('s1 "i" depth=1 dense goto=[] chain-run=3 fail=s0 dict=- emit=flush,end-word edges=[] out=[#1 "i" runs=4 repeats,start,end; #2 "i" runs=3 repeats,start,end]');
    // "ai" ends in i, but its own output needs a run of one: nothing stops its walk at it.
    expect(d).toContain('s3 "ai" depth=2 dense goto=[] fail=s1 dict=s1 emit=flush,end-word edges=[] out=[#3 "ai" runs=1,1 repeats,start,end]');
  });

  it("decodes a sparse state's edge pairs and the output slots of its record", () => {
    // 词 has two edges (edgePairs); 词语 and 詞語 fold alike: one state with two outputs (REC_SLOTS).
    const d = debugDump(compile(["词语", "詞語", "词汇"].map((pattern, i) => ({ id: i + 1, pattern, category: "x", severity: 1 })))).split("\n");
    expect(d).toContain('s1 "词" depth=1 sparse fail=s0 dict=- emit=- edges=[语>s2 汇>s3] out=[]');
    expect(d).toContain('s2 "词语" depth=2 sparse fail=s0 dict=- emit=flush edges=[] out=[#1 "词语" runs=1,1 repeats; #2 "词语" runs=1,1 repeats]');
  });

  it("cuts long dumps short", () => {
    const dump = debugDump(m, 3).split("\n");
    expect(dump).toHaveLength(2 + 3 + 1);
    expect(dump.at(-1)).toBe("... 4 more states");
  });
});
