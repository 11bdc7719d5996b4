import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { createRouter } from "../../../../pkg/app";
import { decodeCursor, nextCursor } from "../../../../pkg/cursor";
import { auditStatement } from "../../../../pkg/audit";
import { runAtomic } from "../../../../pkg/batch";
import { ApiError } from "../../../../pkg/errors";
import { requireRole } from "../../../../pkg/principal";
import { isoOrNull, problemResponses, safeText } from "../../../../pkg/schemas";
import { counterCall } from "../counter-calls";
import { INSERT_FIRST_LAYOUT_SQL } from "../counting";
import type { Env } from "../env";
import { resolvePost } from "../resolve";
import { raiseShards } from "../resharding";
import { ALLOWED_SHARD_COUNTS, coordinatorName, shardName } from "../shards";
import { PostIdParams, SpreadSchema } from "../schemas";
import type { SpreadBody } from "../types";

interface SpreadRow {
  root_post_id: string;
  reposts: number;
  views: number;
  levels: string;
  escalated: number;
  shards: number;
  updated_at: number;
}

/** A top-list cursor's key: the listing's metric and window start, and the last row's count. */
function parseTopPosition(key: string, metric: string): { since: number; value: number } {
  const m = /^(reposts|views):(\d{1,15}):(\d{1,15})$/.exec(key);
  if (!m || m[1] !== metric) throw new ApiError(422, "invalid_cursor", "The cursor is not one this endpoint returned for this metric.");
  return { since: Number(m[2]), value: Number(m[3]) };
}

function toBody(r: SpreadRow): SpreadBody {
  const levels = JSON.parse(r.levels) as { name: string; crossedAt: number }[];
  return {
    rootPostId: r.root_post_id,
    reposts: r.reposts,
    views: r.views,
    levels: levels.map((l) => ({ name: l.name, crossedAt: isoOrNull(l.crossedAt)! })),
    escalated: r.escalated === 1,
    // The write-behind copy: the coordinator's figures as of its last flush.
    totals: { exact: false, asOf: isoOrNull(r.updated_at)! },
  };
}

/**
 * The exact live figures: the coordinator's own counts plus every shard's of every epoch, read
 * now (one read-only RPC per shard: at most 31 after four raises). Null before the first count.
 */
async function exactLive(env: Env, root: string, layout: number[]): Promise<SpreadBody | null> {
  const shards = layout.flatMap((count, epoch) => (epoch === 0 && count <= 1 ? [] : Array.from({ length: count }, (_, i) => shardName(root, i, epoch))));
  const [live, ...counts] = await counterCall(() =>
    Promise.all([env.POST_COUNTER.getByName(coordinatorName(root)).live(), ...shards.map((name) => env.REPOST_SHARD.getByName(name).totals())]),
  );
  if (live?.body.totals.exact) return live.body;
  if (!live && shards.length === 0) return null;
  // A sharded post's coordinator may not have heard from any shard yet: its levels are then none.
  const base = live ?? { body: { rootPostId: root, reposts: 0, views: 0, levels: [], escalated: false }, own: { reposts: 0, views: 0 } };
  const sum = counts.reduce((acc, t) => ({ reposts: acc.reposts + (t?.reposts ?? 0), views: acc.views + (t?.views ?? 0) }), base.own);
  return { ...base.body, ...sum, totals: { exact: true, asOf: new Date().toISOString() } };
}

const getSpread = createRoute({
  method: "get",
  path: "/v1/posts/{postId}/spread",
  tags: ["spread"],
  summary: "A post's spread (of its root), from D1 (flushed within about a second); `?live=1` asks its counting object.",
  security: [{ bearer: [] }],
  middleware: [requireRole("app", "operator")] as const,
  request: {
    params: PostIdParams,
    query: z.object({ live: z.enum(["0", "1", "true", "false"]).optional().openapi({ description: "1 = exact live figures from the post's object" }) }),
  },
  responses: {
    200: {
      description: "Spread",
      content: {
        "application/json": {
          schema: SpreadSchema.extend({ labels: z.array(z.string()).openapi({ description: "Moderators' labels of this post (e.g. `disputed`), oldest first" }) }),
        },
      },
    },
    ...problemResponses(401, 403, 404, 422, 503),
  },
});

/** The moderators' labels of a post (`post_labels`, written by moderation's `label_post` decisions). */
async function labelsOf(db: D1Database, postId: string): Promise<string[]> {
  const { results } = await db.prepare(`SELECT label FROM post_labels WHERE post_id = ? ORDER BY created_at, label`).bind(postId).all<{ label: string }>();
  return results.map((r) => r.label);
}

const TopQuery = z.object({
  since: z.iso.datetime({ offset: true }).optional().openapi({ description: "Only posts counted since this time (default: 24 hours ago)" }),
  metric: z.enum(["reposts", "views"]).default("reposts"),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(400).optional().openapi({ description: "`nextCursor` of the previous page (opaque)" }),
});

const topSpread = createRoute({
  method: "get",
  path: "/v1/spread/top",
  tags: ["spread"],
  summary: "Most spread posts with counts changed since a time (operator), from D1.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: { query: TopQuery },
  responses: {
    200: {
      description: "Top posts",
      content: { "application/json": { schema: z.object({
            since: z.string(),
            metric: z.string(),
            posts: z.array(SpreadSchema.extend({ updatedAt: z.string() })),
            nextCursor: z.string().nullable().openapi({ description: "The next page's cursor; null on the last page" }),
          }),
        },
      },
    },
    ...problemResponses(401, 403, 422),
  },
});

const setShards = createRoute({
  method: "put",
  path: "/v1/posts/{postId}/spread/shards",
  tags: ["spread"],
  summary:
    "Set a post's counting shards (operator): any allowed count before its first count; afterwards only raised to a multiple (a new epoch: new accounts go to the new shards, earlier ones stay deduplicated).",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: {
    params: PostIdParams,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z
            .object({
              shards: z
                .number()
                .int()
                .refine((n) => (ALLOWED_SHARD_COUNTS as readonly number[]).includes(n), `One of ${ALLOWED_SHARD_COUNTS.join(", ")}`)
                .openapi({ enum: [...ALLOWED_SHARD_COUNTS] }),
              reason: safeText({ max: 500 }).optional().openapi({ description: "Why, for the audit log (free text, one line)" }),
            })
            .strict()
            .openapi("SpreadShards"),
        },
      },
    },
  },
  responses: {
    200: { description: "Shard layout", content: { "application/json": { schema: z.object({ rootPostId: z.string(), shards: z.number().int(), epoch: z.number().int() }) } } },
    ...problemResponses(401, 403, 404, 409, 415, 422),
  },
});

export const spreadRoutes = createRouter<Env>()
  .openapi(getSpread, async (c) => {
    const { postId } = c.req.valid("param");
    const { live } = c.req.valid("query");
    const post = await resolvePost((c.env.DB as D1Database), postId);
    const labels = await labelsOf(c.env.DB as D1Database, postId);
    if ((live === "1" || live === "true") && post.shards !== null) {
      const body = await exactLive(c.env, post.rootPostId, [...post.history, post.shards]);
      if (body) return c.json({ ...body, labels }, 200);
    }
    const row = await (c.env.DB as D1Database).prepare(`SELECT * FROM post_spread WHERE root_post_id = ?`).bind(post.rootPostId).first<SpreadRow>();
    const body: SpreadBody = row ? toBody(row) : { rootPostId: post.rootPostId, reposts: 0, views: 0, levels: [], escalated: false, totals: { exact: true, asOf: new Date().toISOString() } };
    return c.json({ ...body, labels }, 200);
  })
  .openapi(topSpread, async (c) => {
    const { since, metric, limit, cursor } = c.req.valid("query");
    // The cursor carries `since` too, so every page of one listing has the same window.
    const after = decodeCursor(cursor, "string");
    const position = after ? parseTopPosition(after.key, metric) : undefined;
    const sinceMs = position?.since ?? (since ? Date.parse(since) : Date.now() - 86_400_000);
    // `metric` is one of two literal column names (validated above), never caller text.
    // Keyset: by count descending, then root post id (unique), after the previous page's last row.
    const page = position
      ? `AND (${metric} < ?2 OR (${metric} = ?2 AND root_post_id > ?3))`
      : `AND ?2 IS NULL AND ?3 IS NULL`;
    const { results } = await (c.env.DB as D1Database)
      .prepare(`SELECT * FROM post_spread WHERE updated_at >= ?1 AND ${metric} > 0 ${page} ORDER BY ${metric} DESC, root_post_id LIMIT ?4`)
      .bind(sinceMs, position?.value ?? null, after?.id ?? null, limit)
      .all<SpreadRow>();
    return c.json(
      {
        since: new Date(sinceMs).toISOString(),
        metric,
        posts: results.map((r) => ({ ...toBody(r), updatedAt: isoOrNull(r.updated_at)! })),
        nextCursor: nextCursor(results, limit, (r) => ({ key: `${metric}:${sinceMs}:${r[metric]}`, id: r.root_post_id })),
      },
      200,
    );
  })
  .openapi(setShards, async (c) => {
    const { postId } = c.req.valid("param");
    const { shards, reason } = c.req.valid("json");
    const d1 = c.env.DB as D1Database;
    const principal = c.get("principal")!;
    const post = await resolvePost(d1, postId);
    const root = post.rootPostId;
    const now = Date.now();
    if (post.shards === null) {
      // Before the first count: fix the layout (never for a post chained meanwhile), audited only if set here.
      await runAtomic(d1, [
        d1.prepare(INSERT_FIRST_LAYOUT_SQL).bind(root, shards, now),
        auditStatement(principal, c.get("requestId"), { action: "spread.shards_set", subjectType: "post", subjectId: root, reason: reason ?? null, details: { shards } }, { onlyIf: sql`changes() = 1` }),
      ]);
    }
    const result = await raiseShards(c.env, root, shards, { actor: principal, requestId: c.get("requestId"), reason: reason ?? null });
    if (!result.ok) {
      throw result.code === "not_a_raise"
        ? new ApiError(409, "shards_locked", `This post counts over ${result.shards} shard(s); that can only be raised, to a multiple of it.`, { shards: result.shards })
        : new ApiError(409, "shards_locked", "The shard layout of this post changed concurrently; read it again and retry.");
    }
    return c.json({ rootPostId: root, shards: result.shards, epoch: result.epoch }, 200);
  });
