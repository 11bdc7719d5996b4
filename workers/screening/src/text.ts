/** Input checks on screened text. */
import { ApiError } from "../../../pkg/errors";

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

function invalid(field: string, code: string, status: "text_too_long" | "invalid_text", message: string): ApiError {
  return new ApiError(422, status, message, { errors: [{ field, code, message }] });
}

/**
 * The checks every screened post's content passes before anything else (`POST /v1/screen` and
 * the draft's try-it alike): valid Unicode, and text and title within their UTF-8 limits.
 */
export function checkPostContent(body: { text: string; title?: string; links?: readonly string[] }): void {
  for (const [field, value, max] of [
    ["text", body.text, MAX_TEXT_BYTES],
    ["title", body.title, MAX_TITLE_BYTES],
  ] as const) {
    if (value === undefined) continue;
    if (hasLoneSurrogate(value)) throw invalid(field, "LONE_SURROGATE", "invalid_text", `${field} contains an unpaired UTF-16 surrogate; send valid Unicode.`);
    if (utf8Length(value) > max) throw invalid(field, "TOO_LONG", "text_too_long", `${field} is longer than ${max} bytes of UTF-8.`);
  }
  for (const [i, link] of (body.links ?? []).entries()) {
    if (hasLoneSurrogate(link)) throw invalid(`links[${i}]`, "LONE_SURROGATE", "invalid_text", `links[${i}] contains an unpaired UTF-16 surrogate.`);
  }
}

/** A short excerpt of a match for the response (never logged, never stored). */
export function excerpt(text: string, start: number, end: number, max = 64): string {
  return end - start <= max ? text.slice(start, end) : text.slice(start, start + max);
}
