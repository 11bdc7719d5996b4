import { z } from "@hono/zod-openapi";
import { PostIdSchema } from "../../../pkg/schemas";

export const PostIdParams = z.object({ postId: PostIdSchema.openapi({ param: { name: "postId", in: "path" }, example: "pst_mf3k2a9x0q1w2e3r" }) });

/** The app's own id for a user: opaque to Gatehouse, who need not be registered here. */
export const AccountIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:@-]{1,128}$/, "Use 1-128 characters: letters, digits and . _ : @ -")
  .openapi({ example: "user-8812" });

export const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .regex(/^[\x21-\x7e]{1,200}$/, "Use 1-200 visible ASCII characters")
    .optional()
    .openapi({ param: { name: "idempotency-key", in: "header" }, description: "Replays the first response for 24 h instead of counting again" }),
});

export const LevelSchema = z.object({ name: z.string(), crossedAt: z.string() });

export const SpreadSchema = z
  .object({
    rootPostId: z.string(),
    reposts: z.number().int(),
    views: z.number().int(),
    levels: z.array(LevelSchema).openapi({ description: "Threshold levels crossed so far, oldest first" }),
    escalated: z.boolean(),
    totals: z
      .object({
        exact: z.boolean().openapi({ description: "True: `reposts` and `views` are the post's totals at `asOf`" }),
        asOf: z.string().openapi({ description: "ISO time the figures are from" }),
      })
      .openapi({
        description:
          "How current the figures are. exact=false: approximate — on a post counted on several shards, a count's answer holds its own shard's counts up to now and the other shards' as of `asOf` (they report within 250 ms while healthy); a non-live read is D1's copy as of its last flush (`asOf`, about 1 s behind).",
      }),
  })
  .openapi("PostSpread");

export const CountSchema = SpreadSchema.extend({
  counted: z.boolean().openapi({ description: "False when this account had already reposted this post" }),
}).openapi("SpreadCount");
