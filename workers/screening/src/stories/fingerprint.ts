/**
 * Story fingerprints: MinHash over character bigrams of a post's normalised text, cut into LSH
 * bands. Pure; used by screening (grouping) and by bench/stories (quality and cost).
 *
 * Normalisation uses the screening engine's own folding (engine/fold.ts): full-width → ASCII,
 * traditional → simplified, look-alikes, case; noise (spaces, punctuation, emoji, symbols) and
 * invisible characters are dropped. Before folding, parts that copies add or change without
 * changing the story are cut: URLs, @mentions and #topic# markers. What remains is a string of
 * folded symbols; its bigrams are the shingles (see README.md for why bigrams and MinHash).
 */
import { base64ToBytes, bytesToBase64 } from "../../../../pkg/encoding";
import { F_IGNORE, F_NOISE, symbolsAt, step } from "../../engine/fold";

/** Number of MinHash values in a signature. */
export const HASHES = 128;
/** LSH: `BANDS` bands of `ROWS` values each (the first BANDS × ROWS values of the signature). */
export const BANDS = 32;
export const ROWS = 2;

const URL_RE = /(?:https?:\/\/|www\.)[^\s\u3000-\u303f\uff01-\uff5e]+/giu;
const MENTION_RE = /[@＠][\p{L}\p{N}_\-]{1,30}/gu;
const TOPIC_RE = /[#＃][^#＃\n]{1,40}[#＃]/gu;

/** Folded symbols of `text` (noise and invisible characters dropped), at most `max` of them. */
export function normalise(text: string, max = 20_000): Int32Array {
  const cleaned = text.replace(URL_RE, " ").replace(TOPIC_RE, " ").replace(MENTION_RE, " ");
  const out = new Int32Array(Math.min(max, cleaned.length * 2));
  const scratch = new Int32Array(8);
  let n = 0;
  for (let i = 0; i < cleaned.length && n < out.length; i += step(cleaned, i)) {
    const k = symbolsAt(cleaned, i, scratch);
    if (k === F_NOISE || k === F_IGNORE || k <= 0) continue;
    for (let j = 0; j < k && n < out.length; j++) out[n++] = scratch[j]!;
  }
  return out.subarray(0, n);
}

/** A 32-bit mix of a bigram (two folded symbols): the shingle's one hash. */
export function shingleHash(a: number, b: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x632be5ab, 0x85ebca77);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  return h ^ (h >>> 16);
}

/** log2(HASHES): a shingle's bin is the top bits of its hash. */
const BIN_SHIFT = 32 - Math.log2(HASHES);
const EMPTY = 0x7fffffff;

/**
 * The MinHash signature of normalised symbols (HASHES values), or null when there are fewer than
 * two symbols: one-permutation MinHash (each bigram hashed once, its hash kept as the minimum of
 * its bin) with optimal densification (Shrivastava, ICML 2017: an empty bin takes the value of the
 * first non-empty bin on its own fixed pseudo-random probe sequence, the same in every text), so
 * two signatures agree at a position with probability equal to the texts' Jaccard similarity,
 * like HASHES independent permutations, at the cost of one hash per bigram. Minima are compared as
 * h ^ 2^31 in int32 (the order of the unsigned h).
 */
export function signatureOf(symbols: Int32Array): Uint32Array | null {
  if (symbols.length < 2) return null;
  const min = new Int32Array(HASHES).fill(EMPTY);
  for (let i = 1; i < symbols.length; i++) {
    const h = shingleHash(symbols[i - 1]!, symbols[i]!);
    const bin = h >>> BIN_SHIFT;
    const v = h ^ 0x80000000;
    if (v < min[bin]!) min[bin] = v;
  }
  const sig = new Uint32Array(HASHES);
  for (let k = 0; k < HASHES; k++) {
    let v = min[k]!;
    // Probe j of bin k: a fixed hash of (k, j); some bin is full, so this ends (the bound is for safety).
    for (let j = 1; v === EMPTY && j < 4096; j++) v = min[shingleHash(k + 0x10000, j) >>> BIN_SHIFT]!;
    sig[k] = (v ^ 0x80000000) >>> 0;
  }
  return sig;
}

/** Estimated Jaccard similarity of the two texts: the share of equal MinHash values. */
export function similarity(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let k = 0; k < HASHES; k++) if (a[k] === b[k]) same++;
  return same / HASHES;
}

/**
 * The LSH bucket of each band, as integers below 2^53: band × 2^32 + a 32-bit hash of its ROWS
 * values. Two texts share a bucket with probability 1 − (1 − J^ROWS)^BANDS (J: their similarity).
 */
export function bucketsOf(sig: Uint32Array): number[] {
  const out: number[] = [];
  for (let band = 0; band < BANDS; band++) {
    let h = 0x811c9dc5 ^ band;
    for (let r = 0; r < ROWS; r++) {
      h = Math.imul(h ^ sig[band * ROWS + r]!, 0x01000193);
      h ^= h >>> 13;
    }
    out.push(band * 0x1_0000_0000 + (h >>> 0));
  }
  return out;
}

/** Signature ⇄ text (base64 of the little-endian values), as stored in D1. */
export function encodeSignature(sig: Uint32Array): string {
  return bytesToBase64(new Uint8Array(sig.buffer, sig.byteOffset, sig.byteLength));
}

export function decodeSignature(text: string): Uint32Array | null {
  try {
    const bytes = base64ToBytes(text);
    return bytes.length === HASHES * 4 ? new Uint32Array(bytes.buffer, bytes.byteOffset, HASHES) : null;
  } catch {
    return null;
  }
}

export interface Fingerprint {
  /** Normalised length in symbols. */
  length: number;
  signature: Uint32Array;
  buckets: number[];
}

/** The fingerprint of a post's text, or null when its normalised text is shorter than `minChars`. */
export function fingerprint(text: string, minChars: number): Fingerprint | null {
  const symbols = normalise(text);
  if (symbols.length < Math.max(2, minChars)) return null;
  const signature = signatureOf(symbols);
  if (!signature) return null;
  return { length: symbols.length, signature, buckets: bucketsOf(signature) };
}
