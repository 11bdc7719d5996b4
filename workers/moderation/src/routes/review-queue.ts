import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, desc, eq, gt, lt, or, sql, type SQL } from "drizzle-orm";
import { reviewQueue } from "../../../../db/schema";
import { createRouter } from "../../../../pkg/app";
import { waitUntilOf } from "../../../../pkg/outbox";
import { decodeCursor, pageOf } from "../../../../pkg/cursor";
import { createDb } from "../../../../pkg/db";
import { ApiError } from "../../../../pkg/errors";
import { requireRole } from "../../../../pkg/principal";
import { problemResponses } from "../../../../pkg/schemas";
import type { Env } from "../env";
import { BulkDecisionBody, BulkDecisionResultSchema, DecidedItemSchema, DecisionBody } from "../decision-schemas";
import { decideItems, decisionView, type Skip } from "../decisions";
import { itemClaimed, loadItemView, reviewItemView } from "../review-items";
import { ReviewItemSchema, ReviewQueueQuery } from "../schemas";

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
    "Decide an open item (operator): `dismiss`, a post action (`remove_post`, `restore_post`, `label_post`) or an account action (`warn_account`, `suspend_account` with optional `durationDays`, `close_account`; on a post item it acts on the post's author). Applies the action, closes every open signal of the subject, releases the claim and records the decision (operator, reason, policy version, time) with its audit row — all or nothing; an item is decided once. 409 `item_claimed` while another operator holds it. 202 when an account action is recorded but registration has not confirmed it yet (a retry of the request, or the cron within minutes, completes it exactly once). The older body `{ decision, reason }` is still accepted.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: { params: ItemIdParam, body: { required: true, content: { "application/json": { schema: DecisionBody } } } },
  responses: {
    200: { description: "Decided and applied", content: { "application/json": { schema: DecidedItemSchema } } },
    202: { description: "Decided; the account action is pending", content: { "application/json": { schema: DecidedItemSchema } } },
    ...problemResponses(401, 403, 404, 409, 422, 502),
  },
});

const bulkDecide = createRoute({
  method: "post",
  path: "/v1/review-queue/bulk-decision",
  tags: ["moderation"],
  summary:
    "Decide up to 500 items with one action (operator): each item is decided as the single endpoint would, or reported in `skipped` with its reason (`review_item_not_found`, `already_decided`, `item_claimed`, `appeal_pending`, `decision_not_applicable`, `invalid_transition`, `account_not_found`). Post actions and dismissals of all items commit in one transaction.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: { body: { required: true, content: { "application/json": { schema: BulkDecisionBody } } } },
  responses: {
    200: { description: "Per-item results", content: { "application/json": { schema: BulkDecisionResultSchema } } },
    ...problemResponses(401, 403, 422, 502),
  },
});

/** The problem of a single decision's skipped item. */
function skipProblem(skip: Skip): ApiError {
  switch (skip.code) {
    case "review_item_not_found":
      return new ApiError(404, "review_item_not_found", skip.detail);
    case "item_claimed":
      return itemClaimed({ heldBy: skip.heldBy!, until: skip.until! });
    case "already_decided":
      return new ApiError(409, "already_decided", skip.detail);
    case "appeal_pending":
      return new ApiError(409, "appeal_pending", skip.detail, { appealId: skip.appealId });
    case "invalid_transition":
      return new ApiError(409, "invalid_transition", skip.detail, skip.accountStatus ? { accountStatus: skip.accountStatus } : {});
    case "account_not_found":
      return new ApiError(422, "decision_not_applicable", `The account to act on does not exist: ${skip.detail}`);
    default:
      return new ApiError(422, "decision_not_applicable", skip.detail);
  }
}

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
    const { page, nextCursor } = pageOf(rows, q.limit, position);
    return c.json({ items: page.map((r) => reviewItemView(r, now)), nextCursor }, 200);
  })
  .openapi(getItem, async (c) => c.json(await loadItemView(c.env, c.req.valid("param").id), 200))
  .openapi(decide, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const action = (body.action ?? body.decision)!;
    const input = { action, reason: body.reason, labels: body.labels, durationDays: body.durationDays };
    const outcome = await decideItems(c.env, c.get("principal")!, c.get("requestId"), [id], input, { bulk: false, ctx: waitUntilOf(c) });
    const decided = outcome.decided[0];
    if (!decided) throw skipProblem(outcome.skipped[0]!);
    const view = { ...(await loadItemView(c.env, id)), decisionRecord: decisionView(decided) };
    return decided.status === "pending" ? c.json(view, 202) : c.json(view, 200);
  })
  .openapi(bulkDecide, async (c) => {
    const { itemIds, ...input } = c.req.valid("json");
    const outcome = await decideItems(c.env, c.get("principal")!, c.get("requestId"), itemIds, input, { bulk: true, ctx: waitUntilOf(c) });
    return c.json(
      {
        decided: outcome.decided.map((d) => ({ itemId: d.reviewItemId, decisionId: d.id, status: d.status as "applied" | "pending" })),
        skipped: outcome.skipped.map(({ accountStatus: _, ...s }) => s),
      },
      200,
    );
  });
