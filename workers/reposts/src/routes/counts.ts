import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../../../../pkg/app";
import { ApiError } from "../../../../pkg/errors";
import { PostIdSchema, problemResponses } from "../../../../pkg/schemas";
import { requireRole, type Principal } from "../../../../pkg/principal";
import { countRepost, countViews } from "../counting";
import type { Env } from "../env";
import { recordChain } from "../chain";
import { assertRepostable, resolvePost } from "../resolve";
import { AccountIdSchema, CountSchema, IdempotencyHeaders, PostIdParams } from "../schemas";
import type { IdempotencyInput } from "../types";

const RepostBody = z
  .object({
    accountId: AccountIdSchema,
    repostPostId: PostIdSchema.optional().openapi({ description: "The id of the new repost post, if screened; later reposts of it count toward the root" }),
  })
  .strict()
  .openapi("Repost");

const ViewsBody = z
  .object({ count: z.number().int().min(1).max(10_000).default(1).openapi({ description: "Views in this batch (1-10,000)" }) })
  .strict()
  .openapi("Views");

const countResponses = {
  200: { description: "Counted (or already counted)", content: { "application/json": { schema: CountSchema } } },
  ...problemResponses(401, 403, 404, 409, 415, 422, 503),
};

const repost = createRoute({
  method: "post",
  path: "/v1/posts/{postId}/reposts",
  tags: ["spread"],
  summary: "Count a repost: once per (root post, account); reposts of reposts count toward the root.",
  security: [{ bearer: [] }],
  middleware: [requireRole("app")] as const,
  request: { params: PostIdParams, headers: IdempotencyHeaders, body: { required: true, content: { "application/json": { schema: RepostBody } } } },
  responses: countResponses,
});

const views = createRoute({
  method: "post",
  path: "/v1/posts/{postId}/views",
  tags: ["spread"],
  summary: "Add a batch of views to a post's root (counts, not unique viewers).",
  security: [{ bearer: [] }],
  middleware: [requireRole("app")] as const,
  request: { params: PostIdParams, headers: IdempotencyHeaders, body: { required: true, content: { "application/json": { schema: ViewsBody } } } },
  responses: countResponses,
});

/** Idempotency keys are per API key, so two apps cannot collide or replay each other's answers. */
function idempotency(principal: Principal | undefined, key: string | undefined, fingerprint: string): IdempotencyInput | undefined {
  return key ? { key: `${principal?.keyId ?? "-"}:${key}`, fingerprint } : undefined;
}

export const countRoutes = createRouter<Env>()
  .openapi(repost, async (c) => {
    const { postId } = c.req.valid("param");
    const { accountId, repostPostId } = c.req.valid("json");
    const key = c.req.valid("header")["idempotency-key"];
    if (repostPostId === postId) throw new ApiError(422, "repost_of_itself", "`repostPostId` must be the new repost's id, not the reposted post's.");
    let post = await resolvePost(c.env.DB, postId);
    assertRepostable(post);
    if (repostPostId !== undefined) {
      const root = await recordChain(c.env.DB, repostPostId, postId);
      // The post was chained to another root since it was resolved: count toward that root.
      if (root !== post.rootPostId) {
        post = await resolvePost(c.env.DB, postId);
        assertRepostable(post);
      }
    }
    const idem = idempotency(c.get("principal"), key, `repost|${postId}|${accountId}|${repostPostId ?? ""}`);
    const { body, replayed } = await countRepost(c.env, post, accountId, idem);
    if (replayed) c.header("idempotent-replayed", "true");
    return c.json(body, 200);
  })
  .openapi(views, async (c) => {
    const { postId } = c.req.valid("param");
    const { count } = c.req.valid("json");
    const key = c.req.valid("header")["idempotency-key"];
    const post = await resolvePost(c.env.DB, postId);
    assertRepostable(post);
    const idem = idempotency(c.get("principal"), key, `views|${postId}|${count}`);
    const { body, replayed } = await countViews(c.env, post, count, idem);
    if (replayed) c.header("idempotent-replayed", "true");
    return c.json(body, 200);
  });
