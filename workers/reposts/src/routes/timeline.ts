import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../../../../pkg/app";
import { requireRole } from "../../../../pkg/principal";
import { isoOrNull, problemResponses } from "../../../../pkg/schemas";
import type { Env } from "../env";
import { resolvePost } from "../resolve";
import { coordinatorName } from "../shards";
import { PostIdParams } from "../schemas";
import { RESOLUTIONS, windowStart, type Figures, type Timeline } from "../spread-buckets";

const FiguresSchema = z.object({ reposts: z.number().int(), views: z.number().int() });

const TimelineSchema = z
  .object({
    rootPostId: z.string().openapi({ description: "The root post whose spread this is (a repost's id answers with its root's)" }),
    resolution: z.enum(["minute", "hour"]),
    bucketMs: z.number().int(),
    windowStart: z.string().openapi({ description: "ISO start of the oldest bucket the window keeps (2 hours by minute, 7 days by hour)" }),
    buckets: z
      .array(FiguresSchema.extend({ start: z.string().openapi({ description: "ISO start of the bucket" }) }))
      .openapi({ description: "Buckets with any change, oldest first (empty buckets are left out)" }),
    earlier: FiguresSchema.openapi({ description: "Counts before the window" }),
    totals: FiguresSchema.openapi({ description: "`earlier` plus every bucket: the post's totals as of the last flush (about 1 s behind)" }),
  })
  .openapi("PostTimeline");

const getTimeline = createRoute({
  method: "get",
  path: "/v1/posts/{postId}/timeline",
  tags: ["spread"],
  summary: "A post's reposts and views over time (operator): minute buckets for the last 2 hours or hour buckets for the last 7 days.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: {
    params: PostIdParams,
    query: z.object({ resolution: z.enum(["minute", "hour"]).default("hour").openapi({ description: "Bucket size (default hour)" }) }),
  },
  responses: {
    200: { description: "The timeline", content: { "application/json": { schema: TimelineSchema } } },
    ...problemResponses(401, 403, 404, 422),
  },
});

const NONE: Figures = { reposts: 0, views: 0 };

export const timelineRoutes = createRouter<Env>().openapi(getTimeline, async (c) => {
  const { postId } = c.req.valid("param");
  const { resolution } = c.req.valid("query");
  const post = await resolvePost(c.env.DB, postId);
  // Never counted: no layout yet, so no coordinator to ask (and none created by asking).
  const timeline: Timeline | null = post.shards === null ? null : await c.env.POST_COUNTER.getByName(coordinatorName(post.rootPostId)).timeline(resolution);
  return c.json(
    {
      rootPostId: post.rootPostId,
      resolution,
      bucketMs: RESOLUTIONS[resolution],
      windowStart: isoOrNull(windowStart(resolution, Date.now()))!,
      buckets: (timeline?.buckets ?? []).map((b) => ({ start: isoOrNull(b.start)!, reposts: b.reposts, views: b.views })),
      earlier: timeline?.earlier ?? NONE,
      totals: timeline?.totals ?? NONE,
    },
    200,
  );
});
