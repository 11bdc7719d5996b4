import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * The shared review queue: screening (`review` verdicts), spread thresholds and user
 * reports open items here; moderators decide them. `dedupe_key` makes every producer's
 * insert idempotent (`INSERT ... ON CONFLICT(dedupe_key) DO NOTHING`), so a retried
 * delivery never opens a second item.
 */
export const reviewQueue = sqliteTable(
  "review_queue",
  {
    id: text("id").primaryKey(),
    dedupeKey: text("dedupe_key").notNull().unique(),
    subjectType: text("subject_type", { enum: ["post", "account"] }).notNull(),
    subjectId: text("subject_id").notNull(),
    source: text("source", { enum: ["screening", "spread", "report", "registration"] }).notNull(),
    reasonCode: text("reason_code").notNull(),
    status: text("status", { enum: ["open", "decided"] }).notNull().default("open"),
    /** JSON object with non-personal details (counts, categories, verdict...). */
    details: text("details"),
    createdAt: integer("created_at").notNull(),
    decidedAt: integer("decided_at"),
    decision: text("decision"),
    decidedBy: text("decided_by"),
  },
  (t) => [index("review_queue_status_idx").on(t.status, t.createdAt), index("review_queue_subject_idx").on(t.subjectType, t.subjectId)],
);

export const REPORT_REASONS = ["terrorism", "violence", "pornography", "fraud", "rumour", "spam", "harassment", "other"] as const;

/**
 * User reports of posts and accounts, filed by apps on their users' behalf. One report per
 * (subject, reporter); reports of one subject share one open review item.
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
    reviewItemId: text("review_item_id").notNull(),
    createdAt: integer("created_at").notNull(),
    createdByKey: text("created_by_key").notNull(),
  },
  (t) => [uniqueIndex("reports_subject_reporter_uq").on(t.subjectType, t.subjectId, t.reporterId), index("reports_item_idx").on(t.reviewItemId)],
);
