/** Input checks on screened text. */

/** The text limit: 64 KiB of UTF-8, the size the caller actually sends. */
export const MAX_TEXT_BYTES = 65_536;
export const MAX_TITLE_BYTES = 1_024;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** JSON allows `"\ud800"`; such strings cannot be encoded as UTF-8 and are refused. */
export function hasLoneSurrogate(s: string): boolean {
  return LONE_SURROGATE.test(s);
}

export function utf8Length(s: string): number {
  // Well-formed strings only (checked first): 1 byte < U+0080, 2 < U+0800, surrogate pairs 4, else 3.
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** A short excerpt of a match for the response (never logged, never stored). */
export function excerpt(text: string, start: number, end: number, max = 64): string {
  return end - start <= max ? text.slice(start, end) : text.slice(start, start + max);
}
