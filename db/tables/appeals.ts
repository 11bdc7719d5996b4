import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Appeals of moderation decisions (written by the moderation worker, workers/moderation/src/appeals.ts).
 * One appeal per decision (the unique index makes concurrent appeals one). The appeal is a signal
 * (source `appeal`) on its subject's review item; an operator other than the decision's maker
 * upholds or reverses it. `effect` is what reversing did beyond the decision's own rows: `applied`
 * (post effects, in the deciding batch; or the account restored), `pending` (the account action is
 * recorded but registration has not confirmed it), `none` (nothing to undo), null until reversed.
 */
export const appeals = sqliteTable(
  "appeals",
  {
    id: text("id").primaryKey(),
    decisionId: text("decision_id").notNull(),
    /** The affected account that appealed (the decision's target account or the post's author). */
    accountId: text("account_id").notNull(),
    /** The account's statement (free text, up to 2,000 characters). */
    statement: text("statement").notNull(),
    subjectType: text("subject_type", { enum: ["post", "account"] }).notNull(),
    subjectId: text("subject_id").notNull(),
    /** The review item the appeal's signal joined. */
    reviewItemId: text("review_item_id"),
    status: text("status", { enum: ["open", "decided"] }).notNull(),
    outcome: text("outcome", { enum: ["upheld", "reversed"] }),
    /** The deciding operator's reason (never shown to apps). */
    reason: text("reason"),
    decidedBy: text("decided_by"),
    decidedAt: integer("decided_at"),
    effect: text("effect", { enum: ["applied", "pending", "none"] }),
    /** JSON: registration's answer to the reversal's account action. */
    effectOutcome: text("effect_outcome"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("appeals_decision_uq").on(t.decisionId),
    index("appeals_subject_idx").on(t.subjectType, t.subjectId, t.createdAt),
    index("appeals_effect_idx").on(t.effect),
    // A decided item's open appeals (bulk decisions close them: workers/moderation/src/decisions.ts).
    index("appeals_item_idx").on(t.reviewItemId, t.status),
  ],
);
