import { ApiError } from "./errors";

export const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** Media types other than JSON that paths matching `path` accept (CSV term imports). */
export interface AlsoAccept {
  path: RegExp;
  types: string[];
}

/**
 * The media-type and JSON checks of a request body, in this order: a body with no or another
 * media type is 415; JSON that does not parse — an empty body declared as JSON included — is
 * 400 `malformed_json`. A request with no body and no media type passes (the route decides
 * whether it needs one). Returns the parsed JSON, or undefined for other accepted types.
 */
export function checkBody(text: string, contentType: string | undefined, path: string, alsoAccept: AlsoAccept[] = []): unknown {
  const mediaType = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (text.length === 0 && mediaType === "") return undefined;
  if (JSON_TYPE.test(mediaType)) {
    try {
      return JSON.parse(text);
    } catch {
      throw new ApiError(400, "malformed_json", text.length === 0 ? "The request body is empty; send a JSON document." : "The request body is not valid JSON.");
    }
  }
  if (alsoAccept.some((a) => a.path.test(path) && a.types.includes(mediaType))) return undefined;
  throw new ApiError(415, "unsupported_media_type", `Send the body as application/json${mediaType ? `, not ${mediaType}` : " (Content-Type header missing)"}.`);
}

/**
 * Reads a request body once, counting bytes as they stream in: past `limit` the stream is
 * cancelled and the request refused with 413, whether or not it declared a length.
 */
export async function readBodyWithin(request: Request, limit: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw bodyTooLarge(limit);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

export function bodyTooLarge(limit: number): ApiError {
  return new ApiError(413, "body_too_large", `The request body is larger than ${limit} bytes, the limit of this endpoint.`);
}
