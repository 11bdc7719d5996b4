/**
 * The Aho–Corasick peers of `bench:engine` (exact matching only), each measured in a process
 * of its own by measure.ts (`--only peer:<name>`).
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

// Peers do exact matching only. `prefix`: scanned on that many characters at most (it slows
// down as the text grows).
export interface Peer { name: string; make: (k: string[]) => unknown; scan: (m: any, t: string) => number; prefix?: number }
export const PEERS: Peer[] = [
  { name: "@monyone/aho-corasick", make: (k) => new (require("@monyone/aho-corasick").AhoCorasick)(k), scan: (m, t) => m.matchInText(t).length },
  { name: "ahocorasick", make: (k) => new (require("ahocorasick"))(k), scan: (m, t) => m.search(t).reduce((n: number, r: [number, string[]]) => n + r[1].length, 0) },
  { name: "mint-filter", make: (k) => { const M = require("mint-filter"); return new (M.default ?? M)(k); }, scan: (m, t) => m.filter(t, { replace: false }).words.length },
  { name: "modern-ahocorasick", make: (k) => { const M = require("modern-ahocorasick"); return new (M.default ?? M.AhoCorasick ?? M)(k); }, scan: (m, t) => m.search(t).length, prefix: 10_000 },
];
/** A peer whose build would take longer than this (extrapolated from a tenth of the terms) is skipped. */
export const PEER_BUILD_LIMIT_MS = 20_000;
/** A peer whose full-text scan would take longer than this is timed on a prefix only. */
export const PEER_SCAN_LIMIT_MS = 4_000;
