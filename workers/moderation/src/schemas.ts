import { z } from "@hono/zod-openapi";
import { REPORT_REASONS, REVIEW_SOURCES } from "../../../db/schema";
import { PageQuerySchema, PostIdSchema, safeText } from "../../../pkg/schemas";

export const SubjectTypeSchema = z.enum(["post", "account"]);
export const ReviewSourceSchema = z.enum(REVIEW_SOURCES);

/** Post ids come from apps, account ids are ours; both fit the post-id alphabet. */
export const SubjectIdSchema = PostIdSchema;

export const ReviewSignalSchema = z
  .object({
    id: z.string(),
    source: ReviewSourceSchema,
    reasonCode: z.string(),
    category: z.string().nullable(),
    severity: z.number().int().openapi({ description: "1–10, the scale of screening categories" }),
    details: z.record(z.string(), z.unknown()),
    status: z.enum(["open", "closed"]),
    createdAt: z.string(),
    closedAt: z.string().nullable(),
  })
  .openapi("ReviewSignal");

export const ClaimSchema = z
  .object({
    itemId: z.string(),
    heldBy: z.string().openapi({ description: "The API key id of the operator holding the claim" }),
    until: z.string().openapi({ description: "When the lease ends unless renewed (ISO 8601)" }),
  })
  .openapi("ReviewClaim");

export const ReviewItemSchema = z
  .object({
    id: z.string(),
    subjectType: SubjectTypeSchema,
    subjectId: z.string(),
    source: ReviewSourceSchema.openapi({ description: "The source of the signal that opened the item" }),
    reasonCode: z.string().openapi({ description: "The reason code of the signal that opened the item" }),
    status: z.enum(["open", "decided"]),
    details: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    decidedAt: z.string().nullable(),
    decision: z.string().nullable(),
    decidedBy: z.string().nullable(),
    priority: z.number().int().openapi({ description: "100 × worst severity + min(reposts per hour, 500) + 10 × min(distinct reporters, 50)" }),
    severity: z.number().int().openapi({ description: "The worst severity (1–10) of the item's open signals" }),
    reporters: z.number().int().openapi({ description: "Distinct reporters of the subject on this item" }),
    repostsPerHour: z.number().int().openapi({ description: "Spread velocity of the post when a signal last attached" }),
    signalCount: z.number().int(),
    lastSignalAt: z.string().nullable(),
    claim: z.object({ heldBy: z.string(), until: z.string() }).nullable().openapi({ description: "A live claim (null when free or the lease ran out)" }),
    reports: z.number().int().optional(),
    signals: z.array(ReviewSignalSchema).optional().openapi({ description: "Every signal of the item, oldest first (on single-item reads and decisions)" }),
  })
  .openapi("ReviewItem");

/** `assignee`: an operator's key id, `me` (the caller) or `none` (unclaimed, or the lease ran out). */
export const ReviewQueueQuery = PageQuerySchema.extend({
  status: z.enum(["open", "decided"]).default("open"),
  sort: z.enum(["age", "priority"]).default("age").openapi({ description: "`age`: oldest first; `priority`: highest first" }),
  source: ReviewSourceSchema.optional().openapi({ description: "Items with a signal from this source" }),
  category: z
    .string()
    .regex(/^[a-z0-9_]{1,64}$/, "Use a category name (a–z, 0–9, _)")
    .optional()
    .openapi({ description: "Items with a signal of this category" }),
  subjectType: SubjectTypeSchema.optional(),
  assignee: z
    .string()
    .regex(/^(me|none|[A-Za-z0-9_:-]{1,128})$/, "Use an operator's key id, `me` or `none`")
    .optional(),
});

/** Content a report carries when Gatehouse never screened it (sealed as the post's evidence). */
export const ReportEvidenceBody = z
  .object({
    text: safeText({ max: 10_000, multiline: true }).openapi({ description: "The reported content as the reporter saw it (≤ 10,000 characters, line breaks allowed)" }),
    links: z.array(safeText({ max: 2048 })).max(20).optional().openapi({ description: "Links in the content (≤ 20, each ≤ 2,048 characters)" }),
  })
  .strict()
  .openapi("ReportEvidence");

export const ReporterIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, "Malformed reporter id");

export const CreateReportBody = z
  .object({
    subjectType: SubjectTypeSchema,
    subjectId: SubjectIdSchema,
    reporterId: ReporterIdSchema,
    reason: z.enum(REPORT_REASONS),
    evidence: ReportEvidenceBody.optional().openapi({
      description: "Only for posts: kept as the post's evidence when it has none (e.g. its screened evidence was purged); ignored otherwise, and for muted reporters",
    }),
  })
  .strict()
  .openapi("CreateReport");

export const ReportSchema = z
  .object({
    id: z.string(),
    subjectType: SubjectTypeSchema,
    subjectId: z.string(),
    reason: z.enum(REPORT_REASONS),
    reviewItemId: z.string().nullable().openapi({ description: "The subject's review item the report joined (null: a muted report filed while no item was open)" }),
    createdAt: z.string(),
    status: z.enum(["open", "decided"]).openapi({ description: "`open` until the report's review item is decided" }),
    outcome: z
      .enum(["dismissed", "actioned", "reversed_on_appeal"])
      .nullable()
      .openapi({ description: "When decided: `dismissed`; `actioned` (the subject was acted on); `reversed_on_appeal` (acted on, then the action was reversed on the affected account's appeal)" }),
    decidedAt: z.string().nullable(),
    muted: z.boolean().openapi({ description: "The reporter's last decided reports were all dismissed: recorded, but no signal" }),
    evidenceStored: z.boolean().openapi({ description: "The content this report carried became the post's evidence" }),
  })
  .openapi("Report");

export const ReportListQuery = PageQuerySchema.extend({ reporterId: ReporterIdSchema });

export const DecisionBody = z
  .object({
    decision: z.enum(["dismiss", "remove_post"]),
    reason: safeText({ min: 3, max: 500 }),
  })
  .strict()
  .openapi("ReviewDecision");
