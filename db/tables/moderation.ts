import { sql } from "drizzle-orm";
import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";

export const REVIEW_SOURCES = ["screening", "spread", "report", "registration", "appeal"] as const;

/**
 * The shared review queue: one open item per subject (post or account). Every signal about the
 * subject (screening `review` verdicts, spread levels, reports, registration reviews) attaches to
 * it in `review_signals`; written only by pkg/review-signals.ts. `dedupe_key`, `source`,
 * `reason_code`, `details` and `created_at` are those of the signal that opened the item.
 * `priority`, `severity`, `reporters`, `velocity` and `signal_count` are recomputed whenever a
 * signal attaches; `claimed_by` / `claimed_until` are an operator's lease (expired = free).
 */
export const reviewQueue = sqliteTable(
  "review_queue",
  {
    id: text("id").primaryKey(),
    dedupeKey: text("dedupe_key").notNull().unique(),
    subjectType: text("subject_type", { enum: ["post", "account"] }).notNull(),
    subjectId: text("subject_id").notNull(),
    source: text("source", { enum: REVIEW_SOURCES }).notNull(),
    reasonCode: text("reason_code").notNull(),
    status: text("status", { enum: ["open", "decided"] }).notNull().default("open"),
    /** JSON object with non-personal details (counts, categories, verdict...). */
    details: text("details"),
    createdAt: integer("created_at").notNull(),
    decidedAt: integer("decided_at"),
    decision: text("decision"),
    decidedBy: text("decided_by"),
    /** Sort key of `?sort=priority` (see pkg/review-signals.ts `PRIORITY_SQL`). */
    priority: integer("priority").notNull().default(0),
    /** The worst (highest) severity, 1–10, of the item's signals. */
    severity: integer("severity").notNull().default(0),
    /** Distinct reporters: report signals on the item (one report per reporter and subject). */
    reporters: integer("reporters").notNull().default(0),
    /** Reposts per hour of the post (from `post_spread`) when a signal last attached. */
    velocity: integer("velocity").notNull().default(0),
    signalCount: integer("signal_count").notNull().default(0),
    lastSignalAt: integer("last_signal_at"),
    /** The API key id holding the claim; the claim is void once `claimed_until` (ms) has passed. */
    claimedBy: text("claimed_by"),
    claimedUntil: integer("claimed_until"),
  },
  (t) => [
    index("review_queue_status_idx").on(t.status, t.createdAt),
    index("review_queue_subject_idx").on(t.subjectType, t.subjectId),
    index("review_queue_priority_idx").on(t.status, t.priority, t.id),
    // One open item per subject: the database refuses a second.
    uniqueIndex("review_queue_open_subject_uq").on(t.subjectType, t.subjectId).where(sql`status = 'open'`),
  ],
);

/**
 * Each event that asked for review of a subject, attached to the subject's open item (opening it
 * if none was open). `dedupe_key` makes every producer idempotent: a redelivered event attaches
 * nothing. A decision closes every open signal of its subject.
 */
export const reviewSignals = sqliteTable(
  "review_signals",
  {
    id: text("id").primaryKey(),
    reviewItemId: text("review_item_id").notNull(),
    dedupeKey: text("dedupe_key").notNull().unique(),
    subjectType: text("subject_type", { enum: ["post", "account"] }).notNull(),
    subjectId: text("subject_id").notNull(),
    source: text("source", { enum: REVIEW_SOURCES }).notNull(),
    reasonCode: text("reason_code").notNull(),
    /** A screening category or report reason, when the signal has one. */
    category: text("category"),
    /** 1–10, the scale of screening categories. */
    severity: integer("severity").notNull(),
    /** JSON object with non-personal details (counts, thresholds, verdict...). */
    details: text("details"),
    status: text("status", { enum: ["open", "closed"] }).notNull().default("open"),
    createdAt: integer("created_at").notNull(),
    closedAt: integer("closed_at"),
  },
  (t) => [index("review_signals_item_idx").on(t.reviewItemId, t.createdAt), index("review_signals_subject_idx").on(t.subjectType, t.subjectId, t.status)],
);

export const REPORT_REASONS = ["terrorism", "violence", "pornography", "fraud", "rumour", "spam", "harassment", "other"] as const;

/**
 * User reports of posts and accounts, filed by apps on their users' behalf. One **open** report
 * per (subject, reporter): a report is open while its review item is, so the unique index on
 * (subject, reporter, item) — one open item per subject — enforces it, and a reporter may report
 * again once the earlier report's item was decided. Reports of one subject share its open item.
 * A muted reporter's report adds no signal; filed while no item is open it has no item
 * (`review_item_id` null; its status is then that of the subject's next item).
 */
export const reports = sqliteTable(
  "reports",
  {
    id: text("id").primaryKey(),
    subjectType: text("subject_type", { enum: ["post", "account"] }).notNull(),
    subjectId: text("subject_id").notNull(),
    /** The app's own opaque id of the reporting user (not a Gatehouse account). */
    reporterId: text("reporter_id").notNull(),
    reason: text("reason", { enum: REPORT_REASONS }).notNull(),
    /** The subject's item the report joined; null for a muted report filed while none was open. */
    reviewItemId: text("review_item_id"),
    createdAt: integer("created_at").notNull(),
    createdByKey: text("created_by_key").notNull(),
    /** The reporter's last decided reports were all dismissed: recorded, but no signal and no escalation count. */
    muted: integer("muted", { mode: "boolean" }).notNull().default(false),
    /** The content the report carried became the post's evidence (post_evidence). */
    evidenceStored: integer("evidence_stored", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    uniqueIndex("reports_subject_reporter_item_uq").on(t.subjectType, t.subjectId, t.reporterId, t.reviewItemId),
    index("reports_item_idx").on(t.reviewItemId),
    index("reports_reporter_idx").on(t.reporterId, t.createdAt, t.id),
  ],
);
