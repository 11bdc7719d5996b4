/**
 * How big one policy may grow. A policy is compiled in one isolate (the policy builder) and
 * loaded whole into every screening isolate, each with 128 MB on Cloudflare; past these limits a
 * publish, or every isolate that loads the version, could run out of memory. They are the
 * largest dictionary measured (bench:engine's scale shape, 200,000 mixed CJK and English terms of
 * 1.9 million characters: 70 MB retained compiled, 60 MB serialized, which is what each
 * screening isolate loads; README "Policy size"). A term count alone does not bound memory
 * (long patterns make more states), hence the characters too. Allow-listed phrases compile into
 * the same automaton, so they count as terms here.
 */
import { sql } from "drizzle-orm";
import { allowPhrases, terms } from "../../../db/schema";

/** Terms in all lists, and allow-listed phrases, together. */
export const MAX_POLICY_TERMS = 200_000;
/** Characters of all patterns and phrases together, counted as SQLite's length() counts them (code points). */
export const MAX_POLICY_PATTERN_CHARS = 2_000_000;

/** Code points of a pattern: SQLite's length() of the stored text. */
export function patternChars(pattern: string): number {
  let n = pattern.length;
  for (let i = 0; i < pattern.length; i++) {
    const u = pattern.charCodeAt(i);
    if (u >= 0xd800 && u <= 0xdbff) n--;
  }
  return n;
}

/** What the policy holds now: terms and phrases, and their characters (each an SQL expression). */
export const policySizeSql = sql<number>`((SELECT count(*) FROM ${terms}) + (SELECT count(*) FROM ${allowPhrases}))`;
export const policyCharsSql = sql<number>`((SELECT coalesce(sum(length(${terms.pattern})), 0) FROM ${terms}) + (SELECT coalesce(sum(length(${allowPhrases.phrase})), 0) FROM ${allowPhrases}))`;

/** The condition a write that adds terms or phrases, or lengthens patterns, must leave true (a batch `guard` after its writes). */
export const policyWithinLimits = sql`${policySizeSql} <= ${MAX_POLICY_TERMS} AND ${policyCharsSql} <= ${MAX_POLICY_PATTERN_CHARS}`;

/** The limits, as a sentence. */
export const POLICY_LIMITS = `One policy holds at most ${MAX_POLICY_TERMS} terms and allow-listed phrases, of ${MAX_POLICY_PATTERN_CHARS} characters together.`;

/** Terms and phrases a policy holds, and their characters. */
export interface PolicyTotals {
  terms: number;
  chars: number;
}

/**
 * What a policy of `held` plus the patterns or phrases `added` would pass, as a sentence; null
 * within both limits.
 */
export function policyOverLimits(held: PolicyTotals, added: readonly string[]): string | null {
  const count = held.terms + added.length;
  const chars = added.reduce((n, p) => n + patternChars(p), held.chars);
  if (count > MAX_POLICY_TERMS) return `${count} terms and allow-listed phrases in all; one policy holds at most ${MAX_POLICY_TERMS}.`;
  if (chars > MAX_POLICY_PATTERN_CHARS) return `${chars} characters of patterns and phrases in all; one policy holds at most ${MAX_POLICY_PATTERN_CHARS}.`;
  return null;
}
