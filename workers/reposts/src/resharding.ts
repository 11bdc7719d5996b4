import { sql } from "drizzle-orm";
import { auditStatement, type AuditActor } from "../../../pkg/audit";
import { GuardFailed, guard, runAtomic } from "../../../pkg/batch";
import type { Env } from "./env";
import { coordinatorName, shardName } from "./shards";

/** Who asked for a raise, for the audit record: an operator's key, or the post's own coordinator. */
export interface RaiseActor {
  actor: AuditActor;
  requestId?: string | null;
  /** The operator's reason (free text, checked by the route), for the audit entry. */
  reason?: string | null;
}

export type RaiseResult =
  | { ok: true; shards: number; epoch: number; raised: boolean }
  | { ok: false; code: "not_a_raise" | "layout_changed"; shards: number };

/**
 * Raises a counting post to `target` shards by starting a new epoch:
 *  1. freeze every object of the current epoch (they take no new accounts, answer "moved"),
 *  2. publish the new layout and its audit record in one D1 transaction, guarded by a
 *     compare-and-set on the old layout.
 * New accounts then go to the new epoch's shards, which ask the frozen epochs whether an
 * account was already counted, so deduplication stays exact. Safe to repeat: freezing is
 * idempotent and a lost race changes nothing. `freezeSelf` freezes the coordinator when the
 * caller is the coordinator itself (an object must not wait on an RPC to itself).
 */
export async function raiseShards(env: Env, rootPostId: string, target: number, actor: RaiseActor, freezeSelf?: () => void): Promise<RaiseResult> {
  const current = await env.DB.prepare(`SELECT shards, shard_history FROM post_spread WHERE root_post_id = ?`)
    .bind(rootPostId)
    .first<{ shards: number; shard_history: string }>();
  if (!current) return { ok: false, code: "layout_changed", shards: 0 };
  const history = JSON.parse(current.shard_history) as number[];
  if (current.shards === target) return { ok: true, shards: target, epoch: history.length, raised: false };
  if (target < current.shards || target % current.shards !== 0) return { ok: false, code: "not_a_raise", shards: current.shards };

  const epoch = history.length;
  if (epoch === 0 && current.shards === 1) {
    if (freezeSelf) freezeSelf();
    else await env.POST_COUNTER.getByName(coordinatorName(rootPostId)).freeze();
  } else {
    await Promise.all(Array.from({ length: current.shards }, (_, i) => env.REPOST_SHARD.getByName(shardName(rootPostId, i, epoch)).freeze()));
  }

  try {
    await runAtomic(env.DB, [
      // Compare-and-set: only the raise that read the current layout publishes the next one.
      guard(sql`EXISTS (SELECT 1 FROM post_spread WHERE root_post_id = ${rootPostId} AND shards = ${current.shards} AND shard_history = ${current.shard_history})`),
      env.DB.prepare(`UPDATE post_spread SET shards = ?, shard_history = ? WHERE root_post_id = ?`).bind(target, JSON.stringify([...history, current.shards]), rootPostId),
      auditStatement(actor.actor, actor.requestId, {
        action: "spread.shards_raised",
        subjectType: "post",
        subjectId: rootPostId,
        reason: actor.reason ?? null,
        details: { from: current.shards, to: target, epoch: epoch + 1 },
      }),
    ]);
  } catch (err) {
    if (err instanceof GuardFailed) return { ok: false, code: "layout_changed", shards: current.shards };
    throw err;
  }
  return { ok: true, shards: target, epoch: epoch + 1, raised: true };
}
