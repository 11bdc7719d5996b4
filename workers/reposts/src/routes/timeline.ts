import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../../../../pkg/app";
import { requireRole } from "../../../../pkg/principal";
import { isoOrNull, problemResponses } from "../../../../pkg/schemas";
import { counterCall } from "../counter-calls";
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
    ...problemResponses(401, 403, 404, 422, 503),
  },
});

/** Most posts one batch call answers (the console's spread page asks for its top 20). */
export const MAX_BATCH_POSTS = 50;
/** One post id, as PostIdSchema takes it. */
const ONE_ID = "[A-Za-z0-9._:-]{1,128}";

const BatchTimelineSchema = z
  .object({
    resolution: z.enum(["minute", "hour"]),
    bucketMs: z.number().int(),
    windowStart: z.string(),
    timelines: z
      .array(TimelineSchema.omit({ resolution: true, bucketMs: true, windowStart: true }).extend({ postId: z.string() }))
      .openapi({ description: "One per known post asked for, in the order asked (repeats once)" }),
    missing: z.array(z.string()).openapi({ description: "Posts asked for that Gatehouse has not screened (each alone would be 404 `post_not_found`)" }),
  })
  .openapi("PostTimelines");

const getTimelines = createRoute({
  method: "get",
  path: "/v1/spread/timelines",
  tags: ["spread"],
  summary: `Several posts' timelines in one call (operator): as \`GET /v1/posts/{postId}/timeline\` for each of up to ${MAX_BATCH_POSTS} posts; unknown posts are listed in \`missing\`.`,
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: {
    query: z.object({
      postIds: z
        .string()
        .regex(new RegExp(`^${ONE_ID}(,${ONE_ID}){0,${MAX_BATCH_POSTS - 1}}$`), `Give 1-${MAX_BATCH_POSTS} post ids separated by commas`)
        .openapi({ description: `Comma-separated post ids (1-${MAX_BATCH_POSTS})`, example: "pst_a,pst_b" }),
      resolution: z.enum(["minute", "hour"]).default("hour").openapi({ description: "Bucket size (default hour)" }),
    }),
  },
  responses: {
    200: { description: "The timelines", content: { "application/json": { schema: BatchTimelineSchema } } },
    ...problemResponses(401, 403, 422, 503),
  },
});

const NONE: Figures = { reposts: 0, views: 0 };

const wire = (t: Timeline | null) => ({
  buckets: (t?.buckets ?? []).map((b) => ({ start: isoOrNull(b.start)!, reposts: b.reposts, views: b.views })),
  earlier: t?.earlier ?? NONE,
  totals: t?.totals ?? NONE,
});

export const timelineRoutes = createRouter<Env>().openapi(getTimeline, async (c) => {
  const { postId } = c.req.valid("param");
  const { resolution } = c.req.valid("query");
  const post = await resolvePost(c.env.DB, postId);
  // Never counted: no layout yet, so no coordinator to ask (and none created by asking).
  const timeline: Timeline | null = post.shards === null ? null : await counterCall(() => c.env.POST_COUNTER.getByName(coordinatorName(post.rootPostId)).timeline(resolution));
  return c.json(
    {
      rootPostId: post.rootPostId,
      resolution,
      bucketMs: RESOLUTIONS[resolution],
      windowStart: isoOrNull(windowStart(resolution, Date.now()))!,
      ...wire(timeline),
    },
    200,
  );
}).openapi(getTimelines, async (c) => {
  const { postIds, resolution } = c.req.valid("query");
  const ids = [...new Set(postIds.split(","))];
  // One D1 read resolves every id as resolvePost does: a recorded repost counts toward its root; neither screened nor a repost is unknown.
  const db: D1Database = c.env.DB;
  const { results } = await db.prepare(
    `SELECT j.value AS id, COALESCE(c.root_post_id, j.value) AS root,
       (c.repost_post_id IS NOT NULL OR EXISTS (SELECT 1 FROM posts WHERE id = j.value)) AS known,
       (SELECT shards FROM post_spread WHERE root_post_id = COALESCE(c.root_post_id, j.value)) AS shards
     FROM json_each(?1) j LEFT JOIN repost_chain c ON c.repost_post_id = j.value`,
  )
    .bind(JSON.stringify(ids))
    .all<{ id: string; root: string; known: number; shards: number | null }>();
  const byId = new Map(results.map((r) => [r.id, r]));
  const counted = [...new Set(results.filter((r) => r.known && r.shards !== null).map((r) => r.root))];
  const timelines = new Map(
    await counterCall(() => Promise.all(counted.map(async (root): Promise<[string, Timeline]> => [root, await c.env.POST_COUNTER.getByName(coordinatorName(root)).timeline(resolution)]))),
  );
  const known = ids.filter((id) => byId.get(id)?.known);
  return c.json(
    {
      resolution,
      bucketMs: RESOLUTIONS[resolution],
      windowStart: isoOrNull(windowStart(resolution, Date.now()))!,
      timelines: known.map((id) => {
        const root = byId.get(id)!.root;
        return { postId: id, rootPostId: root, ...wire(timelines.get(root) ?? null) };
      }),
      missing: ids.filter((id) => !byId.get(id)?.known),
    },
    200,
  );
});
