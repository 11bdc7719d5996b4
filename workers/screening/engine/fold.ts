/**
 * Character folding shared by the compiler (terms), the searcher (text) and the
 * reference matcher used in tests. Folding works per code point and yields one of:
 *
 *   - IGNORE: invisible (zero-width, bidi controls, combining marks). Skipped
 *     entirely: it neither breaks a term nor counts towards the noise gap.
 *   - NOISE: spaces, punctuation, symbols, emoji, lone surrogates. Skippable
 *     between the characters of a term, at most `maxGap` in a row.
 *   - one or more symbols (folded code points: letters, digits, CJK).
 *
 * The tables come from data/fold.generated.ts (see scripts/engine/generate-tables.ts);
 * they are decoded once at module load into a flat Int32Array for the BMP so the
 * search loop folds a code unit with one typed-array read.
 *
 * `@` and `$` are contextual (LEET): they are the letters a / s when a code unit
 * next to them is a word symbol ("p@ss", "$hit"), noise otherwise ("词$语", "a @ b").
 */
import { FOLD_EXPANDED, FOLD_MAPPED, FOLD_RUNS } from "./data/fold.generated.js";

/** FOLD_BMP values below zero; values >= 0 are the single folded symbol. */
export const F_NOISE = -1;
export const F_IGNORE = -2;
/** Folds to several symbols: see `expansionOf`. */
export const F_EXPAND = -3;
/** `@` / `$`: see `leetAt`. */
export const F_LEET = -4;
/** A UTF-16 surrogate: decode the pair (or treat a lone one as noise). */
export const F_SURROGATE = -5;

// Kinds written by the generator (keep in sync with scripts/engine/generate-tables.ts).
const K_NOISE = 0, K_IGNORE = 1, K_IDENTITY = 2, K_MAP = 3, K_EXPAND = 4, K_LEET = 5, K_SURROGATE = 6;

/** Folded value of every BMP code unit (see the F_* markers). */
export const FOLD_BMP = new Int32Array(0x10000);
const expansions = new Map<number, Int32Array>();
/** Astral code points: run starts and kinds (binary searched), plus explicit maps. */
const astralStarts: number[] = [];
const astralKinds: number[] = [];
const astralMapped = new Map<number, number>();

(function decode() {
  const mappedCps = Array.from(FOLD_MAPPED, (c) => c.codePointAt(0)!);
  const expanded = FOLD_EXPANDED.split(",");
  let mi = 0, xi = 0, cp = 0;
  const valueOf = (kind: number, cp: number): number => {
    switch (kind) {
      case K_NOISE: return F_NOISE;
      case K_IGNORE: return F_IGNORE;
      case K_IDENTITY: return cp;
      case K_MAP: return mappedCps[mi++]!;
      case K_EXPAND: expansions.set(cp, Int32Array.from(expanded[xi++]!, (c) => c.codePointAt(0)!)); return F_EXPAND;
      case K_LEET: return F_LEET;
      case K_SURROGATE: return F_SURROGATE;
      default: throw new Error("engine: corrupt fold table");
    }
  };
  for (let r = 0; r < FOLD_RUNS.length; r += 2) {
    const kind = FOLD_RUNS[r]!, end = cp + FOLD_RUNS[r + 1]!;
    for (; cp < end && cp < 0x10000; cp++) FOLD_BMP[cp] = valueOf(kind, cp);
    if (cp >= end) continue;
    // Astral: keep the run; only MAP / EXPAND need per-code-point data.
    astralStarts.push(cp);
    astralKinds.push(kind);
    if (kind === K_MAP || kind === K_EXPAND) {
      for (; cp < end; cp++) {
        const v = valueOf(kind, cp);
        if (kind === K_MAP) astralMapped.set(cp, v);
      }
    }
    cp = end;
  }
})();

/**
 * Per block of 256 astral code points (index (cp - 0x10000) >> 8): 1 if every one of them
 * folds to F_NOISE (the emoji blocks, mostly), so the scan treats such a surrogate pair as
 * noise without folding it (foldCodePoint's binary search costs more than the rest of a
 * noise character).
 */
export const ASTRAL_NOISE_BLOCKS = new Uint8Array(0x1000);
for (let b = 0, r = 0; b < 0x1000; b++) {
  const start = 0x10000 + (b << 8), end = start + 0x100;
  while (r + 1 < astralStarts.length && astralStarts[r + 1]! <= start) r++;
  // foldCodePoint: the run with the last start <= cp; noise if it is K_NOISE and reaches the block's end.
  if (astralStarts[r]! <= start && astralKinds[r] === K_NOISE && (r + 1 === astralStarts.length || astralStarts[r + 1]! >= end)) {
    ASTRAL_NOISE_BLOCKS[b] = 1;
  }
}

/** Fold one code point: a symbol (>= 0) or an F_* marker. Astral code points included. */
export function foldCodePoint(cp: number): number {
  if (cp < 0x10000) return FOLD_BMP[cp]!;
  let lo = 0, hi = astralStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (astralStarts[mid]! <= cp) lo = mid;
    else hi = mid - 1;
  }
  switch (astralKinds[lo]) {
    case K_IDENTITY: return cp;
    case K_MAP: return astralMapped.get(cp) ?? F_NOISE;
    case K_EXPAND: return expansions.has(cp) ? F_EXPAND : F_NOISE;
    case K_IGNORE: return F_IGNORE;
    default: return F_NOISE;
  }
}

/** Symbols of a code point whose fold is F_EXPAND. */
export function expansionOf(cp: number): Int32Array {
  return expansions.get(cp)!;
}

/** Han, kana and CJK symbols: scripts without spaces, so no word boundaries. */
export function isCjk(cp: number): boolean {
  return (
    (cp >= 0x2e80 && cp <= 0x2fdf) ||
    (cp >= 0x3005 && cp <= 0x3007) ||
    (cp >= 0x3021 && cp <= 0x3029) ||
    (cp >= 0x3038 && cp <= 0x30ff) ||
    (cp >= 0x31f0 && cp <= 0x31ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xff66 && cp <= 0xff9f) ||
    (cp >= 0x20000 && cp <= 0x3ffff)
  );
}

/**
 * Scripts whose words the whole-word rule cannot see: CJK (isCjk); Hangul, whose nouns take their
 * particles without a space (사기를 = 사기 + 를); Thai, Lao, Tibetan, Myanmar and Khmer, written
 * without spaces between words. Their characters are not word characters, and a term's end in
 * one of them is not whole-word (before 2026-12-07 only CJK was exempt: 마약을 팔아요 and
 * ขายยาเสพติด missed their terms).
 */
export function isUnspaced(cp: number): boolean {
  return (
    isCjk(cp) ||
    (cp >= 0x0e00 && cp <= 0x109f) || // Thai, Lao, Tibetan, Myanmar
    (cp >= 0x1100 && cp <= 0x11ff) || // Hangul Jamo
    (cp >= 0x1780 && cp <= 0x17ff) || // Khmer
    (cp >= 0x19e0 && cp <= 0x19ff) || // Khmer symbols
    (cp >= 0x3130 && cp <= 0x318f) || // Hangul compatibility Jamo
    (cp >= 0xa960 && cp <= 0xa97f) || // Hangul Jamo extended-A
    (cp >= 0xa9e0 && cp <= 0xa9ff) || // Myanmar extended-B
    (cp >= 0xaa60 && cp <= 0xaa7f) || // Myanmar extended-A
    (cp >= 0xac00 && cp <= 0xd7ff) || // Hangul syllables, Jamo extended-B
    (cp >= 0xffa0 && cp <= 0xffdc) // half-width Hangul
  );
}

const isWordUnit = (u: number): boolean => {
  const v = FOLD_BMP[u]!;
  return (v >= 0 || v === F_EXPAND) && !isUnspaced(u);
};

/** Longest run of `@`/`$` looked through by `leetAt` (keeps it O(1) per character). */
const LEET_REACH = 4;

/**
 * Whether the `@`/`$` at `i` stands for a letter: the nearest code unit that is
 * not `@`/`$` on either side (within LEET_REACH) is a word symbol ("pa$$", "p@ss").
 */
export function leetAt(text: string, i: number): boolean {
  for (let j = i - 1; j >= 0 && j >= i - LEET_REACH; j--) {
    const u = text.charCodeAt(j);
    if (FOLD_BMP[u] !== F_LEET) {
      if (isWordUnit(u)) return true;
      break;
    }
  }
  for (let j = i + 1; j < text.length && j <= i + LEET_REACH; j++) {
    const u = text.charCodeAt(j);
    if (FOLD_BMP[u] !== F_LEET) return isWordUnit(u);
  }
  return false;
}

export const leetLetter = (u: number): number => (u === 0x40 ? 0x61 /* a */ : 0x73 /* s */);

/**
 * Fold the code point at `i`. Writes its symbols into `out` and returns their
 * count, or a negative F_NOISE / F_IGNORE. `step(text, i)` gives its width.
 */
export function symbolsAt(text: string, i: number, out: Int32Array): number {
  const u = text.charCodeAt(i);
  let v = FOLD_BMP[u]!;
  let cp = u;
  if (v === F_SURROGATE) {
    const lo = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
    if (u > 0xdbff || lo < 0xdc00 || lo > 0xdfff) return F_NOISE; // lone surrogate
    cp = ((u - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
    v = foldCodePoint(cp);
  }
  if (v >= 0) {
    out[0] = v;
    return 1;
  }
  if (v === F_EXPAND) {
    const x = expansionOf(cp);
    out.set(x);
    return x.length;
  }
  if (v === F_LEET) {
    if (!leetAt(text, i)) return F_NOISE;
    out[0] = leetLetter(u);
    return 1;
  }
  return v; // F_NOISE or F_IGNORE
}

/** Width in code units of the code point at `i` (2 for a valid surrogate pair). */
export function step(text: string, i: number): number {
  const u = text.charCodeAt(i);
  if (u >= 0xd800 && u <= 0xdbff && i + 1 < text.length) {
    const lo = text.charCodeAt(i + 1);
    if (lo >= 0xdc00 && lo <= 0xdfff) return 2;
  }
  return 1;
}

const scratch = new Int32Array(8);

/** Whether the code point at `i` is a word character (for whole-word checks). */
function isWordAt(text: string, i: number): boolean {
  const n = symbolsAt(text, i, scratch);
  if (n <= 0) return false;
  return !isUnspaced(text.codePointAt(i)!);
}

/**
 * Whether the original text has a word boundary just before `start` (`before`)
 * or just after `end`: the nearest non-IGNORE code point there is not a word
 * character. Looks only at original text, so it works whatever was skipped.
 */
/** ASCII other than `@` / `$`: 0 = not a word character, 1 = letter or digit; 2 = needs the general path. */
const ASCII_WORD = new Uint8Array(128).map((_, u) =>
  u === 0x40 || u === 0x24 ? 2 : (u >= 0x30 && u <= 0x39) || (u >= 0x41 && u <= 0x5a) || (u >= 0x61 && u <= 0x7a) ? 1 : 0,
);

export function boundaryBefore(text: string, start: number): boolean {
  if (start === 0) return true;
  const u = text.charCodeAt(start - 1);
  if (u < 0x80 && ASCII_WORD[u] !== 2) return ASCII_WORD[u] === 0; // the common case
  let i = start - 1;
  while (i >= 0) {
    if (i > 0 && text.charCodeAt(i) >= 0xdc00 && text.charCodeAt(i) <= 0xdfff && step(text, i - 1) === 2) i--;
    const n = symbolsAt(text, i, scratch);
    if (n === F_IGNORE) { i--; continue; }
    return !(n > 0 && !isUnspaced(text.codePointAt(i)!));
  }
  return true;
}

export function boundaryAfter(text: string, end: number): boolean {
  if (end >= text.length) return true;
  const u = text.charCodeAt(end);
  if (u < 0x80 && ASCII_WORD[u] !== 2) return ASCII_WORD[u] === 0; // the common case
  let i = end;
  while (i < text.length) {
    const n = symbolsAt(text, i, scratch);
    if (n === F_IGNORE) { i += step(text, i); continue; }
    return !isWordAt(text, i);
  }
  return true;
}
