/**
 * Base64 and base64url, the one implementation every worker uses (vault ciphertexts, policy
 * chunks, API keys, cursors). Large inputs are converted in pieces: `String.fromCharCode`
 * with a spread of a megabyte would overflow the stack.
 */
const PIECE = 0x6000; // a multiple of 3, so the pieces' base64 concatenates without padding inside

export function bytesToBase64(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += PIECE) {
    out += btoa(String.fromCharCode.apply(null, bytes.subarray(i, i + PIECE) as unknown as number[]));
  }
  return out;
}

/** Decodes base64 into `out` from `at` and returns where it ended. Throws on input that is not base64 or does not fit. */
export function base64DecodeInto(b64: string, out: Uint8Array, at: number): number {
  const bin = atob(b64);
  if (at + bin.length > out.length) throw new RangeError("decoded base64 does not fit");
  return binaryInto(bin, out, at);
}

/** Throws on input that is not base64. */
export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  binaryInto(bin, out, 0);
  return out;
}

/** Copies a binary string (atob's output: one byte per code unit) into `out` from `at`; where it ended. */
function binaryInto(bin: string, out: Uint8Array, at: number): number {
  for (let i = 0; i < bin.length; i++) out[at + i] = bin.charCodeAt(i);
  return at + bin.length;
}

/** URL- and filename-safe base64 (RFC 4648 §5), without padding. */
export function bytesToBase64Url(bytes: Uint8Array): string {
  return bytesToBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Throws on input that is not base64url. */
export function base64UrlToBytes(b64url: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(b64url)) throw new Error("not base64url");
  return base64ToBytes(b64url.replace(/-/g, "+").replace(/_/g, "/"));
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export function textToBase64Url(text: string): string {
  return bytesToBase64Url(utf8.encode(text));
}

/** Throws on input that is not base64url of UTF-8. */
export function base64UrlToText(b64url: string): string {
  return fromUtf8.decode(base64UrlToBytes(b64url));
}
