import { createRoute } from "@hono/zod-openapi";
import { and, eq, sql } from "drizzle-orm";
import { accounts, posts, reports } from "../../../../db/schema";
import { createRouter } from "../../../../pkg/app";
import { createDb } from "../../../../pkg/db";
import { ApiError } from "../../../../pkg/errors";
import { runAtomic } from "../../../../pkg/batch";
import { newId } from "../../../../pkg/ids";
import { openItemOf, REPORT_REASON_SEVERITY, reviewSignal } from "../../../../pkg/review-signals";
import { requireRole } from "../../../../pkg/principal";
import { isoOrNull, problemResponses } from "../../../../pkg/schemas";
import type { Env } from "../env";
import { CreateReportBody, ReportSchema } from "../schemas";

const createReport = createRoute({
  method: "post",
  path: "/v1/reports",
  tags: ["moderation"],
  summary:
    "File a user's report of a post or account (app). One report per reporter and subject; each report is a signal on the subject's one open review item and raises its priority.",
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
  const reportId = newId("rpt");
  const itemId = newId("rvw");
  const principal = c.get("principal")!;
  // One transaction: the report joins the subject's open item (or the one its signal is about to
  // open under `itemId`); only a new report (changes() = 1) adds its signal, so a repeated report
  // adds nothing and the item's reporter count stays exact under concurrency.
  const [inserted] = await runAtomic(c.env.DB, [
    sql`INSERT INTO reports (id, subject_type, subject_id, reporter_id, reason, review_item_id, created_at, created_by_key)
        SELECT ${reportId}, ${body.subjectType}, ${body.subjectId}, ${body.reporterId}, ${body.reason},
          coalesce(${openItemOf(body.subjectType, body.subjectId)}, ${itemId}), ${now}, ${principal.keyId}
        WHERE 1 ON CONFLICT(subject_type, subject_id, reporter_id) DO NOTHING`,
    ...reviewSignal(
      {
        subjectType: body.subjectType,
        subjectId: body.subjectId,
        source: "report",
        reasonCode: `reported_${body.reason}`,
        category: body.reason,
        severity: REPORT_REASON_SEVERITY[body.reason],
        dedupeKey: `report:${reportId}`,
        details: { reportId, reason: body.reason },
        createdAt: now,
      },
      { id: itemId, onlyIf: sql`changes() = 1`, now },
    ),
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
