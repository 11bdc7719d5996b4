/**
 * Story reads: `GET /v1/posts/{postId}/story`, `GET /v1/stories/{id}`, `GET /v1/stories/top`.
 * Served here, beside the post's own spread: a story's figures are its copies' spread (this worker's,
 * src/story-spread.ts) plus what screening records when it groups a copy (`stories`, `story_posts`);
 * the gateway sends `/v1/posts/*` and `/v1/stories/*` to this worker. Read from D1, never from the
 * counting objects: spread figures are as of each copy's last flush (about 1 s).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../../../pkg/app";
import { decodeCursor, pageOf } from "../../../pkg/cursor";
import { ApiError } from "../../../pkg/errors";
import { requireRole } from "../../../pkg/principal";
import { IdSchema, isoOrNull, problemResponses } from "../../../pkg/schemas";
import { STORY_METRICS, type StoryMetric } from "../../../db/schema";
import type { Env } from "./env";
import { PostIdParams } from "./schemas";

interface StoryRow {
  id: string;
  first_post_id: string;
  first_seen_at: number;
  last_seen_at: number;
  copies: number;
  accounts: number;
  reposts: number;
  views: number;
  spread_updated_at: number | null;
  escalated_at: number | null;
  removed_at: number | null;
  removed_decision_id: string | null;
}

const StoryFields = z.object({
    id: z.string(),
    firstPostId: z.string(),
    firstSeen: z.string(),
    lastSeen: z.string(),
    copies: z.number().int().openapi({ description: "Screened posts in the story" }),
    accounts: z.number().int().openapi({ description: "Distinct accounts that posted a copy" }),
    spread: z
      .object({
        reposts: z.number().int(),
        views: z.number().int(),
        asOf: z.string().nullable().openapi({ description: "The latest flush of a copy's counts (null: none counted yet)" }),
      })
      .openapi({ description: "Reposts and views summed over the copies, as flushed (about 1 s behind each copy's exact count)" }),
    escalatedAt: z.string().nullable().openapi({ description: "When a story threshold opened its one review signal" }),
    removal: z.object({ removedAt: z.string(), decisionId: z.string().nullable() }).nullable().openapi({ description: "Set when moderators removed the story; new copies get `matches_removed_story`" }),
});
const StorySummarySchema = StoryFields.openapi("StorySummary");

const CopySchema = z.object({ postId: z.string(), accountId: z.string(), similarity: z.number().openapi({ description: "Estimated similarity to the story's first copy, 0–1" }), joinedAt: z.string() });

function summary(r: StoryRow): z.infer<typeof StorySummarySchema> {
  return {
    id: r.id,
    firstPostId: r.first_post_id,
    firstSeen: isoOrNull(r.first_seen_at)!,
    lastSeen: isoOrNull(r.last_seen_at)!,
    copies: r.copies,
    accounts: r.accounts,
    spread: { reposts: r.reposts, views: r.views, asOf: isoOrNull(r.spread_updated_at) },
    escalatedAt: isoOrNull(r.escalated_at),
    removal: r.removed_at !== null ? { removedAt: isoOrNull(r.removed_at)!, decisionId: r.removed_decision_id } : null,
  };
}

const StoryIdParams = z.object({ id: IdSchema.openapi({ param: { name: "id", in: "path" }, example: "sty_mf3k2a9x0q1w2e3r" }) });
const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(500).optional(),
});

const readers = { security: [{ bearer: [] }], middleware: [requireRole("app", "operator")], tags: ["stories"] };

const postStory = createRoute({
  ...readers,
  method: "get",
  path: "/v1/posts/{postId}/story",
  summary: "The story (near-duplicate copies) a post belongs to (app, operator).",
  description: "`story` is null when the post's text was too short for a fingerprint (`STORY_MIN_CHARS`). 404 `post_not_found` for a post never screened.",
  request: { params: PostIdParams },
  responses: {
    200: { description: "The post's story", content: { "application/json": { schema: z.object({ postId: z.string(), story: StoryFields.nullable().openapi({ description: "The story (as `StorySummary`); null when the post has none" }) }).openapi("PostStory") } } },
    ...problemResponses(401, 403, 404, 422),
  },
});

const getStory = createRoute({
  ...readers,
  method: "get",
  path: "/v1/stories/{id}",
  summary: "A story: its copies (oldest first, paged), distinct accounts, first seen, spread (app, operator).",
  request: { params: StoryIdParams, query: PageQuery },
  responses: {
    200: {
      description: "The story",
      content: { "application/json": { schema: StorySummarySchema.extend({ copyList: z.array(CopySchema), nextCursor: z.string().nullable() }).openapi("Story") } },
    },
    ...problemResponses(401, 403, 404, 422),
  },
});

const topStories = createRoute({
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")],
  tags: ["stories"],
  method: "get",
  path: "/v1/stories/top",
  summary: "Stories by copies, distinct accounts, reposts or views, largest first (operator).",
  request: {
    query: PageQuery.extend({
      metric: z.enum(STORY_METRICS).default("reposts"),
      limit: z.coerce.number().int().min(1).max(100).default(20),
    }),
  },
  responses: {
    200: { description: "One page", content: { "application/json": { schema: z.object({ stories: z.array(StorySummarySchema), nextCursor: z.string().nullable() }).openapi("TopStories") } } },
    ...problemResponses(401, 403, 422),
  },
});

export const storyRoutes = createRouter<Env>()
  .openapi(postStory, async (c) => {
    const { postId } = c.req.valid("param");
    const row = await c.env.DB.prepare(
      `SELECT p.id AS post_id, s.* FROM posts p LEFT JOIN story_posts sp ON sp.post_id = p.id LEFT JOIN stories s ON s.id = sp.story_id WHERE p.id = ?`,
    )
      .bind(postId)
      .first<StoryRow & { post_id: string }>();
    if (!row) throw new ApiError(404, "post_not_found", "No post with this id was screened.");
    return c.json({ postId, story: row.id ? summary(row) : null }, 200);
  })
  // Before /v1/stories/{id}: "top" is not an id.
  .openapi(topStories, async (c) => {
    const { metric, limit, cursor } = c.req.valid("query");
    const after = decodeCursor(cursor, "string");
    const position = after ? parsePosition(after.key, metric) : undefined;
    // `metric` is one of four literal column names (validated above), never caller text.
    const page = position !== undefined ? `(${metric} < ?1 OR (${metric} = ?1 AND id > ?2))` : `?1 IS NULL AND ?2 IS NULL`;
    const { results } = await c.env.DB.prepare(`SELECT * FROM stories WHERE ${page} ORDER BY ${metric} DESC, id LIMIT ?3`)
      .bind(position ?? null, after?.id ?? null, limit + 1)
      .all<StoryRow>();
    const { page: rows, nextCursor } = pageOf(results, limit, (r) => ({ key: `${metric}:${r[metric]}`, id: r.id }));
    return c.json({ stories: rows.map(summary), nextCursor }, 200);
  })
  .openapi(getStory, async (c) => {
    const { id } = c.req.valid("param");
    const { limit, cursor } = c.req.valid("query");
    const after = decodeCursor(cursor);
    const [story, copies] = await c.env.DB.batch([
      c.env.DB.prepare(`SELECT * FROM stories WHERE id = ?`).bind(id),
      c.env.DB.prepare(
        `SELECT post_id, account_id, similarity, joined_at FROM story_posts WHERE story_id = ?1 AND (?2 IS NULL OR joined_at > ?2 OR (joined_at = ?2 AND post_id > ?3))
         ORDER BY joined_at, post_id LIMIT ?4`,
      ).bind(id, after?.key ?? null, after?.id ?? null, limit + 1),
    ]);
    const row = (story!.results as StoryRow[])[0];
    if (!row) throw new ApiError(404, "story_not_found", "No story has this id.");
    type CopyRow = { post_id: string; account_id: string; similarity: number; joined_at: number };
    const { page, nextCursor } = pageOf(copies!.results as CopyRow[], limit, (r) => ({ key: r.joined_at, id: r.post_id }));
    return c.json(
      {
        ...summary(row),
        copyList: page.map((r) => ({ postId: r.post_id, accountId: r.account_id, similarity: r.similarity / 100, joinedAt: isoOrNull(r.joined_at)! })),
        nextCursor,
      },
      200,
    );
  });

/** A top-list cursor's key: the listing's metric and the last row's value. */
function parsePosition(key: string, metric: StoryMetric): number {
  const m = /^(copies|accounts|reposts|views):(\d{1,15})$/.exec(key);
  if (!m || m[1] !== metric) throw new ApiError(422, "invalid_cursor", "The cursor is not one this endpoint returned for this metric.");
  return Number(m[2]);
}
