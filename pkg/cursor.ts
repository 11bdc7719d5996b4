import { ApiError } from "./errors";

/**
 * Opaque keyset-pagination cursors: the sort key and id of the last row of a page, so the
 * next page is `WHERE (key, id) > (?, ?)` — stable under inserts, no OFFSET scans.
 */
export interface CursorPosition {
  key: number;
  id: string;
}

export function encodeCursor(pos: CursorPosition): string {
  return btoa(JSON.stringify([pos.key, pos.id])).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeCursor(cursor: string | undefined): CursorPosition | undefined {
  if (cursor === undefined) return undefined;
  try {
    const json = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const [key, id] = JSON.parse(json) as unknown[];
    if (typeof key === "number" && Number.isFinite(key) && typeof id === "string" && id.length <= 100) return { key, id };
  } catch {
    /* fall through */
  }
  throw new ApiError(422, "invalid_cursor", "The cursor is not one this endpoint returned.");
}
