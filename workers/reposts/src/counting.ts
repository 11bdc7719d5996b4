import { ApiError } from "../../../pkg/errors";
import type { Env } from "./env";
import type { ResolvedPost } from "./resolve";
import { ALLOWED_SHARD_COUNTS, coordinatorName, shardName, shardOf } from "./shards";
import { loadThresholds, rulesFor } from "./thresholds";
import type { CountBody, CountOutcome, IdempotencyInput, PostContext } from "./types";

function configuredShards(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return (ALLOWED_SHARD_COUNTS as readonly number[]).includes(n) ? n : fallback;
}

/**
 * The root post's shard count, fixed at its first count (so an account's shard never moves
 * and dedup stays exact): HOT_SHARDS for posts by public accounts, else DEFAULT_SHARDS, unless
 * an operator set it beforehand. Concurrent first counts agree through the D1 row.
 */
export async function ensureShards(env: Env, post: ResolvedPost): Promise<number> {
  if (post.shards !== null) return post.shards;
  const wanted = post.authorKind === "public" ? configuredShards(env.HOT_SHARDS, 8) : configuredShards(env.DEFAULT_SHARDS, 1);
  const now = Date.now();
  const [, read] = await env.DB.batch<{ shards: number }>([
    env.DB.prepare(`INSERT INTO post_spread (root_post_id, shards, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`).bind(post.rootPostId, wanted, now, now),
    env.DB.prepare(`SELECT shards FROM post_spread WHERE root_post_id = ?`).bind(post.rootPostId),
  ]);
  return read?.results[0]?.shards ?? wanted;
}

export async function postContext(env: Env, post: ResolvedPost): Promise<PostContext> {
  const [shards, rows] = await Promise.all([ensureShards(env, post), loadThresholds(env.DB)]);
  return { rootPostId: post.rootPostId, shards, rules: rulesFor(rows, post.categories, post.verdict), categories: post.categories, verdict: post.verdict };
}

/** Routes a repost to the object that owns its account: the coordinator, or the account's shard. */
export function countRepost(env: Env, pc: PostContext, accountId: string, idem?: IdempotencyInput): Promise<CountOutcome> {
  return guard(() => {
    if (pc.shards <= 1) return env.POST_COUNTER.getByName(coordinatorName(pc.rootPostId)).repost(pc, accountId, idem);
    const shard = shardOf(accountId, pc.shards);
    return env.REPOST_SHARD.getByName(shardName(pc.rootPostId, shard)).repost(pc, shard, accountId, idem);
  });
}

/** Views are plain counts: any shard may take them (the idempotency key's shard, so a retry lands where the first try did). */
export function countViews(env: Env, pc: PostContext, count: number, idem?: IdempotencyInput): Promise<CountOutcome> {
  return guard(() => {
    if (pc.shards <= 1) return env.POST_COUNTER.getByName(coordinatorName(pc.rootPostId)).view(pc, count, idem);
    const shard = idem ? shardOf(idem.key, pc.shards) : Math.floor(Math.random() * pc.shards);
    return env.REPOST_SHARD.getByName(shardName(pc.rootPostId, shard)).view(pc, shard, count, idem);
  });
}

/** An overloaded object is the caller's cue to back off; it is not retried here (that would add load). */
async function guard(run: () => Promise<CountOutcome>): Promise<CountOutcome> {
  try {
    return await run();
  } catch (err) {
    if ((err as { overloaded?: boolean }).overloaded) {
      throw new ApiError(503, "post_overloaded", "This post is receiving more counts than it can take right now; retry shortly.", { headers: { "retry-after": "1" } });
    }
    throw err;
  }
}

export function unwrap(outcome: CountOutcome): { body: CountBody; replayed: boolean } {
  if (!outcome.ok) throw new ApiError(422, "idempotency_key_reused", "This Idempotency-Key was already used for a different request.");
  return outcome;
}
