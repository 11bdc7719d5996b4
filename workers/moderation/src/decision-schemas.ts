import { z } from "@hono/zod-openapi";
import { DECISION_ACTIONS } from "../../../db/schema";
import { safeText } from "../../../pkg/schemas";
import { ReviewItemSchema } from "./schemas";

export const DecisionActionSchema = z.enum(DECISION_ACTIONS);
export const POST_ACTIONS = ["remove_post", "restore_post", "label_post"] as const;
export const ACCOUNT_ACTIONS = ["warn_account", "suspend_account", "close_account"] as const;

export const LabelSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{1,31}$/, "Use 2–32 of a–z, 0–9, _ (starting with a letter), e.g. `disputed`")
  .openapi({ example: "disputed" });

/** The labels of one `label_post` decision: one to five, all different. */
export const LabelsSchema = z
  .array(LabelSchema)
  .min(1)
  .max(5)
  .refine((l) => new Set(l).size === l.length, { message: "Labels must differ" });

const ItemId = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, "Malformed id");

/** Shared checks: labels only (and always) with `label_post`, a duration only with `suspend_account`. */
function checkOptions(v: { action?: string; labels?: string[]; durationDays?: number }, ctx: z.RefinementCtx): void {
  if (v.action === "label_post" && !v.labels) ctx.addIssue({ code: "custom", path: ["labels"], message: "`label_post` needs at least one label", params: { code: "REQUIRED" } });
  if (v.action !== undefined && v.action !== "label_post" && v.labels) ctx.addIssue({ code: "custom", path: ["labels"], message: "Labels go with `label_post` only", params: { code: "NOT_ALLOWED" } });
  if (v.action !== undefined && v.action !== "suspend_account" && v.durationDays !== undefined) {
    ctx.addIssue({ code: "custom", path: ["durationDays"], message: "A duration goes with `suspend_account` only", params: { code: "NOT_ALLOWED" } });
  }
}

const options = {
  reason: safeText({ min: 3, max: 500 }),
  labels: LabelsSchema.optional().openapi({ description: "`label_post` only: labels added to the post (kept until lifted), e.g. `disputed`" }),
  durationDays: z
    .number()
    .int()
    .min(1)
    .max(365)
    .optional()
    .openapi({ description: "`suspend_account` only: the suspension is lifted by the cron once this many days have passed (omit: until restored)" }),
};

/**
 * `{ action, reason, labels?, durationDays? }`; the older `{ decision: "dismiss" | "remove_post", reason }`
 * is still accepted (`decision` is an alias of `action` for those two).
 */
export const DecisionBody = z
  .object({
    action: DecisionActionSchema.optional().openapi({
      description:
        "What to do. Post actions (`remove_post`, `restore_post`, `label_post`) act on the item's post; account actions (`warn_account`, `suspend_account`, `close_account`) act on the item's account, or on the author of the item's post.",
    }),
    decision: z.enum(["dismiss", "remove_post"]).optional().openapi({ description: "Deprecated alias of `action` (older clients)", deprecated: true }),
    ...options,
  })
  .strict()
  .superRefine((v, ctx) => {
    if ((v.action === undefined) === (v.decision === undefined)) {
      ctx.addIssue({ code: "custom", path: ["action"], message: "Give `action` (or the older `decision`), not both", params: { code: "REQUIRED" } });
    }
    checkOptions({ ...v, action: v.action ?? v.decision }, ctx);
  })
  .openapi("ReviewDecision");

export const BulkDecisionBody = z
  .object({
    itemIds: z.array(ItemId).min(1).max(500).openapi({ description: "Up to 500 review item ids (repeats are decided once)" }),
    action: DecisionActionSchema,
    ...options,
  })
  .strict()
  .superRefine(checkOptions)
  .openapi("BulkReviewDecision");

export const DecisionRecordSchema = z
  .object({
    id: z.string(),
    reviewItemId: z.string(),
    action: DecisionActionSchema,
    target: z
      .object({ type: z.enum(["post", "account"]), id: z.string() })
      .nullable()
      .openapi({ description: "What the action acted on: the post, or the account (a post's author for an account action on a post item); null for `dismiss`" }),
    reason: z.string(),
    labels: z.array(z.string()),
    durationDays: z.number().int().nullable(),
    policyVersion: z.number().int().nullable().openapi({ description: "The published policy version in force at the decision" }),
    decidedBy: z.string(),
    decidedAt: z.string(),
    status: z.enum(["applied", "pending", "refused"]).openapi({
      description: "`applied`: done; `pending`: recorded, its account action not yet confirmed (a retry of the request or the cron completes it); `refused`: registration refused the account action and the item was reopened",
    }),
    appliedAt: z.string().nullable(),
    expiresAt: z.string().nullable().openapi({ description: "A timed suspension's end" }),
    liftedAt: z.string().nullable(),
  })
  .openapi("ModerationDecision");

export const DecidedItemSchema = ReviewItemSchema.extend({ decisionRecord: DecisionRecordSchema }).openapi("DecidedReviewItem");

export const BulkDecisionResultSchema = z
  .object({
    decided: z.array(z.object({ itemId: z.string(), decisionId: z.string(), status: z.enum(["applied", "pending"]) })),
    skipped: z.array(
      z.object({
        itemId: z.string(),
        code: z.string().openapi({ description: "`review_item_not_found`, `already_decided`, `item_claimed`, `decision_not_applicable`, `invalid_transition`, `account_not_found`" }),
        detail: z.string(),
        heldBy: z.string().optional(),
        until: z.string().optional(),
      }),
    ),
  })
  .openapi("BulkDecisionResult");
