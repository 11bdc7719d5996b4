import { runAtomic } from "../../../pkg/batch";
import { ApiError } from "../../../pkg/errors";
import { counterCall } from "./counter-calls";
import type { Env } from "./env";
import { assertRepostable, resolvePost, type ResolvedPost } from "./resolve";
import { ALLOWED_SHARD_COUNTS, coordinatorName, ownerOf, shardName } from "./shards";
import { loadThresholds, rulesFor } from "./thresholds";
import type { CountBody, CountOutcome, IdempotencyInput, PostContext } from "./types";

function configuredShards(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return (ALLOWED_SHARD_COUNTS as readonly number[]).includes(n) ? n : fallback;
}

/**
 * The statement that fixes a root post's first layout: never for a post that is (by now) a
 * repost, so a post cannot both spread as a root and be chained to another root (see chain.ts).
 * Binds: root post id, shards, now.
 */
export const INSERT_FIRST_LAYOUT_SQL = `INSERT INTO post_spread (root_post_id, shards, created_at, updated_at)
  SELECT ?1, ?2, ?3, ?3 WHERE NOT EXISTS (SELECT 1 FROM repost_chain WHERE repost_post_id = ?1)
  ON CONFLICT (root_post_id) DO NOTHING`;

/**
 * The root post's shard layout. The first count fixes epoch 0 (so an account's shard never
 * moves and dedup stays exact): HOT_SHARDS for posts by public accounts, else DEFAULT_SHARDS,
 * unless an operator set it beforehand. Concurrent first counts agree through the D1 row.
 * Null when the post was chained to another root since it was resolved.
 */
export async function ensureLayout(env: Env, post: ResolvedPost): Promise<{ shards: number; history: number[] } | null> {
  if (post.shards !== null) return { shards: post.shards, history: post.history };
  const wanted = post.authorKind === "public" ? configuredShards(env.HOT_SHARDS, 8) : configuredShards(env.DEFAULT_SHARDS, 1);
  const [, read] = await runAtomic(env.DB, [
    env.DB.prepare(INSERT_FIRST_LAYOUT_SQL).bind(post.rootPostId, wanted, Date.now()),
    env.DB.prepare(`SELECT shards, shard_history FROM post_spread WHERE root_post_id = ?`).bind(post.rootPostId),
  ]);
  const row = read?.results[0] as { shards: number; shard_history: string } | undefined;
  return row ? { shards: row.shards, history: JSON.parse(row.shard_history) as number[] } : null;
}

export async function postContext(env: Env, resolved: ResolvedPost): Promise<PostContext> {
  let post = resolved;
  const [first, rows] = await Promise.all([ensureLayout(env, post), loadThresholds(env.DB)]);
  let layout = first;
  if (layout === null) {
    // Chained to another root meanwhile (a root is never chained twice): count toward that root.
    post = await resolvePost(env.DB, post.rootPostId);
    assertRepostable(post);
    layout = await ensureLayout(env, post);
    if (layout === null) throw new ApiError(409, "repost_chain_conflict", "This post's repost chain changed while it was being counted; retry.");
  }
  return {
    rootPostId: post.rootPostId,
    shards: layout.shards,
    epoch: layout.history.length,
    history: layout.history,
    rules: rulesFor(rows, post.categories, post.verdict),
    categories: post.categories,
    verdict: post.verdict,
  };
}

/**
 * Routes a repost to the object that owns its account in the current epoch. A request key is
 * owned by the object its hash maps to (whatever the account): when that is another shard, the
 * key is claimed there first, so one key is used by one request across the whole post.
 */
async function repostTo(env: Env, pc: PostContext, accountId: string, idem?: IdempotencyInput): Promise<CountOutcome> {
  const owner = ownerOf(pc.epoch, pc.shards, accountId);
  if (owner.kind === "coordinator") return env.POST_COUNTER.getByName(coordinatorName(pc.rootPostId)).repost(pc, accountId, idem);
  const keyOwner = idem ? ownerOf(pc.epoch, pc.shards, idem.key) : null;
  const ownsKey = keyOwner === null || (keyOwner.kind === "shard" && keyOwner.index === owner.index);
  if (idem && keyOwner?.kind === "shard" && !ownsKey) {
    const claimed = await env.REPOST_SHARD.getByName(shardName(pc.rootPostId, keyOwner.index, keyOwner.epoch)).claim(pc, idem);
    if (!claimed.ok) return claimed;
  }
  return env.REPOST_SHARD.getByName(shardName(pc.rootPostId, owner.index, owner.epoch)).repost(pc, owner.index, accountId, idem, ownsKey);
}

/** Views are plain counts: any shard may take them (the idempotency key's shard, so a retry lands where the first try did). */
function viewsTo(env: Env, pc: PostContext, count: number, idem?: IdempotencyInput): Promise<CountOutcome> {
  const owner = ownerOf(pc.epoch, pc.shards, idem?.key ?? String(Math.random()));
  if (owner.kind === "coordinator") return env.POST_COUNTER.getByName(coordinatorName(pc.rootPostId)).view(pc, count, idem);
  return env.REPOST_SHARD.getByName(shardName(pc.rootPostId, owner.index, owner.epoch)).view(pc, owner.index, count, idem);
}

export function countRepost(env: Env, post: ResolvedPost, accountId: string, idem?: IdempotencyInput) {
  return withLayout(env, post, (pc) => repostTo(env, pc, accountId, idem));
}

export function countViews(env: Env, post: ResolvedPost, count: number, idem?: IdempotencyInput) {
  return withLayout(env, post, (pc) => viewsTo(env, pc, count, idem));
}

/**
 * Runs a count against the post's current layout. An object frozen by a shard raise answers
 * "moved": the layout is re-read once and the count goes to the new epoch. While a raise is
 * between freezing and publishing its new layout, the caller is asked to retry.
 */
async function withLayout(env: Env, post: ResolvedPost, run: (pc: PostContext) => Promise<CountOutcome>): Promise<{ body: CountBody; replayed: boolean }> {
  const pc = await postContext(env, post);
  let outcome = await counterCall(() => run(pc));
  if (!outcome.ok && outcome.code === "moved") {
    const fresh = await postContext(env, await resolvePost(env.DB, post.rootPostId));
    if (fresh.epoch !== pc.epoch) outcome = await counterCall(() => run(fresh));
  }
  if (outcome.ok) return outcome;
  if (outcome.code === "moved") {
    throw new ApiError(503, "post_resharding", "This post is moving to more counting shards; retry in a second.", { headers: { "retry-after": "1" } });
  }
  throw new ApiError(422, "idempotency_key_reused", "This Idempotency-Key was already used for a different request.");
}
