/**
 * Reports and reporters: one open report per (reporter, subject), muting of reporters whose
 * reports keep being dismissed, the escalation signal when many distinct reporters report one
 * subject, what a reporter learns (status, outcome) and the content a report may carry.
 *
 * Everything that must hold under concurrency is decided inside the one D1 batch that files the
 * report (D1 runs one batch at a time), never from a read made before it.
 */
import { sql, type SQL } from "drizzle-orm";
import { DAY_MS, evidenceKeys, sealEvidence, type EvidenceDocument } from "../../../pkg/evidence";
import { ApiError } from "../../../pkg/errors";
import { log } from "../../../pkg/log";
import type { OutboxWrite } from "../../../pkg/outbox";
import { openItemOf, REPORT_ESCALATION_REASON, reviewSignal, type ReviewSubjectType } from "../../../pkg/review-signals";
import { isoOrNull } from "../../../pkg/schemas";
import type { Env } from "./env";
import { intVar } from "../../../pkg/config";

export interface ReportConfig {
  /** Distinct (unmuted) reporters on one item within the window that escalate it. */
  escalationReporters: number;
  escalationWindowMs: number;
  /** A reporter whose last this-many decided reports were all dismissed is muted. */
  muteAfterDismissed: number;
}

/** The report vars, each its default when unset or not a positive whole number in range. */
export function reportConfig(env: Pick<Env, "REPORT_ESCALATION_REPORTERS" | "REPORT_ESCALATION_WINDOW_HOURS" | "REPORTER_MUTE_AFTER_DISMISSED">): ReportConfig {
  return {
    escalationReporters: intVar(env.REPORT_ESCALATION_REPORTERS, 10, 1, 100_000),
    escalationWindowMs: intVar(env.REPORT_ESCALATION_WINDOW_HOURS, 24, 1, 24 * 366) * 3_600_000,
    muteAfterDismissed: intVar(env.REPORTER_MUTE_AFTER_DISMISSED, 5, 1, 1000),
  };
}

/**
 * The item a report's status follows (an SQL scalar over the alias `r`): the item it joined, or —
 * for a muted report filed while none was open — the subject's first item opened after it.
 */
export const REPORT_ITEM_SQL = `coalesce(r.review_item_id, (SELECT q2.id FROM review_queue q2
  WHERE q2.subject_type = r.subject_type AND q2.subject_id = r.subject_id AND q2.created_at >= r.created_at
  ORDER BY q2.created_at, q2.id LIMIT 1))`;

/** True while the reporter has an open report of the subject (its item open, or none yet). */
function openReportExists(subjectType: ReviewSubjectType, subjectId: string, reporterId: string): SQL {
  return sql`EXISTS (SELECT 1 FROM reports r LEFT JOIN review_queue q ON q.id = ${sql.raw(REPORT_ITEM_SQL)}
    WHERE r.subject_type = ${subjectType} AND r.subject_id = ${subjectId} AND r.reporter_id = ${reporterId}
      AND (q.id IS NULL OR q.status = 'open'))`;
}

/** The condition "the reporter's last `k` decided reports were all dismissed" (and there are `k`). */
function mutedExpr(reporterId: string, k: number): SQL {
  return sql`(SELECT count(*) = ${k} AND coalesce(sum(d.decision = 'dismiss'), 0) = ${k} FROM
    (SELECT q.decision FROM reports r JOIN review_queue q ON q.id = r.review_item_id
     WHERE r.reporter_id = ${reporterId} AND q.status = 'decided' ORDER BY q.decided_at DESC, r.id DESC LIMIT ${k}) AS d)`;
}

/** The subject has been acted on for good: the post removed, or the account closed. */
export function subjectActioned(subjectType: ReviewSubjectType, subjectId: string): SQL {
  return subjectType === "post"
    ? sql`EXISTS (SELECT 1 FROM posts WHERE id = ${subjectId} AND removed_at IS NOT NULL)`
    : sql`EXISTS (SELECT 1 FROM accounts WHERE id = ${subjectId} AND status = 'closed')`;
}

/** 409 `subject_already_actioned`, carrying what happened and when. */
export function alreadyActioned(outcome: "removed" | "closed", at: number | null): ApiError {
  const what = outcome === "removed" ? "This post has already been removed" : "This account has already been closed";
  return new ApiError(409, "subject_already_actioned", `${what}; there is nothing left to report.`, { outcome, at: isoOrNull(at) });
}

export interface FileReport {
  reportId: string;
  /** The id the subject's item opens under when none is open. */
  itemId: string;
  subjectType: ReviewSubjectType;
  subjectId: string;
  reporterId: string;
  reason: string;
  severity: number;
  createdByKey: string;
  now: number;
  config: ReportConfig;
  requestId?: string;
}

/**
 * The statements that file a report, in order, for one `runAtomic` batch:
 * 1. the report, inserted only if the reporter has no open report of the subject and the subject
 *    is not already actioned; `muted` computed from the reporter's decided reports; an unmuted
 *    report joins the open item (or `itemId`, which its signal opens), a muted one joins the open
 *    item if there is one;
 * 2–4. its signal (`report:<reportId>`), only for a new unmuted report;
 * 5–7. the escalation signal (`report_threshold`), only when this report brought the item's
 *    unmuted reporters within the window to the threshold and the item has none yet — so once per item.
 * The report insert is at index 0; `events` are the `review.opened` writes of 2–4 and 5–7 (for `committedEventIds`).
 */
export function fileReportStatements(p: FileReport): SQL[] & { events: OutboxWrite[] } {
  const openItem = openItemOf(p.subjectType, p.subjectId);
  const insert = sql`INSERT INTO reports (id, subject_type, subject_id, reporter_id, reason, review_item_id, created_at, created_by_key, muted)
    SELECT ${p.reportId}, ${p.subjectType}, ${p.subjectId}, ${p.reporterId}, ${p.reason},
      CASE WHEN m.muted THEN ${openItem} ELSE coalesce(${openItem}, ${p.itemId}) END, ${p.now}, ${p.createdByKey}, m.muted
    FROM (SELECT ${mutedExpr(p.reporterId, p.config.muteAfterDismissed)} AS muted) AS m
    WHERE NOT ${openReportExists(p.subjectType, p.subjectId, p.reporterId)} AND NOT ${subjectActioned(p.subjectType, p.subjectId)}
    ON CONFLICT DO NOTHING`;
  const filedUnmuted = sql`EXISTS (SELECT 1 FROM reports WHERE id = ${p.reportId} AND muted = 0)`;
  const signal = reviewSignal(
    {
      subjectType: p.subjectType,
      subjectId: p.subjectId,
      source: "report",
      reasonCode: `reported_${p.reason}`,
      category: p.reason,
      severity: p.severity,
      dedupeKey: `report:${p.reportId}`,
      details: { reportId: p.reportId, reason: p.reason },
      createdAt: p.now,
    },
    { id: p.itemId, onlyIf: filedUnmuted, now: p.now, requestId: p.requestId },
  );
  const windowStart = p.now - p.config.escalationWindowMs;
  const escalation = reviewSignal(
    {
      subjectType: p.subjectType,
      subjectId: p.subjectId,
      source: "report",
      reasonCode: REPORT_ESCALATION_REASON,
      dedupeKey: `${REPORT_ESCALATION_REASON}:${p.reportId}`,
      details: { reporters: p.config.escalationReporters, windowHours: p.config.escalationWindowMs / 3_600_000 },
      createdAt: p.now,
    },
    {
      id: p.itemId,
      now: p.now,
      requestId: p.requestId,
      onlyIf: sql`${filedUnmuted}
        AND NOT EXISTS (SELECT 1 FROM review_signals s WHERE s.review_item_id = ${openItem} AND s.reason_code = ${REPORT_ESCALATION_REASON})
        AND (SELECT count(DISTINCT reporter_id) FROM reports WHERE review_item_id = ${openItem} AND muted = 0 AND created_at > ${windowStart}) >= ${p.config.escalationReporters}`,
    },
  );
  return Object.assign([insert, ...signal, ...escalation], { events: [signal.opened, escalation.opened] });
}

export interface ReportRow {
  id: string;
  subject_type: ReviewSubjectType;
  subject_id: string;
  reason: string;
  review_item_id: string | null;
  created_at: number;
  muted: number;
  evidence_stored: number;
  item_status: "open" | "decided" | null;
  decision: string | null;
  decided_at: number | null;
  /** 1 when the item's decision was reversed on appeal. */
  reversed: number;
}

/** Reports with the status of the item each follows; append WHERE / ORDER BY. */
export const REPORT_SELECT = `SELECT r.id, r.subject_type, r.subject_id, r.reason, r.review_item_id, r.created_at, r.muted, r.evidence_stored,
    q.status AS item_status, q.decision, q.decided_at,
    EXISTS (SELECT 1 FROM moderation_decisions d JOIN appeals a ON a.decision_id = d.id
            WHERE d.review_item_id = q.id AND a.status = 'decided' AND a.outcome = 'reversed') AS reversed
  FROM reports r LEFT JOIN review_queue q ON q.id = ${REPORT_ITEM_SQL}`;

/** What a reporter sees: status and outcome, never who decided. */
export function reportView(row: ReportRow) {
  const decided = row.item_status === "decided";
  return {
    id: row.id,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    reason: row.reason as "other",
    reviewItemId: row.review_item_id,
    createdAt: new Date(row.created_at).toISOString(),
    status: decided ? ("decided" as const) : ("open" as const),
    outcome: decided ? (row.decision === "dismiss" ? ("dismissed" as const) : row.reversed === 1 ? ("reversed_on_appeal" as const) : ("actioned" as const)) : null,
    decidedAt: decided ? isoOrNull(row.decided_at) : null,
    muted: row.muted === 1,
    evidenceStored: row.evidence_stored === 1,
  };
}

/** Evidence of a reported post is kept as long as screened evidence of a post that never entered the queue. */
const REPORT_EVIDENCE_RETENTION_DAYS = 30;

export interface ReportedPost {
  id: string;
  accountId: string;
  kind: "post" | "news" | "reprint";
  policyVersion: number;
}

/**
 * Seals the content a report carried as its post's evidence and puts it in R2 (create-only, as
 * screening does), returning the metadata statement for the report's batch: inserted only if the
 * report was filed unmuted and the post still has no evidence; then the report is marked. A batch
 * that inserts no metadata leaves an orphan object, which the purge's sweep deletes after a day.
 * The document says where it came from: verdict `reported`, one reason `user_report`.
 */
export async function reportEvidenceStatements(
  env: Env,
  post: ReportedPost,
  report: { id: string; reason: string; now: number },
  content: { text: string; links?: string[] },
): Promise<SQL[]> {
  const doc: EvidenceDocument = {
    postId: post.id,
    accountId: post.accountId,
    kind: post.kind,
    title: null,
    text: content.text,
    links: content.links ?? [],
    verdict: "reported",
    reasons: [{ code: "user_report", reason: report.reason, reportId: report.id }],
    categories: [report.reason],
    policyVersion: post.policyVersion,
  };
  const keys = await evidenceKeys(env);
  const { objectKey, contentHash, bytes } = await sealEvidence(keys, doc);
  try {
    await env.EVIDENCE.put(objectKey, bytes, { onlyIf: { etagDoesNotMatch: "*" } });
  } catch (e) {
    log("error", "evidence_put_failed", { postId: post.id, error: String((e as Error)?.message ?? e) });
    throw new ApiError(503, "evidence_unavailable", "The evidence store could not be written; retry.", { headers: { "retry-after": "1" } });
  }
  const retainUntil = report.now + REPORT_EVIDENCE_RETENTION_DAYS * DAY_MS;
  return [
    sql`INSERT INTO post_evidence (post_id, object_key, content_hash, size, created_at, retain_until)
      SELECT ${post.id}, ${objectKey}, ${contentHash}, ${bytes.length}, ${report.now}, ${retainUntil}
      WHERE EXISTS (SELECT 1 FROM reports WHERE id = ${report.id} AND muted = 0)
      ON CONFLICT DO NOTHING`,
    sql`UPDATE reports SET evidence_stored = 1 WHERE id = ${report.id} AND changes() = 1`,
  ];
}
