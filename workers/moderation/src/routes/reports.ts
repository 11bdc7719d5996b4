import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../../../../pkg/app";
import { auditStatement } from "../../../../pkg/audit";
import { runAtomic } from "../../../../pkg/batch";
import { sql } from "drizzle-orm";
import { decodeCursor, pageOf } from "../../../../pkg/cursor";
import { ApiError } from "../../../../pkg/errors";
import { newId } from "../../../../pkg/ids";
import { committedEventIds, relayAfterCommit, waitUntilOf } from "../../../../pkg/outbox";
import { REPORT_REASON_SEVERITY } from "../../../../pkg/review-signals";
import { requireRole } from "../../../../pkg/principal";
import { problemResponses } from "../../../../pkg/schemas";
import type { Env } from "../env";
import { alreadyActioned, fileReportStatements, REPORT_SELECT, reportConfig, reportEvidenceStatements, reportView, type ReportedPost, type ReportRow } from "../reporters";
import { CreateReportBody, ReportListQuery, ReportSchema } from "../schemas";

const createReport = createRoute({
  method: "post",
  path: "/v1/reports",
  tags: ["moderation"],
  summary:
    "File a user's report of a post or account (app). One open report per reporter and subject; each report is a signal on the subject's one open review item and raises its priority.",
  description:
    "A reporter may report a subject again once the earlier report's item was decided. `REPORT_ESCALATION_REPORTERS` distinct reporters within `REPORT_ESCALATION_WINDOW_HOURS` add one escalation signal (`report_threshold`) to the item. A reporter whose last `REPORTER_MUTE_AFTER_DISMISSED` decided reports were all dismissed is muted: the report is recorded with `muted: true` and adds no signal. A removed post or closed account is 409 `subject_already_actioned` with `outcome` and `at`. `evidence` (posts only) becomes the post's evidence when it has none.",
  security: [{ bearer: [] }],
  middleware: [requireRole("app")] as const,
  request: { body: { required: true, content: { "application/json": { schema: CreateReportBody } } } },
  responses: {
    201: { description: "Report filed", content: { "application/json": { schema: ReportSchema } } },
    200: { description: "This reporter has an open report of this subject; that report", content: { "application/json": { schema: ReportSchema } } },
    ...problemResponses(401, 403, 404, 409, 422, 503),
  },
});

const ReportIdParam = z.object({ id: z.string().regex(/^rpt_[0-9a-z]{8,64}$/, "Malformed report id") });

const getReport = createRoute({
  method: "get",
  path: "/v1/reports/{id}",
  tags: ["moderation"],
  summary: "One report with its status and outcome (app), so a reporter learns what happened.",
  security: [{ bearer: [] }],
  middleware: [requireRole("app")] as const,
  request: { params: ReportIdParam },
  responses: {
    200: { description: "The report", content: { "application/json": { schema: ReportSchema } } },
    ...problemResponses(401, 403, 404, 422),
  },
});

const listReports = createRoute({
  method: "get",
  path: "/v1/reports",
  tags: ["moderation"],
  summary: "A reporter's reports, newest first, each with its status and outcome (app).",
  security: [{ bearer: [] }],
  middleware: [requireRole("app")] as const,
  request: { query: ReportListQuery },
  responses: {
    200: { description: "A page of reports", content: { "application/json": { schema: z.object({ reports: z.array(ReportSchema), nextCursor: z.string().nullable() }) } } },
    ...problemResponses(401, 403, 422),
  },
});

export const reportRoutes = createRouter<Env>()
  .openapi(createReport, async (c) => {
    const body = c.req.valid("json");
    const d1: D1Database = c.env.DB;
    if (body.evidence && body.subjectType !== "post") {
      throw new ApiError(422, "validation_failed", "Some fields are missing or invalid; see `errors`.", {
        errors: [{ field: "evidence", code: "NOT_APPLICABLE", message: "Only reports of posts carry evidence." }],
      });
    }
    let post: (ReportedPost & { hasEvidence: boolean }) | undefined;
    if (body.subjectType === "post") {
      const row = await d1.prepare(
        "SELECT id, account_id, kind, policy_version, removed_at, EXISTS (SELECT 1 FROM post_evidence WHERE post_id = posts.id) AS has_evidence FROM posts WHERE id = ?1",
      )
        .bind(body.subjectId)
        .first<{ id: string; account_id: string; kind: ReportedPost["kind"]; policy_version: number; removed_at: number | null; has_evidence: number }>();
      if (!row) throw new ApiError(404, "subject_not_found", "No post has this id.");
      if (row.removed_at !== null) throw alreadyActioned("removed", row.removed_at);
      post = { id: row.id, accountId: row.account_id, kind: row.kind, policyVersion: row.policy_version, hasEvidence: row.has_evidence === 1 };
    } else {
      const row = await d1.prepare("SELECT status, updated_at FROM accounts WHERE id = ?1").bind(body.subjectId).first<{ status: string; updated_at: number }>();
      if (!row) throw new ApiError(404, "subject_not_found", "No account has this id.");
      if (row.status === "closed") throw alreadyActioned("closed", row.updated_at);
    }

    const now = Date.now();
    const reportId = newId("rpt");
    const statements = fileReportStatements({
      reportId,
      itemId: newId("rvw"),
      subjectType: body.subjectType,
      subjectId: body.subjectId,
      reporterId: body.reporterId,
      reason: body.reason,
      severity: REPORT_REASON_SEVERITY[body.reason]!,
      createdByKey: c.get("principal")!.keyId,
      now,
      config: reportConfig(c.env),
      requestId: c.get("requestId"),
    });
    // Screened evidence stays authoritative: the report's content is kept only for a post without any.
    if (body.evidence && post && !post.hasEvidence) {
      statements.push(...(await reportEvidenceStatements(c.env, post, { id: reportId, reason: body.reason, now }, body.evidence)));
    }
    // Recorded only when the report was filed; not the reporter's id (the app's id of a person).
    statements.push(
      auditStatement(
        c.get("principal")!,
        c.get("requestId"),
        { action: "report.filed", subjectType: body.subjectType, subjectId: body.subjectId, details: { reportId, reason: body.reason } },
        { at: now, onlyIf: sql`EXISTS (SELECT 1 FROM reports WHERE id = ${reportId})` },
      ),
    );
    const results = await runAtomic(c.env.DB, statements);
    const inserted = results[0];
    relayAfterCommit(c.env.EVENTS, waitUntilOf(c), committedEventIds(statements, results, statements.events), d1);
    if (inserted!.meta.changes === 1) {
      const row = await d1.prepare(`${REPORT_SELECT} WHERE r.id = ?1`).bind(reportId).first<ReportRow>();
      return c.json(reportView(row!), 201);
    }
    // Nothing written: the reporter's open report, or the subject was actioned meanwhile.
    const open = await d1.prepare(
      `${REPORT_SELECT} WHERE r.subject_type = ?1 AND r.subject_id = ?2 AND r.reporter_id = ?3 AND (q.id IS NULL OR q.status = 'open') ORDER BY r.created_at DESC LIMIT 1`,
    )
      .bind(body.subjectType, body.subjectId, body.reporterId)
      .first<ReportRow>();
    if (open) return c.json(reportView(open), 200);
    if (body.subjectType === "post") {
      const removed = await d1.prepare("SELECT removed_at FROM posts WHERE id = ?1").bind(body.subjectId).first<{ removed_at: number | null }>();
      throw alreadyActioned("removed", removed?.removed_at ?? null);
    }
    const closed = await d1.prepare("SELECT updated_at FROM accounts WHERE id = ?1").bind(body.subjectId).first<{ updated_at: number }>();
    throw alreadyActioned("closed", closed?.updated_at ?? null);
  })
  .openapi(getReport, async (c) => {
    const { id } = c.req.valid("param");
    const d1: D1Database = c.env.DB;
    const row = await d1.prepare(`${REPORT_SELECT} WHERE r.id = ?1`).bind(id).first<ReportRow>();
    if (!row) throw new ApiError(404, "report_not_found", "There is no report with this id.");
    return c.json(reportView(row), 200);
  })
  .openapi(listReports, async (c) => {
    const q = c.req.valid("query");
    const after = decodeCursor(q.cursor);
    const d1: D1Database = c.env.DB;
    // Newest first by (created_at, id): the reporter index serves it.
    const { results } = await d1.prepare(
      `${REPORT_SELECT} WHERE r.reporter_id = ?1 AND (?2 IS NULL OR (r.created_at, r.id) < (?2, ?3)) ORDER BY r.created_at DESC, r.id DESC LIMIT ?4`,
    )
      .bind(q.reporterId, after?.key ?? null, after?.id ?? null, q.limit + 1)
      .all<ReportRow>();
    const { page, nextCursor } = pageOf(results, q.limit, (r) => ({ key: r.created_at, id: r.id }));
    return c.json({ reports: page.map(reportView), nextCursor }, 200);
  });
