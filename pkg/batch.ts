import { type SQL, sql } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";

/**
 * The one way Gatehouse makes several D1 writes all-or-nothing.
 *
 * A D1 `batch` is one transaction: when any statement fails, nothing of it commits. So:
 *  - put every write of one change (the change, its audit entry, its review signal…) in one
 *    `runAtomic(d1, [...])` call;
 *  - to make the change conditional on what was read before it (optimistic concurrency), put a
 *    `guard(condition)` first: when the condition no longer holds, the guard's insert violates a
 *    NOT NULL constraint, the whole batch rolls back and `runAtomic` throws `GuardFailed`;
 *  - a statement that should merely do nothing (not abort) is written as a conditional insert or
 *    update (`... WHERE condition`) and its `meta.changes` read from the result.
 * Every value is a bound parameter: statements come from Drizzle builders, Drizzle `sql`
 * templates or `d1.prepare(...).bind(...)`, never from strings with inlined values.
 */
export type AtomicStatement = D1PreparedStatement | SQL | { toSQL(): { sql: string; params: unknown[] } };

const dialect = new SQLiteAsyncDialect();

/** A D1 prepared statement of any supported form, with its parameters bound. */
export function toPrepared(d1: D1Database, statement: AtomicStatement): D1PreparedStatement {
  if (isPrepared(statement)) return statement;
  const query = "toSQL" in statement && typeof statement.toSQL === "function" && !isSql(statement) ? statement.toSQL() : dialect.sqlToQuery(statement as SQL);
  return d1.prepare(query.sql).bind(...(query.params as unknown[]));
}

function isPrepared(s: AtomicStatement): s is D1PreparedStatement {
  return typeof (s as D1PreparedStatement).bind === "function" && typeof (s as D1PreparedStatement).run === "function";
}
function isSql(s: AtomicStatement): s is SQL {
  return typeof (s as SQL).getSQL === "function" && Array.isArray((s as SQL).queryChunks);
}

/** Thrown by `runAtomic` when a `guard` of the batch did not hold: nothing was written. */
export class GuardFailed extends Error {
  constructor() {
    super("a batch guard did not hold; the batch was rolled back");
    this.name = "GuardFailed";
  }
}

/**
 * A statement that aborts its batch unless `condition` (an SQL boolean expression, values
 * bound with `sql\`...\``) holds: it inserts NULL into `batch_guards.ok` (NOT NULL) only when
 * the condition is false. The table never holds a row.
 */
export function guard(condition: SQL): SQL {
  return sql`INSERT INTO batch_guards (ok) SELECT NULL WHERE NOT (${condition})`;
}

/** The text of an error and its causes (Drizzle and D1 wrap errors). */
export function errorText(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let i = 0; e && i < 5; i++) {
    parts.push(String((e as Error).message ?? e));
    e = (e as { cause?: unknown }).cause;
  }
  return parts.join(" | ");
}

/** True when `err` is a UNIQUE violation of the named index or `table.column` (or of any, without `target`). */
export function isUniqueViolation(err: unknown, target?: string): boolean {
  const text = errorText(err);
  return /UNIQUE constraint failed/i.test(text) && (target === undefined || text.includes(target));
}

/**
 * Runs `statements` as one transaction and returns D1's result of each. A failed `guard`
 * becomes `GuardFailed`; any other failure is rethrown as it came.
 */
export async function runAtomic(d1: D1Database, statements: AtomicStatement[]): Promise<D1Result[]> {
  if (statements.length === 0) return [];
  try {
    return await d1.batch(statements.map((s) => toPrepared(d1, s)));
  } catch (err) {
    if (errorText(err).includes("batch_guards.ok")) throw new GuardFailed();
    throw err;
  }
}
