/** Public types of the screening engine. */

export interface TermFlags {
  /** Latin ends of the term must sit on word boundaries (default true). No effect on CJK ends. */
  wholeWord?: boolean;
  /** A CJK term also matches its toneless full pinyin, e.g. 法轮 → "falun" (default false). */
  pinyin?: boolean;
  /** A CJK term also matches its pinyin initials, e.g. 法轮功 → "flg" (default false). */
  initials?: boolean;
  /** Each character of the term may be repeated in the text: "fooooo", "词词语" (default true). */
  repeats?: boolean;
}

export interface TermEntry {
  id: number;
  pattern: string;
  category: string;
  severity: number;
  flags?: TermFlags;
}

export interface CompileOptions {
  /**
   * Allow-listed phrases: a match lying entirely inside one is dropped. A phrase is matched
   * like a whole-word term: its Latin ends must be word boundaries ("Sussex", not "xsussex").
   */
  allow?: string[];
  /** Most noise characters (code points) skipped in a row between two characters of a term (default 3). */
  maxGap?: number;
  /**
   * Tuning: a character below U+2E80 (not CJK) used by at least this many patterns gets full
   * DFA rows in shallow states (faster scans, more memory). Default max(16, patterns / 200).
   */
  denseMinFrequency?: number;
  /** Turn fast paths of the scan off (all on by default): for tests and measurements; matches are the same. */
  fastPaths?: Partial<FastPaths>;
}

/** Options of `load()`. */
export interface LoadOptions {
  /** As CompileOptions.fastPaths. */
  fastPaths?: Partial<FastPaths>;
}

/**
 * The scan's shortcuts, each of which can be turned off. Every one is exact: a matcher finds
 * the same matches with any of them off (the property tests hold them to that).
 */
export interface FastPaths {
  /**
   * The pair filter (pairBloom): off, every pair of CJK classes is a "maybe" and looked up, and
   * so is every edge by a CJK class of a state with several edges.
   */
  pairFilter: boolean;
  /** Word-start anchoring: skipping the rest of a Latin word no match can start in. */
  wordSkips: boolean;
  /** Rows of goto targets for the shallow dense states (shallowRows) in the Latin loop. */
  shallowRows: boolean;
  /** The written-out CJK loop (root child to root child). */
  cjkLoop: boolean;
  /**
   * The CJK loop passes a real pair of CJK classes whose state has no outputs, when the class
   * after it cannot be one of that state's edges (rootEdges' `next`): off, every real pair stops it.
   */
  pairStates: boolean;
  /** The written-out Latin loop (goto records of dense states). */
  latinLoop: boolean;
  /**
   * Emission stops walking a dictionary chain at a dense state whose outputs from there on all
   * need a longer last run than the current one (chainRun): off, every output on it is checked.
   */
  chainRuns: boolean;
  /**
   * The general loop's written-out steps. Off, every code point goes through the slow path,
   * whose one step is `transition()`: the automaton as the tables define it.
   */
  inlineSteps: boolean;
}

/** A match: UTF-16 offsets into the original text; `text.slice(start, end)` is the occurrence. */
export interface Match {
  termId: number;
  start: number;
  end: number;
}

/** What a term id stands for, for reporting. */
export interface TermInfo {
  id: number;
  category: string;
  severity: number;
}

export interface Matcher {
  /** Every match, overlaps included, sorted by start, then end, then termId. */
  findAll(text: string): Match[];
  /** Whether there is at least one match; stops as soon as one is certain. */
  test(text: string): boolean;
  /** Compact, versioned, checksummed binary form; see `load`. */
  serialize(): Uint8Array;
  /**
   * serialize()'s bytes as parts to write out in order (`byteLength` in all), most of them views
   * of the matcher's own arrays: storing them needs no second copy of the matcher.
   */
  serializedParts(): { byteLength: number; parts: Uint8Array[] };
  /** Category and severity of a term id, or undefined if the id is unknown. */
  term(termId: number): TermInfo | undefined;
  /** Number of terms compiled in. */
  readonly termCount: number;
}

/**
 * Bad `compile()` input. `ids` lists the offending term ids (empty when no one term is at fault:
 * a limit of the whole dictionary, or an allow phrase); `about` says which input it is.
 */
export class EngineInputError extends Error {
  override name = "EngineInputError";
  constructor(message: string, readonly ids: readonly number[] = [], readonly about: "terms" | "allow" | "options" = "terms") {
    super(message);
  }
}

/** `load()` got bytes that are not a valid serialized matcher of this version. */
export class EngineFormatError extends Error {
  override name = "EngineFormatError";
}
