/**
 * Turns term entries and allow phrases into patterns: folded symbol sequences
 * with flags. A term yields one pattern, plus pinyin / initials variants when
 * asked; all point at the same term index.
 *
 * Pinyin comes from a precomputed char → readings table (data/pinyin.generated.ts,
 * ~90 KB, generated from pinyin-pro) rather than importing pinyin-pro here: the
 * screening worker bundles this module, and pinyin-pro with its dictionaries is
 * several hundred KB of code to parse at cold start. The cost is that readings
 * are per character, not per word; polyphonic characters therefore yield up to
 * MAX_PINYIN_VARIANTS spellings (行 → xing / hang), which keeps recall and adds a
 * few extra Latin patterns.
 */
import { isCjk, isUnspaced, step, symbolsAt } from "../fold.js";
import { PINYIN_FIRST, PINYIN_READINGS } from "../data/pinyin.generated.js";
import { EngineInputError, type CompileOptions, type TermEntry } from "../types.js";
import { MAX_PATTERN_SYMBOLS, P_CHECK_END, P_CHECK_START, P_REPEATS } from "../tables.js";

/**
 * A compile's patterns, flat: pattern p's symbols are symbols[start[p] .. start[p + 1]). Typed
 * arrays, not an object and an array per pattern: those held 26 MB through the compile for
 * 100,000 English phrases, these 4 MB (README.md, measurement history, 2026-12-07 10:10).
 */
export interface Patterns {
  count: number;
  symbols: Int32Array;
  /** count + 1 offsets into symbols. */
  start: Int32Array;
  /** Per pattern: index into the term list, or -1 for an allow phrase. */
  term: Int32Array;
  /** Per pattern: P_* flags (tables.ts). */
  flags: Uint8Array;
}

/** Collects patterns into growing typed arrays (Patterns). */
class PatternsBuilder {
  private count = 0;
  private size = 0;
  private symbols = new Int32Array(1024);
  private start = new Int32Array(257);
  private term = new Int32Array(256);
  private flags = new Uint8Array(256);

  add(symbols: readonly number[], term: number, flags: number): void {
    const p = this.count, n = symbols.length;
    if (p + 1 === this.term.length) {
      this.start = grown(this.start, 2 * this.start.length);
      this.term = grown(this.term, 2 * this.term.length);
      this.flags = grown(this.flags, 2 * this.flags.length);
    }
    if (this.size + n > this.symbols.length) this.symbols = grown(this.symbols, Math.max(2 * this.symbols.length, this.size + n));
    for (let i = 0; i < n; i++) this.symbols[this.size + i] = symbols[i]!;
    this.size += n;
    this.start[p + 1] = this.size;
    this.term[p] = term;
    this.flags[p] = flags;
    this.count = p + 1;
  }

  /** The patterns, in arrays trimmed to their length. */
  done(): Patterns {
    const n = this.count;
    return { count: n, symbols: this.symbols.slice(0, this.size), start: this.start.slice(0, n + 1), term: this.term.slice(0, n), flags: this.flags.slice(0, n) };
  }
}

function grown<T extends Int32Array | Uint8Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

export interface FoldedString {
  symbols: number[];
  /** Original code point that produced each symbol. */
  origins: number[];
}

const scratch = new Int32Array(8);

/** Fold a string the way text is folded, dropping noise and ignorables. */
export function foldString(s: string): FoldedString {
  const symbols: number[] = [], origins: number[] = [];
  for (let i = 0; i < s.length; i += step(s, i)) {
    const n = symbolsAt(s, i, scratch);
    for (let k = 0; k < n; k++) {
      symbols.push(scratch[k]!);
      origins.push(s.codePointAt(i)!);
    }
  }
  return { symbols, origins };
}

let readingsTable: string[] | undefined;
/** Toneless, folded pinyin readings of a CJK char (most common first), or undefined. */
function readingsOf(cp: number): string[] | undefined {
  readingsTable ??= PINYIN_READINGS.split(",");
  const r = readingsTable[cp - PINYIN_FIRST];
  return r ? r.split(" ") : undefined;
}

/** At most this many pinyin spellings per term (polyphonic chars multiply). */
const MAX_PINYIN_VARIANTS = 8;

function pinyinVariants(f: FoldedString, initials: boolean): string[] {
  let acc = [""];
  let any = false;
  for (let i = 0; i < f.symbols.length; i++) {
    const r = readingsOf(f.origins[i]!) ?? readingsOf(f.symbols[i]!);
    let options: string[];
    if (r && isCjk(f.origins[i]!)) {
      any = true;
      options = initials ? [...new Set(r.map((x) => x[0]!))] : r;
    } else options = [String.fromCodePoint(f.symbols[i]!)];
    const next: string[] = [];
    for (const a of acc) for (const o of options) if (next.length < MAX_PINYIN_VARIANTS) next.push(a + o);
    acc = next;
  }
  return any ? acc : [];
}

const isWordOrigin = (cp: number) => !isUnspaced(cp);

export function buildPatterns(entries: readonly TermEntry[], options: CompileOptions): Patterns {
  const patterns = new PatternsBuilder();
  const empty: number[] = [], tooLong: number[] = [];
  entries.forEach((e, term) => {
    const base = foldString(e.pattern);
    if (base.symbols.length === 0) return void empty.push(e.id);
    const flags = e.flags ?? {};
    const repeats = flags.repeats !== false ? P_REPEATS : 0;
    const wholeWord = flags.wholeWord !== false;
    let seen: Set<string> | undefined; // only terms with variants need de-duplication
    const add = (f: FoldedString) => {
      if (f.symbols.length === 0) return;
      if (f.symbols.length > MAX_PATTERN_SYMBOLS) return void tooLong.push(e.id);
      if (flags.pinyin || flags.initials) {
        const key = f.symbols.join(",");
        if ((seen ??= new Set()).has(key)) return;
        seen.add(key);
      }
      let pf = repeats;
      if (wholeWord && isWordOrigin(f.origins[0]!)) pf |= P_CHECK_START;
      if (wholeWord && isWordOrigin(f.origins[f.origins.length - 1]!)) pf |= P_CHECK_END;
      patterns.add(f.symbols, term, pf);
    };
    add(base);
    if (flags.pinyin) for (const v of pinyinVariants(base, false)) add(foldString(v));
    if (flags.initials) for (const v of pinyinVariants(base, true)) add(foldString(v));
  });
  if (empty.length) throw new EngineInputError(`engine: patterns empty after normalisation: ids ${empty.join(", ")}`, empty);
  if (tooLong.length)
    throw new EngineInputError(`engine: patterns longer than ${MAX_PATTERN_SYMBOLS} symbols: ids ${[...new Set(tooLong)].join(", ")}`, [...new Set(tooLong)]);
  for (const phrase of options.allow ?? []) {
    if (typeof phrase !== "string") throw new EngineInputError("engine: allow phrases must be strings", [], "allow");
    const f = foldString(phrase);
    if (f.symbols.length === 0) throw new EngineInputError(`engine: allow phrase empty after normalisation: ${JSON.stringify(phrase)}`, [], "allow");
    if (f.symbols.length > MAX_PATTERN_SYMBOLS) throw new EngineInputError(`engine: allow phrase longer than ${MAX_PATTERN_SYMBOLS} symbols`, [], "allow");
    // Like terms by default, a phrase is whole-word at its Latin ends ("Sussex", not "xsussex"):
    // then no match can start inside a Latin word, which the searcher relies on (Runtime.deadBand).
    let pf = 0;
    if (isWordOrigin(f.origins[0]!)) pf |= P_CHECK_START;
    if (isWordOrigin(f.origins[f.origins.length - 1]!)) pf |= P_CHECK_END;
    patterns.add(f.symbols, -1, pf);
  }
  return patterns.done();
}

/** Validate entries and options; throws EngineInputError listing offending ids. */
export function validateInput(entries: readonly TermEntry[], options: CompileOptions): void {
  if (!Array.isArray(entries)) throw new EngineInputError("engine: entries must be an array");
  const bad: number[] = [], dup: number[] = [];
  const ids = new Set<number>();
  for (const e of entries) {
    const id = e?.id;
    if (
      typeof e !== "object" || e === null || !Number.isSafeInteger(id) || typeof e.pattern !== "string" ||
      typeof e.category !== "string" || typeof e.severity !== "number" || !Number.isFinite(e.severity)
    ) {
      bad.push(id as number);
      continue;
    }
    if (ids.has(id)) dup.push(id);
    ids.add(id);
  }
  if (bad.length) throw new EngineInputError(`engine: malformed entries (need safe integer id, string pattern/category, finite severity): ids ${bad.join(", ")}`, bad);
  if (dup.length) throw new EngineInputError(`engine: duplicate ids: ${[...new Set(dup)].join(", ")}`, [...new Set(dup)]);
  const g = options.maxGap;
  if (g !== undefined && (!Number.isInteger(g) || g < 0 || g > 64)) throw new EngineInputError("engine: maxGap must be an integer in 0..64", [], "options");
  const d = options.denseMinFrequency;
  if (d !== undefined && (!Number.isInteger(d) || d < 1)) throw new EngineInputError("engine: denseMinFrequency must be a positive integer", [], "options");
  if (options.allow !== undefined && !Array.isArray(options.allow)) throw new EngineInputError("engine: allow must be an array of strings", [], "allow");
}
