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
   * Tuning: a character used by at least this many patterns gets full DFA rows in
   * shallow states (faster scans, more memory). Default max(16, patterns / 200).
   */
  denseMinFrequency?: number;
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
  /** Category and severity of a term id, or undefined if the id is unknown. */
  term(termId: number): TermInfo | undefined;
  /** Number of terms compiled in. */
  readonly termCount: number;
}

/** Bad `compile()` input. `ids` lists the offending term ids (empty for option errors). */
export class EngineInputError extends Error {
  override name = "EngineInputError";
  constructor(message: string, readonly ids: readonly number[] = []) {
    super(message);
  }
}

/** `load()` got bytes that are not a valid serialized matcher of this version. */
export class EngineFormatError extends Error {
  override name = "EngineFormatError";
}
