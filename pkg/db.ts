import { drizzle } from "drizzle-orm/d1";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import * as schema from "../db/schema";

/** The Drizzle client of the shared D1 database; cheap, create one per request. */
export function createDb(d1: D1Database) {
  return drizzle(d1, { schema });
}
export type Db = ReturnType<typeof createDb>;
export { schema };

/** D1 binds at most this many parameters in one statement. */
const D1_MAX_BOUND_PARAMETERS = 100;

/**
 * Insert statements for `rows` (all with the same columns), as many rows per statement as
 * D1's bound-parameter limit allows, for the caller's `db.batch` (one transaction).
 */
export function chunkedInserts<T extends SQLiteTable>(db: Db, table: T, rows: T["$inferInsert"][]) {
  const size = Math.max(1, Math.floor(D1_MAX_BOUND_PARAMETERS / Math.max(1, Object.keys(rows[0] ?? {}).length)));
  const statements = [];
  for (let i = 0; i < rows.length; i += size) statements.push(db.insert(table).values(rows.slice(i, i + size)));
  return statements;
}
