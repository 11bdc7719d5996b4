import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, count, eq, gt, or, sql, type SQL } from "drizzle-orm";
import { reports, reviewQueue } from "../../../../db/schema";
import { createRouter } from "../../../../pkg/app";
import { auditStatement } from "../../../../pkg/audit";
import { runAtomic } from "../../../../pkg/batch";
import { decodeCursor, encodeCursor } from "../../../../pkg/cursor";
import { createDb } from "../../../../pkg/db";
import { ApiError } from "../../../../pkg/errors";
import { newId } from "../../../../pkg/ids";
import { requireRole } from "../../../../pkg/principal";
import { PageQuerySchema, problemResponses } from "../../../../pkg/schemas";
import type { Env } from "../env";
import { reviewItemView } from "../review-items";
import { DecisionBody, ReviewItemSchema, SubjectTypeSchema } from "../schemas";

const ItemIdParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, "Malformed id") });

const listItems = createRoute({
  method: "get",
  path: "/v1/review-queue",
  tags: ["moderation"],
  summary: "Page through the review queue (operator), oldest first.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: {
    query: PageQuerySchema.extend({
      status: z.enum(["open", "decided"]).default("open"),
      source: z.enum(["screening", "spread", "report", "registration"]).optional(),
      subjectType: SubjectTypeSchema.optional(),
    }),
  },
  responses: {
    200: { description: "A page of items", content: { "application/json": { schema: z.object({ items: z.array(ReviewItemSchema), nextCursor: z.string().nullable() }) } } },
    ...problemResponses(401, 403, 422),
  },
});

const getItem = createRoute({
  method: "get",
  path: "/v1/review-queue/{id}",
  tags: ["moderation"],
  summary: "One review item with its report count (operator).",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: { params: ItemIdParam },
  responses: {
    200: { description: "The item", content: { "application/json": { schema: ReviewItemSchema } } },
    ...problemResponses(401, 403, 404, 422),
  },
});

const decide = createRoute({
  method: "post",
  path: "/v1/review-queue/{id}/decision",
  tags: ["moderation"],
  summary: "Decide an open item (operator): dismiss it, or remove the post. Recorded in the audit log; an item is decided once.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: { params: ItemIdParam, body: { required: true, content: { "application/json": { schema: DecisionBody } } } },
  responses: {
    200: { description: "Decided", content: { "application/json": { schema: ReviewItemSchema } } },
    ...problemResponses(401, 403, 404, 409, 422),
  },
});

async function loadItem(env: Env, id: string) {
  const db = createDb(env.DB);
  const row = await db.select().from(reviewQueue).where(eq(reviewQueue.id, id)).get();
  if (!row) throw new ApiError(404, "review_item_not_found", "No review item has this id.");
  const [{ n }] = (await db.select({ n: count() }).from(reports).where(eq(reports.reviewItemId, id))) as [{ n: number }];
  return reviewItemView(row, row.source === "report" ? n : undefined);
}

export const reviewQueueRoutes = createRouter<Env>()
  .openapi(listItems, async (c) => {
    const q = c.req.valid("query");
    const after = decodeCursor(q.cursor);
    const filters: (SQL | undefined)[] = [eq(reviewQueue.status, q.status)];
    if (q.source) filters.push(eq(reviewQueue.source, q.source));
    if (q.subjectType) filters.push(eq(reviewQueue.subjectType, q.subjectType));
    if (after) filters.push(or(gt(reviewQueue.createdAt, after.key), and(eq(reviewQueue.createdAt, after.key), gt(reviewQueue.id, after.id))));
    const rows = await createDb(c.env.DB)
      .select()
      .from(reviewQueue)
      .where(and(...filters))
      .orderBy(asc(reviewQueue.createdAt), asc(reviewQueue.id))
      .limit(q.limit + 1);
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    const nextCursor = rows.length > q.limit && last ? encodeCursor({ key: last.createdAt, id: last.id }) : null;
    return c.json({ items: page.map((r) => reviewItemView(r)), nextCursor }, 200);
  })
  .openapi(getItem, async (c) => c.json(await loadItem(c.env, c.req.valid("param").id), 200))
  .openapi(decide, async (c) => {
    const { id } = c.req.valid("param");
    const { decision, reason } = c.req.valid("json");
    const item = await loadItem(c.env, id);
    if (item.status !== "open") throw new ApiError(409, "already_decided", "This item has already been decided.");
    if (decision === "remove_post" && item.subjectType !== "post") {
      throw new ApiError(422, "decision_not_applicable", "Only a post can be removed; act on accounts with POST /v1/accounts/{id}/actions.");
    }
    const principal = c.get("principal")!;
    const now = Date.now();
    const auditId = newId("aud");
    // One transaction, guarded by the item still being open: the decision, its audit entry
    // (written only if this request decided it: changes() of the statement before), and the
    // post removal (only if that audit entry exists). A concurrent decision changes nothing.
    const [decided] = await runAtomic(c.env.DB, [
      c.env.DB.prepare(
        `UPDATE review_queue SET status = 'decided', decision = ?, decided_at = ?, decided_by = ?,
           dedupe_key = CASE WHEN dedupe_key LIKE '%:open' THEN substr(dedupe_key, 1, length(dedupe_key) - 4) || id ELSE dedupe_key END
         WHERE id = ? AND status = 'open'`,
      ).bind(decision, now, principal.keyId, id),
      auditStatement(
        principal,
        c.get("requestId"),
        {
          action: `review.${decision}`,
          subjectType: item.subjectType,
          subjectId: item.subjectId,
          reason,
          details: { reviewItemId: id, source: item.source, reasonCode: item.reasonCode },
        },
        { id: auditId, at: now, onlyIf: sql`changes() = 1` },
      ),
      c.env.DB.prepare(
        `UPDATE posts SET removed_at = ? WHERE id = ? AND removed_at IS NULL AND ? = 'remove_post'
           AND EXISTS (SELECT 1 FROM audit_log WHERE id = ?)`,
      ).bind(now, item.subjectId, decision, auditId),
    ]);
    if (decided!.meta.changes !== 1) throw new ApiError(409, "already_decided", "This item has already been decided.");
    return c.json(await loadItem(c.env, id), 200);
  });
