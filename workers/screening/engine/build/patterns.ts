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

export interface Pattern {
  symbols: number[];
  /** Index into the term list, or -1 for an allow phrase. */
  term: number;
  flags: number;
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

export function buildPatterns(entries: readonly TermEntry[], options: CompileOptions): Pattern[] {
  const patterns: Pattern[] = [];
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
      patterns.push({ symbols: f.symbols, term, flags: pf });
    };
    add(base);
    if (flags.pinyin) for (const v of pinyinVariants(base, false)) add(foldString(v));
    if (flags.initials) for (const v of pinyinVariants(base, true)) add(foldString(v));
  });
  if (empty.length) throw new EngineInputError(`engine: patterns empty after normalisation: ids ${empty.join(", ")}`, empty);
  if (tooLong.length)
    throw new EngineInputError(`engine: patterns longer than ${MAX_PATTERN_SYMBOLS} symbols: ids ${[...new Set(tooLong)].join(", ")}`, [...new Set(tooLong)]);
  for (const phrase of options.allow ?? []) {
    if (typeof phrase !== "string") throw new EngineInputError("engine: allow phrases must be strings");
    const f = foldString(phrase);
    if (f.symbols.length === 0) throw new EngineInputError(`engine: allow phrase empty after normalisation: ${JSON.stringify(phrase)}`);
    if (f.symbols.length > MAX_PATTERN_SYMBOLS) throw new EngineInputError(`engine: allow phrase longer than ${MAX_PATTERN_SYMBOLS} symbols`);
    // Like terms by default, a phrase is whole-word at its Latin ends ("Sussex", not "xsussex"):
    // then no match can start inside a Latin word, which the searcher relies on (Runtime.deadBand).
    let pf = 0;
    if (isWordOrigin(f.origins[0]!)) pf |= P_CHECK_START;
    if (isWordOrigin(f.origins[f.origins.length - 1]!)) pf |= P_CHECK_END;
    patterns.push({ symbols: f.symbols, term: -1, flags: pf });
  }
  return patterns;
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
  if (g !== undefined && (!Number.isInteger(g) || g < 0 || g > 64)) throw new EngineInputError("engine: maxGap must be an integer in 0..64");
  const d = options.denseMinFrequency;
  if (d !== undefined && (!Number.isInteger(d) || d < 1)) throw new EngineInputError("engine: denseMinFrequency must be a positive integer");
  if (options.allow !== undefined && !Array.isArray(options.allow)) throw new EngineInputError("engine: allow must be an array of strings");
}
