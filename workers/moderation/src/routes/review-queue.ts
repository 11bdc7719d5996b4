import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, desc, eq, gt, lt, or, sql, type SQL } from "drizzle-orm";
import { reviewQueue } from "../../../../db/schema";
import { createRouter } from "../../../../pkg/app";
import { auditStatement } from "../../../../pkg/audit";
import { runAtomic } from "../../../../pkg/batch";
import { decodeCursor, encodeCursor } from "../../../../pkg/cursor";
import { createDb } from "../../../../pkg/db";
import { ApiError } from "../../../../pkg/errors";
import { newId } from "../../../../pkg/ids";
import { requireRole } from "../../../../pkg/principal";
import { closeSubjectSignals, decideItem } from "../../../../pkg/review-signals";
import { problemResponses } from "../../../../pkg/schemas";
import type { Env } from "../env";
import { itemClaimed, liveClaim, loadItemView, loadRow, reviewItemView } from "../review-items";
import { DecisionBody, ReviewItemSchema, ReviewQueueQuery } from "../schemas";

export const ItemIdParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, "Malformed id") });

const listItems = createRoute({
  method: "get",
  path: "/v1/review-queue",
  tags: ["moderation"],
  summary:
    "Page through the review queue (operator): one item per subject, oldest first (`sort=age`) or highest priority first (`sort=priority`); filter by status, source, category, subject type and assignee.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: { query: ReviewQueueQuery },
  responses: {
    200: { description: "A page of items", content: { "application/json": { schema: z.object({ items: z.array(ReviewItemSchema), nextCursor: z.string().nullable() }) } } },
    ...problemResponses(401, 403, 422),
  },
});

const getItem = createRoute({
  method: "get",
  path: "/v1/review-queue/{id}",
  tags: ["moderation"],
  summary: "One review item with its signals, priority, claim and report count (operator).",
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
  summary:
    "Decide an open item (operator): dismiss it, or remove the post. Closes every open signal of the subject and releases the claim; recorded in the audit log; an item is decided once. 409 `item_claimed` while another operator holds it.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: { params: ItemIdParam, body: { required: true, content: { "application/json": { schema: DecisionBody } } } },
  responses: {
    200: { description: "Decided", content: { "application/json": { schema: ReviewItemSchema } } },
    ...problemResponses(401, 403, 404, 409, 422),
  },
});

/** `?sort=priority` cursors carry the priority as `p<n>`, so an `age` cursor is refused there and vice versa. */
function priorityCursor(cursor: string | undefined): { key: number; id: string } | undefined {
  const pos = decodeCursor(cursor, "string");
  if (!pos) return undefined;
  const m = /^p(-?\d{1,15})$/.exec(pos.key);
  if (!m) throw new ApiError(422, "invalid_cursor", "The cursor is not one this endpoint returned.");
  return { key: Number(m[1]), id: pos.id };
}

export const reviewQueueRoutes = createRouter<Env>()
  .openapi(listItems, async (c) => {
    const q = c.req.valid("query");
    const now = Date.now();
    const filters: (SQL | undefined)[] = [eq(reviewQueue.status, q.status)];
    if (q.source) {
      filters.push(
        or(eq(reviewQueue.source, q.source), sql`EXISTS (SELECT 1 FROM review_signals s WHERE s.review_item_id = ${reviewQueue.id} AND s.source = ${q.source})`),
      );
    }
    if (q.category) filters.push(sql`EXISTS (SELECT 1 FROM review_signals s WHERE s.review_item_id = ${reviewQueue.id} AND s.category = ${q.category})`);
    if (q.subjectType) filters.push(eq(reviewQueue.subjectType, q.subjectType));
    if (q.assignee === "none") filters.push(sql`(${reviewQueue.claimedBy} IS NULL OR ${reviewQueue.claimedUntil} <= ${now})`);
    else if (q.assignee) {
      const holder = q.assignee === "me" ? c.get("principal")!.keyId : q.assignee;
      filters.push(and(eq(reviewQueue.claimedBy, holder), gt(reviewQueue.claimedUntil, now)));
    }
    let order: SQL[];
    let position: (r: typeof reviewQueue.$inferSelect) => { key: number | string; id: string };
    if (q.sort === "priority") {
      const after = priorityCursor(q.cursor);
      if (after) filters.push(or(lt(reviewQueue.priority, after.key), and(eq(reviewQueue.priority, after.key), gt(reviewQueue.id, after.id))));
      order = [desc(reviewQueue.priority), asc(reviewQueue.id)];
      position = (r) => ({ key: `p${r.priority}`, id: r.id });
    } else {
      const after = decodeCursor(q.cursor);
      if (after) filters.push(or(gt(reviewQueue.createdAt, after.key), and(eq(reviewQueue.createdAt, after.key), gt(reviewQueue.id, after.id))));
      order = [asc(reviewQueue.createdAt), asc(reviewQueue.id)];
      position = (r) => ({ key: r.createdAt, id: r.id });
    }
    const rows = await createDb(c.env.DB)
      .select()
      .from(reviewQueue)
      .where(and(...filters))
      .orderBy(...order)
      .limit(q.limit + 1);
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    const nextCursor = rows.length > q.limit && last ? encodeCursor(position(last)) : null;
    return c.json({ items: page.map((r) => reviewItemView(r, now)), nextCursor }, 200);
  })
  .openapi(getItem, async (c) => c.json(await loadItemView(c.env, c.req.valid("param").id), 200))
  .openapi(decide, async (c) => {
    const { id } = c.req.valid("param");
    const { decision, reason } = c.req.valid("json");
    const principal = c.get("principal")!;
    const now = Date.now();
    const item = await loadRow(c.env, id);
    if (item.status !== "open") throw new ApiError(409, "already_decided", "This item has already been decided.");
    const claim = liveClaim(item, now);
    if (claim && claim.heldBy !== principal.keyId) throw itemClaimed(claim);
    if (decision === "remove_post" && item.subjectType !== "post") {
      throw new ApiError(422, "decision_not_applicable", "Only a post can be removed; act on accounts with POST /v1/accounts/{id}/actions.");
    }
    const auditId = newId("aud");
    const audited = sql`EXISTS (SELECT 1 FROM audit_log WHERE id = ${auditId})`;
    // One transaction, guarded by the item still being open and not claimed by someone else: the
    // decision (which releases the claim), its audit entry (only if this request decided it:
    // changes() of the statement before), then — only if that audit entry exists — every open
    // signal of the subject closed and the post removed. A concurrent decision changes nothing.
    const [decided] = await runAtomic(c.env.DB, [
      decideItem({ itemId: id, decision, decidedBy: principal.keyId, at: now }),
      auditStatement(
        principal,
        c.get("requestId"),
        {
          action: `review.${decision}`,
          subjectType: item.subjectType,
          subjectId: item.subjectId,
          reason,
          details: { reviewItemId: id, source: item.source, reasonCode: item.reasonCode, signals: item.signalCount, priority: item.priority },
        },
        { id: auditId, at: now, onlyIf: sql`changes() = 1` },
      ),
      closeSubjectSignals(item.subjectType, item.subjectId, now, audited),
      sql`UPDATE posts SET removed_at = ${now} WHERE id = ${item.subjectId} AND removed_at IS NULL AND ${decision} = 'remove_post' AND ${audited}`,
    ]);
    if (decided!.meta.changes !== 1) {
      const after = await loadRow(c.env, id);
      const holder = after.status === "open" ? liveClaim(after, Date.now()) : null;
      if (holder && holder.heldBy !== principal.keyId) throw itemClaimed(holder);
      throw new ApiError(409, "already_decided", "This item has already been decided.");
    }
    return c.json(await loadItemView(c.env, id), 200);
  });
