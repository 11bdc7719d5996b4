import { z } from "@hono/zod-openapi";
import { REPORT_REASONS } from "../../../db/schema";
import { PostIdSchema } from "../../../pkg/schemas";

export const SubjectTypeSchema = z.enum(["post", "account"]);

/** Post ids come from apps, account ids are ours; both fit the post-id alphabet. */
export const SubjectIdSchema = PostIdSchema;

export const ReviewItemSchema = z
  .object({
    id: z.string(),
    subjectType: SubjectTypeSchema,
    subjectId: z.string(),
    source: z.enum(["screening", "spread", "report", "registration"]),
    reasonCode: z.string(),
    status: z.enum(["open", "decided"]),
    details: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    decidedAt: z.string().nullable(),
    decision: z.string().nullable(),
    decidedBy: z.string().nullable(),
    reports: z.number().int().optional(),
  })
  .openapi("ReviewItem");

export const CreateReportBody = z
  .object({
    subjectType: SubjectTypeSchema,
    subjectId: SubjectIdSchema,
    reporterId: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, "Malformed reporter id"),
    reason: z.enum(REPORT_REASONS),
  })
  .strict()
  .openapi("CreateReport");

export const ReportSchema = z
  .object({
    id: z.string(),
    subjectType: SubjectTypeSchema,
    subjectId: z.string(),
    reason: z.enum(REPORT_REASONS),
    reviewItemId: z.string(),
    createdAt: z.string(),
  })
  .openapi("Report");

export const DecisionBody = z
  .object({
    decision: z.enum(["dismiss", "remove_post"]),
    reason: z.string().trim().min(3).max(500),
  })
  .strict()
  .openapi("ReviewDecision");
