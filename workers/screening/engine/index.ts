/**
 * Screening engine: a normalising multi-pattern matcher.
 *
 *   compile(entries, options) → Matcher   build from term entries (build/)
 *   load(bytes) → Matcher                 from matcher.serialize(), without rebuilding
 *
 * Pure TypeScript, no Workers or Node APIs: runs in workerd and in Node.
 */
import { buildPatterns, validateInput } from "./build/patterns.js";
import { buildTables } from "./build/automaton.js";
import { CompiledMatcher } from "./matcher.js";
import { deserialize } from "./serialize.js";
import type { CompileOptions, LoadOptions, Matcher, TermEntry } from "./types.js";

export type { CompileOptions, FastPaths, LoadOptions, Match, Matcher, TermEntry, TermFlags, TermInfo } from "./types.js";
export { EngineFormatError, EngineInputError } from "./types.js";
export { FORMAT_VERSION, formatVersionOf } from "./serialize.js";

export { ALL_FAST_PATHS, NO_FAST_PATHS } from "./search.js";
export { debugDump } from "./debug.js";

/** Default `maxGap`: noise characters skipped in a row between two characters of a term. */
export const DEFAULT_MAX_GAP = 3;

/** Compile term entries into a matcher. Throws EngineInputError on bad input. */
export function compile(entries: TermEntry[], options: CompileOptions = {}): Matcher {
  validateInput(entries, options);
  const maxGap = options.maxGap ?? DEFAULT_MAX_GAP;
  const patterns = buildPatterns(entries, options);
  return new CompiledMatcher(buildTables(patterns, entries, maxGap, options.denseMinFrequency), options.fastPaths);
}

/** Load a matcher from `serialize()` bytes. Throws EngineFormatError on bad bytes. */
export function load(bytes: Uint8Array, options: LoadOptions = {}): Matcher {
  const { tables, runtime } = deserialize(bytes);
  return new CompiledMatcher(tables, options.fastPaths, runtime ?? undefined);
}
