/**
 * The trie is built from the patterns in sorted order (build/automaton.ts sortedPatterns: 64-bit
 * keys of the first classes and the pattern index, ties compared class by class). With more
 * than 65,536 patterns the index takes more than 16 bits of the key, and patterns sharing long
 * prefixes tie on the key's classes: both are exercised here. The automaton must not depend on
 * the order of the entries.
 */
import { describe, expect, it } from "vitest";
import { compile, debugDump, type TermEntry } from "../index.js";

function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

describe("build order", () => {
  it("70,000 terms with long shared prefixes: each term found, same automaton and matches in any entry order", () => {
    const r = rng(18);
    const letters = "abcdefghjkmnopqrstuvwxyz";
    const word = (n: number) => Array.from({ length: n }, () => letters[Math.floor(r() * letters.length)]).join("");
    const prefixes = ["supercalifragilistic", "antidisestablishment", "pneumonoultramicro"];
    const patterns = new Set<string>();
    while (patterns.size < 70_000) {
      const k = r();
      // A third share a prefix longer than the key's classes; some are prefixes of others.
      patterns.add(k < 0.33 ? prefixes[Math.floor(r() * 3)]! + word(1 + Math.floor(r() * 4)) : k < 0.4 ? prefixes[Math.floor(r() * 3)]!.slice(0, 10 + Math.floor(r() * 8)) : word(3 + Math.floor(r() * 8)));
    }
    const list = [...patterns];
    const entries: TermEntry[] = list.map((pattern, i) => ({ id: i + 1, pattern, category: "c", severity: 1 }));
    const m = compile(entries);
    const reversed = compile(entries.slice().reverse());
    // Term indices differ with the order; the states, edges and links must not.
    const states = (dump: string) => dump.split("\n").map((line) => line.replace(/ out=.*$/, "").replace(/#\d+/g, "#"));
    expect(states(debugDump(reversed, 5000))).toEqual(states(debugDump(m, 5000)));
    const sample = list.filter((_, i) => i % 97 === 0);
    const text = sample.join(" · ");
    const found = m.findAll(text);
    expect(reversed.findAll(text)).toEqual(found);
    // Each sampled term on its own is found, under its own id.
    const missed = sample.filter((p) => !m.findAll(p).some((x) => x.termId === list.indexOf(p) + 1));
    expect(missed).toEqual([]);
  });
});
