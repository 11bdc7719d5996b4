/**
 * The reviews export for regulators (GET /v1/exports/reviews): every moderation decision of a
 * time range with its signals, its action and outcome, the post's content and evidence hashes
 * (never the text) and its appeal's outcome, read from D1 one keyset page at a time
 * (`moderation_decisions_decided_idx`: decided_at, id) and written as NDJSON or CSV (RFC 4180).
 */

export const REVIEW_EXPORT_FORMAT = "gatehouse-review-export/1";
/** Decisions read from D1 per page of the stream. */
export const REVIEW_EXPORT_PAGE = 250;
/** Signals listed per decision (oldest first); `signalCount` counts them all. */
export const SIGNALS_PER_DECISION = 50;

interface DecisionExportRow {
  id: string;
  decided_at: number;
  review_item_id: string;
  subject_type: string;
  subject_id: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  status: string;
  reason: string;
  labels: string | null;
  duration_days: number | null;
  policy_version: number | null;
  decided_by: string;
  applied_at: number | null;
  outcome: string | null;
  expires_at: number | null;
  lifted_at: number | null;
  signal_count: number;
  signals: string;
  content_hash: string | null;
  evidence_hash: string | null;
  appeal_id: string | null;
  appeal_status: string | null;
  appeal_outcome: string | null;
  appeal_effect: string | null;
  appeal_filed_at: number | null;
  appeal_decided_at: number | null;
  appeal_decided_by: string | null;
}

export interface ExportedSignal {
  source: string;
  reasonCode: string;
  category: string | null;
  severity: number;
  at: string;
}

/** One decision as exported. No post text, no appeal statement, no reporter ids, no identity data. */
export interface ExportedDecision {
  decisionId: string;
  decidedAt: string;
  decidedBy: string;
  reviewItemId: string;
  subjectType: string;
  subjectId: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  status: string;
  reason: string;
  labels: string[] | null;
  durationDays: number | null;
  policyVersion: number | null;
  appliedAt: string | null;
  /** Registration's answer to an account action: `{ status }`, or `{ code }` when refused. */
  outcome: Record<string, unknown> | null;
  expiresAt: string | null;
  liftedAt: string | null;
  signalCount: number;
  signals: ExportedSignal[];
  /** SHA-256 of the post's screened content (posts.content_hash), kept after the evidence is purged. */
  contentHash: string | null;
  /** SHA-256 of the sealed evidence document while it is kept (post_evidence.content_hash). */
  evidenceHash: string | null;
  appeal: { id: string; status: string; outcome: string | null; effect: string | null; filedAt: string; decidedAt: string | null; decidedBy: string | null } | null;
}

const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());

const PAGE_SQL = `
SELECT d.id, d.decided_at, d.review_item_id, d.subject_type, d.subject_id, d.action, d.target_type, d.target_id, d.status,
  d.reason, d.labels, d.duration_days, d.policy_version, d.decided_by, d.applied_at, d.outcome, d.expires_at, d.lifted_at,
  (SELECT count(*) FROM review_signals s WHERE s.review_item_id = d.review_item_id) AS signal_count,
  (SELECT json_group_array(json_object('source', source, 'reasonCode', reason_code, 'category', category, 'severity', severity, 'at', created_at))
     FROM (SELECT source, reason_code, category, severity, created_at FROM review_signals s
           WHERE s.review_item_id = d.review_item_id ORDER BY created_at, id LIMIT ${SIGNALS_PER_DECISION})) AS signals,
  p.content_hash, e.content_hash AS evidence_hash,
  a.id AS appeal_id, a.status AS appeal_status, a.outcome AS appeal_outcome, a.effect AS appeal_effect,
  a.created_at AS appeal_filed_at, a.decided_at AS appeal_decided_at, a.decided_by AS appeal_decided_by
FROM moderation_decisions d
LEFT JOIN posts p ON d.subject_type = 'post' AND p.id = d.subject_id
LEFT JOIN post_evidence e ON d.subject_type = 'post' AND e.post_id = d.subject_id
LEFT JOIN appeals a ON a.decision_id = d.id
WHERE d.decided_at < ?1 AND (d.decided_at > ?2 OR (d.decided_at = ?2 AND d.id > ?3))
ORDER BY d.decided_at, d.id
LIMIT ?4`;

export interface ExportCursor {
  decidedAt: number;
  id: string;
}

/** One page of decisions after `after` (exclusive) and before `to` (exclusive, ms). */
export async function decisionPage(db: D1Database, after: ExportCursor, to: number, limit = REVIEW_EXPORT_PAGE): Promise<ExportedDecision[]> {
  const { results } = await db.prepare(PAGE_SQL).bind(to, after.decidedAt, after.id, limit).all<DecisionExportRow>();
  return results.map(toExported);
}

function toExported(r: DecisionExportRow): ExportedDecision {
  const signals = (JSON.parse(r.signals) as (Omit<ExportedSignal, "at"> & { at: number })[]).map((s) => ({ ...s, at: iso(s.at)! }));
  return {
    decisionId: r.id,
    decidedAt: iso(r.decided_at)!,
    decidedBy: r.decided_by,
    reviewItemId: r.review_item_id,
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    status: r.status,
    reason: r.reason,
    labels: r.labels ? (JSON.parse(r.labels) as string[]) : null,
    durationDays: r.duration_days,
    policyVersion: r.policy_version,
    appliedAt: iso(r.applied_at),
    outcome: r.outcome ? (JSON.parse(r.outcome) as Record<string, unknown>) : null,
    expiresAt: iso(r.expires_at),
    liftedAt: iso(r.lifted_at),
    signalCount: r.signal_count,
    signals,
    contentHash: r.content_hash,
    evidenceHash: r.evidence_hash,
    appeal: r.appeal_id
      ? {
          id: r.appeal_id,
          status: r.appeal_status!,
          outcome: r.appeal_outcome,
          effect: r.appeal_effect,
          filedAt: iso(r.appeal_filed_at)!,
          decidedAt: iso(r.appeal_decided_at),
          decidedBy: r.appeal_decided_by,
        }
      : null,
  };
}

// --- CSV (RFC 4180) -------------------------------------------------------------------------------

/** The CSV columns, in order: one row per decision; signals and outcome as JSON cells. */
export const CSV_COLUMNS = [
  "decision_id",
  "decided_at",
  "decided_by",
  "review_item_id",
  "subject_type",
  "subject_id",
  "action",
  "target_type",
  "target_id",
  "status",
  "reason",
  "labels",
  "duration_days",
  "policy_version",
  "applied_at",
  "outcome",
  "expires_at",
  "lifted_at",
  "signal_count",
  "signal_sources",
  "signals",
  "content_hash",
  "evidence_hash",
  "appeal_id",
  "appeal_status",
  "appeal_outcome",
  "appeal_effect",
  "appeal_filed_at",
  "appeal_decided_at",
  "appeal_decided_by",
] as const;

/**
 * One CSV field: quoted when it holds a comma, quote, CR or LF (quotes doubled, RFC 4180); a
 * text starting with = + - @ (or a tab or CR, which some spreadsheets skip before them) gets a
 * leading `'` so no spreadsheet runs it as a formula (OWASP CSV injection).
 */
export function csvField(value: string | number | null | undefined): string {
  if (value == null) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvRow = (fields: (string | number | null | undefined)[]) => fields.map(csvField).join(",") + "\r\n";

export function csvRecord(d: ExportedDecision): string {
  const json = (v: unknown) => (v == null ? null : JSON.stringify(v));
  return csvRow([
    d.decisionId,
    d.decidedAt,
    d.decidedBy,
    d.reviewItemId,
    d.subjectType,
    d.subjectId,
    d.action,
    d.targetType,
    d.targetId,
    d.status,
    d.reason,
    d.labels ? d.labels.join(";") : null,
    d.durationDays,
    d.policyVersion,
    d.appliedAt,
    json(d.outcome),
    d.expiresAt,
    d.liftedAt,
    d.signalCount,
    [...new Set(d.signals.map((s) => s.source))].join(";"),
    json(d.signals),
    d.contentHash,
    d.evidenceHash,
    d.appeal?.id,
    d.appeal?.status,
    d.appeal?.outcome,
    d.appeal?.effect,
    d.appeal?.filedAt,
    d.appeal?.decidedAt,
    d.appeal?.decidedBy,
  ]);
}

/**
 * The export as a byte stream that reads one page from D1 per pull, so it holds at most one page
 * however many decisions the range has (the reader's pace drives the reads: backpressure).
 */
export function reviewExportStream(db: D1Database, p: { from: number; to: number; format: "csv" | "ndjson"; exportedAt: string; pageSize?: number }): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor: ExportCursor | null = null;
  let decisions = 0;
  let finished = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (finished) return;
        if (cursor === null) {
          // First pull: the header, then start just before `from`.
          cursor = { decidedAt: p.from, id: "" };
          const head =
            p.format === "csv"
              ? csvRow([...CSV_COLUMNS])
              : JSON.stringify({ type: "header", format: REVIEW_EXPORT_FORMAT, from: iso(p.from), to: iso(p.to), exportedAt: p.exportedAt }) + "\n";
          controller.enqueue(encoder.encode(head));
          return;
        }
        const page = await decisionPage(db, cursor, p.to, p.pageSize ?? REVIEW_EXPORT_PAGE);
        let chunk = "";
        for (const d of page) chunk += p.format === "csv" ? csvRecord(d) : JSON.stringify({ type: "decision", ...d }) + "\n";
        decisions += page.length;
        if (page.length < (p.pageSize ?? REVIEW_EXPORT_PAGE)) {
          finished = true;
          // NDJSON ends with a count, so a reader can tell a complete file from a cut one.
          if (p.format === "ndjson") chunk += JSON.stringify({ type: "end", decisions }) + "\n";
          if (chunk) controller.enqueue(encoder.encode(chunk));
          controller.close();
          return;
        }
        const last = page[page.length - 1]!;
        cursor = { decidedAt: Date.parse(last.decidedAt), id: last.decisionId };
        controller.enqueue(encoder.encode(chunk));
      },
    },
    { highWaterMark: 1 },
  );
}
