import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../../../../pkg/app";
import { ApiError } from "../../../../pkg/errors";
import { requireRole } from "../../../../pkg/principal";
import { isoOrNull, problemResponses } from "../../../../pkg/schemas";
import type { Env } from "../env";
import { PostIdParams } from "../schemas";

/**
 * `GET /v1/posts/{postId}`: the one place an app learns what happened to a post. It lives with the
 * other `/v1/posts/*` routes (the gateway sends that segment here) and reads the shared D1 tables
 * the other workers write: `posts` (screening), `moderation_decisions`, `post_labels` and
 * `review_queue`, `appeals` (moderation), `post_spread` and `repost_chain` (this worker). Operators' reasons are
 * not shown: apps get what was done and when.
 */
const PostStatusSchema = z
  .object({
    postId: z.string(),
    accountId: z.string(),
    kind: z.enum(["post", "news", "reprint"]),
    verdict: z.enum(["allow", "review", "block"]).openapi({ description: "Screening's verdict" }),
    categories: z.array(z.string()).openapi({ description: "Screening categories the post matched" }),
    policyVersion: z.number().int().openapi({ description: "The policy version it was screened with" }),
    screenedAt: z.string(),
    removal: z
      .object({ removedAt: z.string(), decisionId: z.string().nullable() })
      .nullable()
      .openapi({ description: "Set while the post is removed (reposts and views are then refused with 409 `post_removed`)" }),
    labels: z.array(z.object({ label: z.string(), at: z.string(), decisionId: z.string() })).openapi({ description: "Labels moderators put on the post, e.g. `disputed`" }),
    review: z
      .object({ status: z.enum(["open", "decided"]), openedAt: z.string(), decidedAt: z.string().nullable() })
      .nullable()
      .openapi({ description: "The post's latest review item, if it ever entered the queue" }),
    decisions: z
      .array(
        z.object({
          id: z.string(),
          action: z.string(),
          status: z.enum(["applied", "pending"]),
          decidedAt: z.string(),
          target: z.object({ type: z.enum(["post", "account"]), id: z.string() }).nullable(),
        }),
      )
      .openapi({ description: "Moderation decisions about the post, newest first (an account action on a post item acts on its author)" }),
    appeal: z
      .object({
        id: z.string(),
        decisionId: z.string(),
        status: z.enum(["open", "decided"]),
        outcome: z.enum(["upheld", "reversed"]).nullable(),
        decidedAt: z.string().nullable(),
      })
      .nullable()
      .openapi({ description: "The post's latest appeal (`POST /v1/appeals`), open or decided; null when none was filed" }),
    spread: z
      .object({
        rootPostId: z.string(),
        reposts: z.number().int(),
        views: z.number().int(),
        levels: z.array(z.object({ name: z.string(), crossedAt: z.string() })),
        escalated: z.boolean(),
        asOf: z.string(),
      })
      .nullable()
      .openapi({ description: "The spread of the post's root (the D1 copy, flushed within about a second); null before its first count" }),
  })
  .openapi("PostStatus");

const getPostStatus = createRoute({
  method: "get",
  path: "/v1/posts/{postId}",
  tags: ["spread"],
  summary: "What happened to a post (app, operator): screening verdict, removal, labels, review, decisions, appeal and spread.",
  security: [{ bearer: [] }],
  middleware: [requireRole("app", "operator")] as const,
  request: { params: PostIdParams },
  responses: {
    200: { description: "The post's status", content: { "application/json": { schema: PostStatusSchema } } },
    ...problemResponses(401, 403, 404, 422),
  },
});

type PostRow = { id: string; account_id: string; kind: "post" | "news" | "reprint"; verdict: "allow" | "review" | "block"; categories: string; policy_version: number; created_at: number; removed_at: number | null };
type DecisionRow = { id: string; action: string; status: "applied" | "pending"; decided_at: number; target_type: "post" | "account" | null; target_id: string | null };
type AppealRow = { id: string; decision_id: string; status: "open" | "decided"; outcome: "upheld" | "reversed" | null; decided_at: number | null };
type SpreadRow = { root_post_id: string; reposts: number; views: number; levels: string; escalated: number; updated_at: number };

export const postStatusRoutes = createRouter<Env>().openapi(getPostStatus, async (c) => {
  const { postId } = c.req.valid("param");
  const db = c.env.DB;
  // One round trip: D1 runs the batch's reads together.
  const [post, decisions, labels, review, spread, appeal] = await db.batch([
    db.prepare("SELECT id, account_id, kind, verdict, categories, policy_version, created_at, removed_at FROM posts WHERE id = ?").bind(postId),
    db
      .prepare(
        `SELECT id, action, status, decided_at, target_type, target_id FROM moderation_decisions
         WHERE status <> 'refused' AND ((subject_type = 'post' AND subject_id = ?1) OR (target_type = 'post' AND target_id = ?1))
         ORDER BY decided_at DESC, id DESC LIMIT 50`,
      )
      .bind(postId),
    db.prepare("SELECT label, created_at, decision_id FROM post_labels WHERE post_id = ? ORDER BY created_at, label").bind(postId),
    db.prepare("SELECT status, created_at, decided_at FROM review_queue WHERE subject_type = 'post' AND subject_id = ? ORDER BY created_at DESC, id DESC LIMIT 1").bind(postId),
    db
      .prepare(
        `SELECT s.root_post_id, s.reposts, s.views, s.levels, s.escalated, s.updated_at FROM post_spread s
         WHERE s.root_post_id = coalesce((SELECT root_post_id FROM repost_chain WHERE repost_post_id = ?1), ?1)`,
      )
      .bind(postId),
    db.prepare("SELECT id, decision_id, status, outcome, decided_at FROM appeals WHERE subject_type = 'post' AND subject_id = ? ORDER BY created_at DESC, id DESC LIMIT 1").bind(postId),
  ]);
  const p = post!.results[0] as PostRow | undefined;
  if (!p) throw new ApiError(404, "post_not_found", "Gatehouse has not screened a post with this id.");
  const ds = decisions!.results as DecisionRow[];
  const r = review!.results[0] as { status: "open" | "decided"; created_at: number; decided_at: number | null } | undefined;
  const s = spread!.results[0] as SpreadRow | undefined;
  const a = appeal!.results[0] as AppealRow | undefined;
  const removedBy = p.removed_at !== null ? (ds.find((d) => d.action === "remove_post" && d.status === "applied")?.id ?? null) : null;
  return c.json(
    {
      postId: p.id,
      accountId: p.account_id,
      kind: p.kind,
      verdict: p.verdict,
      categories: JSON.parse(p.categories) as string[],
      policyVersion: p.policy_version,
      screenedAt: isoOrNull(p.created_at)!,
      removal: p.removed_at !== null ? { removedAt: isoOrNull(p.removed_at)!, decisionId: removedBy } : null,
      labels: (labels!.results as { label: string; created_at: number; decision_id: string }[]).map((l) => ({ label: l.label, at: isoOrNull(l.created_at)!, decisionId: l.decision_id })),
      review: r ? { status: r.status, openedAt: isoOrNull(r.created_at)!, decidedAt: isoOrNull(r.decided_at) } : null,
      decisions: ds.map((d) => ({
        id: d.id,
        action: d.action,
        status: d.status,
        decidedAt: isoOrNull(d.decided_at)!,
        target: d.target_type && d.target_id ? { type: d.target_type, id: d.target_id } : null,
      })),
      appeal: a ? { id: a.id, decisionId: a.decision_id, status: a.status, outcome: a.outcome, decidedAt: isoOrNull(a.decided_at) } : null,
      spread: s
        ? {
            rootPostId: s.root_post_id,
            reposts: s.reposts,
            views: s.views,
            levels: (JSON.parse(s.levels) as { name: string; crossedAt: number }[]).map((l) => ({ name: l.name, crossedAt: isoOrNull(l.crossedAt)! })),
            escalated: s.escalated === 1,
            asOf: isoOrNull(s.updated_at)!,
          }
        : null,
    },
    200,
  );
});
