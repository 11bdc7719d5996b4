import { sql, type SQL } from "drizzle-orm";
import { newId } from "./ids";

export type ReviewSubjectType = "post" | "account";
export type ReviewSource = "screening" | "spread" | "report" | "registration";

export interface ReviewSignal {
  subjectType: ReviewSubjectType;
  subjectId: string;
  source: ReviewSource;
  /** Why the item was opened, e.g. `term_match`, `spread_threshold`, `reported_fraud`. */
  reasonCode: string;
  /**
   * Makes the write idempotent: a second signal with the same key opens nothing. Producers use
   * `reviewDedupeKey` so every retry of one event has one key.
   */
  dedupeKey: string;
  /** Non-personal details (counts, categories, verdict): never identity data or post text. */
  details?: Record<string, unknown> | null;
  createdAt: number;
}

/** The dedupe key of an event: `<source>:<subjectType>:<subjectId>:<event>`. */
export function reviewDedupeKey(source: ReviewSource, subjectType: ReviewSubjectType, subjectId: string, event: string): string {
  return `${source}:${subjectType}:${subjectId}:${event}`;
}

/**
 * The only writer of `review_queue`: the statement that opens a review item for a signal,
 * for the caller's `runAtomic` batch (pkg/batch.ts) beside the change that raised it. A
 * repeated signal (same dedupe key) does nothing. `onlyIf` (an SQL condition, e.g.
 * `changes() = 1` of the statement before it) opens the item only when the change happened.
 */
export function reviewSignal(signal: ReviewSignal, options: { onlyIf?: SQL; id?: string } = {}): SQL {
  const values = sql`${options.id ?? newId("rvw")}, ${signal.dedupeKey}, ${signal.subjectType}, ${signal.subjectId}, ${signal.source}, ${signal.reasonCode}, 'open', ${signal.details ? JSON.stringify(signal.details) : null}, ${signal.createdAt}`;
  // An INSERT … SELECT with an upsert clause needs a WHERE to parse unambiguously (SQLite docs).
  return sql`INSERT INTO review_queue (id, dedupe_key, subject_type, subject_id, source, reason_code, status, details, created_at)
    SELECT ${values} WHERE ${options.onlyIf ?? sql`1`} ON CONFLICT(dedupe_key) DO NOTHING`;
}
