import { env, runDurableObjectAlarm } from "cloudflare:test";
import { newId } from "../../../pkg/ids";
import { call } from "../../../test/support/call";
import type { Env } from "../src/env";
import { coordinatorName, shardName } from "../src/shards";

export const testEnv = env as unknown as Env;

/** A screened post, as the screening worker records it. */
export async function insertPost(opts: { verdict?: "allow" | "review" | "block"; removedAt?: number | null; categories?: string[]; accountId?: string } = {}): Promise<string> {
  const id = newId("pst");
  await testEnv.DB.prepare(
    `INSERT INTO posts (id, account_id, content_hash, kind, verdict, reasons, categories, policy_version, created_at, removed_at)
     VALUES (?, ?, ?, 'post', ?, '[]', ?, 1, ?, ?)`,
  )
    .bind(id, opts.accountId ?? newId("acc"), "0".repeat(64), opts.verdict ?? "allow", JSON.stringify(opts.categories ?? []), Date.now(), opts.removedAt ?? null)
    .run();
  return id;
}

export async function insertPublicAccount(): Promise<string> {
  const id = newId("acc");
  const now = Date.now();
  await testEnv.DB.prepare(`INSERT INTO accounts (id, handle, display_name, kind, status, created_at, updated_at) VALUES (?, ?, 'Paper', 'public', 'verified', ?, ?)`)
    .bind(id, `h_${id}`, now, now)
    .run();
  return id;
}

export const coordinator = (rootPostId: string) => testEnv.POST_COUNTER.getByName(coordinatorName(rootPostId));
export const shard = (rootPostId: string, i: number) => testEnv.REPOST_SHARD.getByName(shardName(rootPostId, i));

/** Runs every shard's report, then the coordinator's flush (what the alarms do on their own). */
export async function settle(rootPostId: string, shards = 1): Promise<void> {
  for (let i = 0; i < shards && shards > 1; i++) await runDurableObjectAlarm(shard(rootPostId, i));
  await runDurableObjectAlarm(coordinator(rootPostId));
}

export async function spreadRow(rootPostId: string) {
  return testEnv.DB.prepare(`SELECT * FROM post_spread WHERE root_post_id = ?`)
    .bind(rootPostId)
    .first<{ reposts: number; views: number; version: number; levels: string; escalated: number; shards: number; shard_history: string }>();
}

export async function reviewRows(rootPostId: string) {
  const { results } = await testEnv.DB.prepare(`SELECT * FROM review_queue WHERE subject_id = ? AND source = 'spread'`).bind(rootPostId).all<{ dedupe_key: string; details: string; status: string }>();
  return results;
}

/** Replaces the rules through the admin endpoint (which also drops the isolate's rules cache). */
export async function setRules(rules: { level: string; metric: "reposts" | "views"; value: number; action: "escalate" | "label" | "shard"; category?: string | null; verdict?: string | null }[]) {
  const res = await call(`/v1/spread/thresholds`, { role: "admin", method: "PUT", body: { rules } });
  if (res.status !== 200) throw new Error(`setRules: ${res.status} ${await res.text()}`);
}
