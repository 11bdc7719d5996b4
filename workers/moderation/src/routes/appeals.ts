import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../../../../pkg/app";
import { waitUntilOf } from "../../../../pkg/outbox";
import { requireRole } from "../../../../pkg/principal";
import { IdSchema, problemResponses, safeText } from "../../../../pkg/schemas";
import { appealView, decideAppeal, fileAppeal, loadAppeal } from "../appeals";
import type { Env } from "../env";

const AppealIdParam = z.object({ id: IdSchema });

const FileAppealBody = z
  .object({
    decisionId: IdSchema.openapi({ description: "The moderation decision appealed (`decisionRecord.id`, or a decision id of `GET /v1/posts/{postId}`)" }),
    accountId: IdSchema.openapi({ description: "The affected account: the decision's target account, or the author of its post" }),
    statement: safeText({ max: 2000, multiline: true }).openapi({ description: "The account's case, up to 2,000 characters (line breaks allowed)" }),
  })
  .strict()
  .openapi("FileAppeal");

const AppealDecisionBody = z
  .object({
    outcome: z.enum(["uphold", "reverse"]),
    reason: safeText({ min: 3, max: 500 }),
  })
  .strict()
  .openapi("AppealDecision");

export const AppealSchema = z
  .object({
    id: z.string(),
    decision: z.object({ id: z.string(), action: z.string(), decidedAt: z.string() }),
    accountId: z.string(),
    subject: z.object({ type: z.enum(["post", "account"]), id: z.string() }),
    statement: z.string(),
    reviewItemId: z.string().nullable(),
    status: z.enum(["open", "decided"]),
    outcome: z.enum(["upheld", "reversed"]).nullable(),
    effect: z
      .enum(["applied", "pending", "none"])
      .nullable()
      .openapi({ description: "What reversing did: `applied` (post restored or removed again, labels lifted, account restored), `pending` (the account restore is not confirmed yet), `none` (nothing to undo)" }),
    createdAt: z.string(),
    decidedAt: z.string().nullable(),
    decidedBy: z.string().nullable().optional().openapi({ description: "Operators and admins only" }),
    reason: z.string().nullable().optional().openapi({ description: "Operators and admins only: the deciding operator's reason" }),
  })
  .openapi("Appeal");

const fileRoute = createRoute({
  method: "post",
  path: "/v1/appeals",
  tags: ["moderation"],
  summary:
    "Appeal a moderation decision (app): the affected account (the decision's target account, or the author of its post), once per decision, within `APPEAL_WINDOW_DAYS` (14) of it. The appeal becomes a signal (source `appeal`) on the subject's review item.",
  security: [{ bearer: [] }],
  middleware: [requireRole("app")] as const,
  request: { body: { required: true, content: { "application/json": { schema: FileAppealBody } } } },
  responses: {
    201: { description: "Appeal filed", content: { "application/json": { schema: AppealSchema } } },
    ...problemResponses(401, 403, 404, 409, 422),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/appeals/{id}",
  tags: ["moderation"],
  summary: "One appeal with its status and outcome (app, operator).",
  security: [{ bearer: [] }],
  middleware: [requireRole("app", "operator")] as const,
  request: { params: AppealIdParam },
  responses: {
    200: { description: "The appeal", content: { "application/json": { schema: AppealSchema } } },
    ...problemResponses(401, 403, 404, 422),
  },
});

const decideRoute = createRoute({
  method: "post",
  path: "/v1/appeals/{id}/decision",
  tags: ["moderation"],
  summary:
    "Decide an appeal (operator, other than the one who made the decision: 403 `same_operator`): `uphold`, or `reverse` — the removed post restored (a restored one removed again), the decision's labels lifted, a suspended account restored through registration; a closed account cannot be reopened (409 `not_reversible`). Decided once (409 `already_decided`); audited. 202 when the account restore is recorded but not yet confirmed (a repeat of the request, or the cron, completes it once).",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: { params: AppealIdParam, body: { required: true, content: { "application/json": { schema: AppealDecisionBody } } } },
  responses: {
    200: { description: "Decided", content: { "application/json": { schema: AppealSchema } } },
    202: { description: "Reversed; the account restore is pending", content: { "application/json": { schema: AppealSchema } } },
    ...problemResponses(401, 403, 404, 409, 422, 502),
  },
});

export const appealRoutes = createRouter<Env>()
  .openapi(fileRoute, async (c) => {
    const { appeal, decision } = await fileAppeal(c.env, c.get("principal")!, c.get("requestId"), c.req.valid("json"), waitUntilOf(c));
    return c.json(appealView(appeal, decision, false), 201);
  })
  .openapi(getRoute, async (c) => {
    const { appeal, decision } = await loadAppeal(c.env, c.req.valid("param").id);
    return c.json(appealView(appeal, decision, c.get("principal")!.role !== "app"), 200);
  })
  .openapi(decideRoute, async (c) => {
    const { appeal, decision } = await decideAppeal(c.env, c.get("principal")!, c.get("requestId"), c.req.valid("param").id, c.req.valid("json"), waitUntilOf(c));
    const view = appealView(appeal, decision, true);
    return appeal.effect === "pending" ? c.json(view, 202) : c.json(view, 200);
  });
