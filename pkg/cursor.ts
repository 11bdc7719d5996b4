import { base64UrlToText, textToBase64Url } from "./encoding";
import { ApiError } from "./errors";

/**
 * The one opaque keyset cursor of every list: the sort key and the id of the last row of a
 * page, so the next page is `WHERE (key, id) > (?, ?)` (or `<` for newest-first lists) —
 * stable under inserts, unique even when keys repeat, no OFFSET scans. Lists sorted by id
 * alone use the id as the key too. Clients treat the string as opaque; anything this module
 * did not write is 422 `invalid_cursor`.
 */
export interface CursorPosition {
  key: number | string;
  id: string;
}

export function encodeCursor(pos: CursorPosition): string {
  return textToBase64Url(JSON.stringify([pos.key, pos.id]));
}

/** The position a cursor holds; its key must be of the list's key type (numbers by default). */
export function decodeCursor(cursor: string | undefined, keyType?: "number"): { key: number; id: string } | undefined;
export function decodeCursor(cursor: string | undefined, keyType: "string"): { key: string; id: string } | undefined;
export function decodeCursor(cursor: string | undefined, keyType: "number" | "string" = "number"): CursorPosition | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [key, id, ...rest] = JSON.parse(base64UrlToText(cursor)) as unknown[];
    const keyOk = keyType === "number" ? typeof key === "number" && Number.isFinite(key) : typeof key === "string" && key.length <= 200;
    if (keyOk && typeof id === "string" && id.length <= 200 && rest.length === 0) return { key: key as number | string, id };
  } catch {
    /* fall through */
  }
  throw new ApiError(422, "invalid_cursor", "The cursor is not one this endpoint returned.");
}

/**
 * A page of a list read with `limit + 1` rows: the first `limit` rows and the cursor of the next
 * page, null exactly when there is none (the extra row says whether there is).
 */
export function pageOf<T>(rows: T[], limit: number, position: (row: T) => CursorPosition): { page: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return { page, nextCursor: rows.length > limit && page.length > 0 ? encodeCursor(position(page[page.length - 1]!)) : null };
}

/** The cursor of the page after `rows` (null when the page was not full: there is no next page). */
export function nextCursor<T>(rows: T[], limit: number, position: (row: T) => CursorPosition): string | null {
  return rows.length === limit && rows.length > 0 ? encodeCursor(position(rows[rows.length - 1]!)) : null;
}
