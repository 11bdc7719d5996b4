import { sql, type SQL } from "drizzle-orm";
import { newId } from "./ids";
import { outboxRowsStatement, outboxStatement, type OutboxRowsWrite, type OutboxWrite } from "./outbox";

export type ReviewSubjectType = "post" | "account";
export type ReviewSource = "screening" | "spread" | "report" | "registration" | "appeal";

export interface ReviewSignal {
  subjectType: ReviewSubjectType;
  subjectId: string;
  source: ReviewSource;
  /** Why review is asked for, e.g. `term_match`, `spread_threshold`, `reported_fraud`. */
  reasonCode: string;
  /**
   * Makes the write idempotent: a second signal with the same key attaches nothing. Producers use
   * `reviewDedupeKey` so every retry of one event has one key.
   */
  dedupeKey: string;
  /** A screening category or report reason, when there is one. */
  category?: string | null;
  /** 1–10 (the scale of screening categories); defaults by source (`DEFAULT_SEVERITY`). */
  severity?: number;
  /** Non-personal details (counts, categories, verdict): never identity data or post text. */
  details?: Record<string, unknown> | null;
  createdAt: number;
}

/** Severity of a signal whose producer gives none. */
export const DEFAULT_SEVERITY: Record<ReviewSource, number> = { screening: 5, spread: 5, report: 2, registration: 4, appeal: 4 };

/** Severity of a user report by its reason (the same 1–10 scale as screening categories). */
export const REPORT_REASON_SEVERITY: Record<string, number> = {
  terrorism: 9,
  violence: 8,
  pornography: 7,
  fraud: 6,
  rumour: 5,
  harassment: 5,
  spam: 3,
  other: 2,
};

/** Caps of the priority terms: velocity counts up to this many reposts per hour, reporters up to this many. */
export const PRIORITY_VELOCITY_CAP = 500;
export const PRIORITY_REPORTERS_CAP = 50;

/**
 * The reason code of the one escalation signal (source `report`) a subject's item gets when enough
 * distinct reporters report it within the window (workers/moderation/src/reporters.ts). It is not a
 * reporter: it adds one severity step (`PRIORITY_ESCALATION_BONUS`) to the item's priority instead.
 */
export const REPORT_ESCALATION_REASON = "report_threshold";
export const PRIORITY_ESCALATION_BONUS = 100;

/**
 * priority = 100 × worst severity (1–10) + min(reposts per hour, 500) + 10 × min(distinct reporters, 50)
 * (+ 100 once the reports crossed the escalation threshold).
 * A severity step outweighs 100 reposts an hour or 10 reporters; spread and reports together can
 * lift a mild item (severity 5) level with the gravest one (10). The migration that backfilled
 * items (0019_moderation_signals_backfill) uses the same expression.
 */
function priorityExpr(severity: SQL, velocity: SQL, reporters: SQL, escalated: SQL = sql`0`): SQL {
  return sql`(${severity}) * 100 + min((${velocity}), ${sql.raw(String(PRIORITY_VELOCITY_CAP))}) + 10 * min((${reporters}), ${sql.raw(String(PRIORITY_REPORTERS_CAP))}) + ${sql.raw(String(PRIORITY_ESCALATION_BONUS))} * (${escalated})`;
}

/** Reposts per hour of the item's post, from the reposts worker's D1 flush (`post_spread`); 0 for accounts. */
function velocityExpr(now: number): SQL {
  return sql`CASE WHEN review_queue.subject_type = 'post' THEN coalesce((SELECT ps.reposts * 3600000 / max(3600000, ${now} - ps.created_at) FROM post_spread ps WHERE ps.root_post_id = review_queue.subject_id), 0) ELSE 0 END`;
}

/**
 * Recomputes the stored priority and its terms of the open item `itemId` (an SQL expression: an id
 * or a subquery yielding one) from its open signals and the post's spread. A no-op for decided items.
 */
function recomputeStatement(itemId: SQL, now: number): SQL {
  const velocity = velocityExpr(now);
  return sql`UPDATE review_queue SET severity = m.severity, reporters = m.reporters, signal_count = m.signals, last_signal_at = m.last_at,
      velocity = ${velocity}, priority = ${priorityExpr(sql`m.severity`, velocity, sql`m.reporters`, sql`m.escalated`)}
    FROM (SELECT review_item_id AS id, max(severity) AS severity, count(*) AS signals, max(created_at) AS last_at,
            sum(source = 'report' AND reason_code <> ${REPORT_ESCALATION_REASON}) AS reporters, max(source = 'report' AND reason_code = ${REPORT_ESCALATION_REASON}) AS escalated
          FROM review_signals WHERE review_item_id = ${itemId} AND status = 'open' GROUP BY review_item_id) AS m
    WHERE review_queue.id = m.id AND review_queue.status = 'open'`;
}

/** The dedupe key of an event: `<source>:<subjectType>:<subjectId>:<event>`. */
export function reviewDedupeKey(source: ReviewSource, subjectType: ReviewSubjectType, subjectId: string, event: string): string {
  return `${source}:${subjectType}:${subjectId}:${event}`;
}

/** The open item's id of a subject, as an SQL scalar (NULL when none is open). */
export function openItemOf(subjectType: ReviewSubjectType, subjectId: string): SQL {
  return sql`(SELECT id FROM review_queue WHERE subject_type = ${subjectType} AND subject_id = ${subjectId} AND status = 'open')`;
}

/**
 * The statements that attach a signal to its subject's single open item, opening the item when
 * none is open, and recompute the item's priority — for the caller's `runAtomic` batch
 * (pkg/batch.ts) beside the change that raised it. Spread them in order (`...reviewSignal(s)`).
 *
 * 1. the signal, attached to the open item or, if none is open, to the new id `options.id`;
 * 2. the item `options.id`, opened only if the signal of 1 was just attached to it;
 * 3. the priority of the item the signal belongs to.
 *
 * A batch is one transaction and D1 runs one at a time, so concurrent signals about one subject
 * converge on one item; the partial unique index `review_queue_open_subject_uq` would refuse a
 * second open item if they ever did not. A repeated signal (same dedupe key) attaches and opens
 * nothing. `onlyIf` (an SQL condition, e.g. `changes() = 1` of the statement just before) attaches
 * the signal only when the change happened.
 *
 * When 2 opens a new item, a `review.opened` event is written right after it (pkg/outbox.ts); the
 * result's `opened` is that write, for `committedEventIds` and `relayAfterCommit`.
 */
export function reviewSignal(signal: ReviewSignal, options: { onlyIf?: SQL; id?: string; now?: number; requestId?: string | null } = {}): SQL[] & { opened: OutboxWrite } {
  const itemId = options.id ?? newId("rvw");
  const severity = Math.min(10, Math.max(1, Math.round(signal.severity ?? DEFAULT_SEVERITY[signal.source])));
  const details = signal.details ? JSON.stringify(signal.details) : null;
  // An INSERT … SELECT with an upsert clause needs a WHERE to parse unambiguously (SQLite docs).
  const attach = sql`INSERT INTO review_signals (id, review_item_id, dedupe_key, subject_type, subject_id, source, reason_code, category, severity, details, status, created_at)
    SELECT ${newId("sig")}, coalesce(${openItemOf(signal.subjectType, signal.subjectId)}, ${itemId}), ${signal.dedupeKey}, ${signal.subjectType}, ${signal.subjectId},
      ${signal.source}, ${signal.reasonCode}, ${signal.category ?? null}, ${severity}, ${details}, 'open', ${signal.createdAt}
    WHERE ${options.onlyIf ?? sql`1`} ON CONFLICT(dedupe_key) DO NOTHING`;
  const open = sql`INSERT INTO review_queue (id, dedupe_key, subject_type, subject_id, source, reason_code, status, details, created_at)
    SELECT review_item_id, dedupe_key, subject_type, subject_id, source, reason_code, 'open', details, created_at
    FROM review_signals WHERE dedupe_key = ${signal.dedupeKey} AND review_item_id = ${itemId}`;
  const recompute = recomputeStatement(sql`(SELECT review_item_id FROM review_signals WHERE dedupe_key = ${signal.dedupeKey})`, options.now ?? Date.now());
  // Only when `open` just inserted the item: a signal joining an open item opens nothing.
  const opened = outboxStatement(
    {
      type: "review.opened",
      subject: { type: "review_item", id: itemId },
      payload: { reviewItemId: itemId, subjectType: signal.subjectType, subjectId: signal.subjectId, source: signal.source, reasonCode: signal.reasonCode, category: signal.category ?? null },
      occurredAt: signal.createdAt,
    },
    options.requestId,
    { onlyIf: sql`changes() = 1 AND EXISTS (SELECT 1 FROM review_queue WHERE id = ${itemId} AND dedupe_key = ${signal.dedupeKey})` },
  );
  return Object.assign([attach, open, opened.statement, recompute], { opened });
}

/** The condition under which `by` may act on a claimable item: nobody holds it, `by` does, or the lease ran out. */
function claimFreeFor(by: string, now: number): SQL {
  return sql`(claimed_by IS NULL OR claimed_by = ${by} OR claimed_until <= ${now})`;
}

/**
 * Decides the open item `itemId` unless another operator holds a live claim on it; releases the
 * claim. Its `changes()` is 1 only for the request that decided: put the audit entry right after
 * it (`onlyIf: changes() = 1`) and `closeSubjectSignals` after that.
 */
export function decideItem(p: { itemId: string; decision: string; decidedBy: string; at: number }): SQL {
  return sql`UPDATE review_queue SET status = 'decided', decision = ${p.decision}, decided_at = ${p.at}, decided_by = ${p.decidedBy}, claimed_by = NULL, claimed_until = NULL
    WHERE id = ${p.itemId} AND status = 'open' AND ${claimFreeFor(p.decidedBy, p.at)}`;
}

/** Closes every open signal of a subject, only if `onlyIf` holds (e.g. the decision's audit row exists). */
export function closeSubjectSignals(subjectType: ReviewSubjectType, subjectId: string, at: number, onlyIf: SQL): SQL {
  return sql`UPDATE review_signals SET status = 'closed', closed_at = ${at}
    WHERE subject_type = ${subjectType} AND subject_id = ${subjectId} AND status = 'open' AND ${onlyIf}`;
}

/**
 * Resolves one source's open signals of a subject outside the queue (registration's identity
 * review): closes them, decides the open item if nothing else is open on it (with its
 * `review.decided` event, the result's `decided`), and otherwise recomputes its priority from
 * what remains.
 */
export function resolveSourceSignals(p: { subjectType: ReviewSubjectType; subjectId: string; source: ReviewSource; decision: string; decidedBy: string; at: number; requestId?: string | null }): SQL[] & { decided: OutboxRowsWrite } {
  const item = openItemOf(p.subjectType, p.subjectId);
  // The item this batch just decided, if any: changes() is the decide statement's, right before.
  const decided = outboxRowsStatement(
    {
      type: "review.decided",
      subjectType: "review_item",
      rows: sql`SELECT id AS subject_id, json_object('reviewItemId', id, 'action', ${p.decision}, 'source', ${p.source}, 'subjectType', subject_type, 'subjectId', subject_id) AS payload
        FROM review_queue WHERE changes() = 1 AND subject_type = ${p.subjectType} AND subject_id = ${p.subjectId} AND status = 'decided' AND decided_at = ${p.at} AND decided_by = ${p.decidedBy}`,
      occurredAt: p.at,
    },
    p.requestId,
  );
  const statements = [
    sql`UPDATE review_signals SET status = 'closed', closed_at = ${p.at}
      WHERE subject_type = ${p.subjectType} AND subject_id = ${p.subjectId} AND source = ${p.source} AND status = 'open'`,
    sql`UPDATE review_queue SET status = 'decided', decision = ${p.decision}, decided_at = ${p.at}, decided_by = ${p.decidedBy}, claimed_by = NULL, claimed_until = NULL
      WHERE subject_type = ${p.subjectType} AND subject_id = ${p.subjectId} AND status = 'open'
        AND NOT EXISTS (SELECT 1 FROM review_signals s WHERE s.review_item_id = review_queue.id AND s.status = 'open')`,
    decided.statement,
    recomputeStatement(item, p.at),
  ];
  return Object.assign(statements, { decided });
}

/** Claims (or renews the claim of) an open item for `by` until `until`; changes() = 1 when granted. */
export function claimItem(p: { itemId: string; by: string; now: number; until: number }): SQL {
  return sql`UPDATE review_queue SET claimed_by = ${p.by}, claimed_until = ${p.until}
    WHERE id = ${p.itemId} AND status = 'open' AND ${claimFreeFor(p.by, p.now)}`;
}

/** Releases a live claim held by `by` (or by anyone, for an admin); changes() = 1 when released. */
export function releaseClaim(p: { itemId: string; by: string; anyHolder: boolean; now: number }): SQL {
  return sql`UPDATE review_queue SET claimed_by = NULL, claimed_until = NULL
    WHERE id = ${p.itemId} AND claimed_by IS NOT NULL AND claimed_until > ${p.now} AND (claimed_by = ${p.by} OR ${p.anyHolder ? 1 : 0} = 1)`;
}

/**
 * Decides many open items at once (bulk decisions): `itemIds` is an SQL subquery yielding item
 * ids; only items still open are decided, and their claims are released.
 */
export function decideItems(p: { itemIds: SQL; decision: string; decidedBy: string; at: number }): SQL {
  return sql`UPDATE review_queue SET status = 'decided', decision = ${p.decision}, decided_at = ${p.at}, decided_by = ${p.decidedBy}, claimed_by = NULL, claimed_until = NULL
    WHERE id IN ${p.itemIds} AND status = 'open'`;
}

/** Closes the open signals that `subjectMatch` (an SQL condition over `review_signals`) selects. */
export function closeSignalsWhere(subjectMatch: SQL, at: number): SQL {
  return sql`UPDATE review_signals SET status = 'closed', closed_at = ${at} WHERE status = 'open' AND ${subjectMatch}`;
}

/**
 * Reopens a decided item whose action could not be applied, with the signals its decision
 * closed (those closed at `decidedAt`) — only if `onlyIf` holds and no newer item of the subject
 * is open (one open item per subject).
 */
export function reopenItem(p: { itemId: string; subjectType: ReviewSubjectType; subjectId: string; decidedAt: number; onlyIf: SQL }): SQL[] {
  return [
    sql`UPDATE review_queue SET status = 'open', decision = NULL, decided_at = NULL, decided_by = NULL
      WHERE id = ${p.itemId} AND status = 'decided' AND ${p.onlyIf}
        AND NOT EXISTS (SELECT 1 FROM review_queue o WHERE o.subject_type = ${p.subjectType} AND o.subject_id = ${p.subjectId} AND o.status = 'open')`,
    sql`UPDATE review_signals SET status = 'open', closed_at = NULL
      WHERE review_item_id = ${p.itemId} AND status = 'closed' AND closed_at = ${p.decidedAt} AND ${p.onlyIf}
        AND EXISTS (SELECT 1 FROM review_queue WHERE id = ${p.itemId} AND status = 'open')`,
  ];
}

/**
 * Resolves one signal (by its dedupe key) outside the queue's decision route — an appeal decided
 * by `POST /v1/appeals/{id}/decision`: closes it, decides its item if nothing else is open on it
 * (the claim released), and otherwise recomputes the item's priority from what remains. Each
 * statement acts only if `onlyIf` holds (e.g. the appeal decision's audit row exists).
 */
export function resolveSignal(p: { dedupeKey: string; decision: string; decidedBy: string; at: number; onlyIf: SQL }): SQL[] {
  const item = sql`(SELECT review_item_id FROM review_signals WHERE dedupe_key = ${p.dedupeKey})`;
  return [
    sql`UPDATE review_signals SET status = 'closed', closed_at = ${p.at} WHERE dedupe_key = ${p.dedupeKey} AND status = 'open' AND ${p.onlyIf}`,
    sql`UPDATE review_queue SET status = 'decided', decision = ${p.decision}, decided_at = ${p.at}, decided_by = ${p.decidedBy}, claimed_by = NULL, claimed_until = NULL
      WHERE id = ${item} AND status = 'open' AND ${p.onlyIf}
        AND NOT EXISTS (SELECT 1 FROM review_signals s WHERE s.review_item_id = review_queue.id AND s.status = 'open')`,
    recomputeStatement(item, p.at),
  ];
}
