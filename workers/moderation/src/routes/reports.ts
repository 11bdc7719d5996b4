import { createRoute } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { accounts, posts, reports } from "../../../../db/schema";
import { createRouter } from "../../../../pkg/app";
import { createDb } from "../../../../pkg/db";
import { ApiError } from "../../../../pkg/errors";
import { runAtomic } from "../../../../pkg/batch";
import { newId } from "../../../../pkg/ids";
import { reviewSignal } from "../../../../pkg/review-signals";
import { requireRole } from "../../../../pkg/principal";
import { isoOrNull, problemResponses } from "../../../../pkg/schemas";
import type { Env } from "../env";
import { openReportKey } from "../review-items";
import { CreateReportBody, ReportSchema } from "../schemas";

const createReport = createRoute({
  method: "post",
  path: "/v1/reports",
  tags: ["moderation"],
  summary: "File a user's report of a post or account (app). One report per reporter and subject; reports of a subject share one open review item.",
  security: [{ bearer: [] }],
  middleware: [requireRole("app")] as const,
  request: { body: { required: true, content: { "application/json": { schema: CreateReportBody } } } },
  responses: {
    201: { description: "Report filed", content: { "application/json": { schema: ReportSchema } } },
    200: { description: "This reporter already reported this subject; the earlier report", content: { "application/json": { schema: ReportSchema } } },
    ...problemResponses(401, 403, 404, 422),
  },
});

export const reportRoutes = createRouter<Env>().openapi(createReport, async (c) => {
  const body = c.req.valid("json");
  const db = createDb(c.env.DB);
  const exists =
    body.subjectType === "post"
      ? await db.select({ id: posts.id }).from(posts).where(eq(posts.id, body.subjectId)).get()
      : await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, body.subjectId)).get();
  if (!exists) throw new ApiError(404, "subject_not_found", `No ${body.subjectType} has this id.`);

  const now = Date.now();
  const key = openReportKey(body.subjectType, body.subjectId);
  const principal = c.get("principal")!;
  // One transaction: open (or join) the subject's report item, then attach the report to it.
  // Both inserts are idempotent, so concurrent and repeated reports converge.
  const [, inserted] = await runAtomic(c.env.DB, [
    reviewSignal({
      subjectType: body.subjectType,
      subjectId: body.subjectId,
      source: "report",
      reasonCode: `reported_${body.reason}`,
      dedupeKey: key,
      details: { firstReason: body.reason },
      createdAt: now,
    }),
    c.env.DB.prepare(
      `INSERT INTO reports (id, subject_type, subject_id, reporter_id, reason, review_item_id, created_at, created_by_key)
       SELECT ?, ?, ?, ?, ?, id, ?, ? FROM review_queue WHERE dedupe_key = ?
       ON CONFLICT(subject_type, subject_id, reporter_id) DO NOTHING`,
    ).bind(newId("rpt"), body.subjectType, body.subjectId, body.reporterId, body.reason, now, principal.keyId, key),
  ]);
  const row = await db
    .select()
    .from(reports)
    .where(and(eq(reports.subjectType, body.subjectType), eq(reports.subjectId, body.subjectId), eq(reports.reporterId, body.reporterId)))
    .get();
  const view = {
    id: row!.id,
    subjectType: row!.subjectType,
    subjectId: row!.subjectId,
    reason: row!.reason,
    reviewItemId: row!.reviewItemId,
    createdAt: isoOrNull(row!.createdAt)!,
  };
  return c.json(view, inserted!.meta.changes === 1 ? 201 : 200);
});
