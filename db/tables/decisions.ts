import { sql } from "drizzle-orm";
import { sqliteTable, text, integer, index, primaryKey, uniqueIndex } from "drizzle-orm/sqlite-core";

export const DECISION_ACTIONS = ["dismiss", "remove_post", "restore_post", "label_post", "warn_account", "suspend_account", "close_account"] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];

/**
 * Moderators' decisions on review items (written by the moderation worker). One live decision per
 * item (`refused` ones are kept as a record but do not count). Post actions are `applied` in the
 * batch that records them; account actions are recorded `pending` first and completed through the
 * registration worker with the decision id as idempotency key (see workers/moderation/README.md).
 * `target_*` is what the action acted on: the post, or the account (the post's author for an
 * account action on a post item); null for `dismiss`.
 */
export const moderationDecisions = sqliteTable(
  "moderation_decisions",
  {
    id: text("id").primaryKey(),
    reviewItemId: text("review_item_id").notNull(),
    subjectType: text("subject_type", { enum: ["post", "account"] }).notNull(),
    subjectId: text("subject_id").notNull(),
    action: text("action", { enum: DECISION_ACTIONS }).notNull(),
    targetType: text("target_type", { enum: ["post", "account"] }),
    targetId: text("target_id"),
    /** The operator's reason (free text, never identity data). */
    reason: text("reason").notNull(),
    /** JSON array of labels (`label_post`). */
    labels: text("labels"),
    durationDays: integer("duration_days"),
    /** The published policy version in force when the decision was made. */
    policyVersion: integer("policy_version"),
    decidedBy: text("decided_by").notNull(),
    decidedAt: integer("decided_at").notNull(),
    status: text("status", { enum: ["applied", "pending", "refused"] }).notNull(),
    appliedAt: integer("applied_at"),
    /** JSON: registration's answer (`{ status }`, or `{ code }` when refused). */
    outcome: text("outcome"),
    /** End of a timed suspension (ms); the cron restores the account once passed. */
    expiresAt: integer("expires_at"),
    liftedAt: integer("lifted_at"),
  },
  (t) => [
    uniqueIndex("moderation_decisions_item_uq").on(t.reviewItemId).where(sql`status <> 'refused'`),
    index("moderation_decisions_target_idx").on(t.targetType, t.targetId, t.decidedAt),
    index("moderation_decisions_status_idx").on(t.status, t.decidedAt),
    // Keyset order of the reviews export (GET /v1/exports/reviews): a page is one index range.
    index("moderation_decisions_decided_idx").on(t.decidedAt, t.id),
    index("moderation_decisions_expiry_idx").on(t.expiresAt).where(sql`expires_at IS NOT NULL AND lifted_at IS NULL`),
  ],
);

/** Labels on posts (`label_post` decisions), shown in the post's status. */
export const postLabels = sqliteTable(
  "post_labels",
  {
    postId: text("post_id").notNull(),
    label: text("label").notNull(),
    decisionId: text("decision_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.postId, t.label] })],
);
