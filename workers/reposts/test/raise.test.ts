import { describe, expect, it } from "vitest";
import { call, problem } from "../../../test/support/call";
import { coordinator, insertPost, setRules, settle, shard, spreadRow, testEnv } from "./helpers";
import { shardName } from "../src/shards";

type Count = { reposts: number; views: number; counted: boolean };
const repost = (postId: string, accountId: string, key?: string) =>
  call(`/v1/posts/${postId}/reposts`, { role: "app", body: { accountId }, headers: key ? { "idempotency-key": key } : {} });
const setShards = (postId: string, shards: number) => call(`/v1/posts/${postId}/spread/shards`, { role: "operator", method: "PUT", body: { shards } });

/** Runs every alarm of every epoch, then the coordinator's. */
async function settleEpochs(post: string, layout: number[]) {
  const { runDurableObjectAlarm } = await import("cloudflare:test");
  for (let epoch = 0; epoch < layout.length; epoch++) {
    const n = layout[epoch]!;
    if (epoch === 0 && n === 1) continue;
    for (let i = 0; i < n; i++) await runDurableObjectAlarm(testEnv.REPOST_SHARD.getByName(shardName(post, i, epoch)));
  }
  await settle(post);
}

describe("raising the shards of a post that is already counting", () => {
  it("raises 1 -> 4 -> 16: earlier accounts stay counted once, new ones go to the new shards", async () => {
    const post = await insertPost();
    await Promise.all(Array.from({ length: 100 }, (_, i) => repost(post, `a-${i}`)));
    const raised = await setShards(post, 4);
    expect(await raised.json()).toEqual({ rootPostId: post, shards: 4, epoch: 1 });
    // 100 repeats of epoch-0 accounts and 100 new accounts, concurrently.
    const second = await Promise.all(Array.from({ length: 200 }, (_, i) => repost(post, `a-${i}`)));
    expect(second.every((r) => r.status === 200)).toBe(true);
    const counted = ((await Promise.all(second.map((r) => r.json()))) as Count[]).filter((b) => b.counted).length;
    expect(counted).toBe(100);
    expect(await (await setShards(post, 16)).json()).toEqual({ rootPostId: post, shards: 16, epoch: 2 });
    await Promise.all(Array.from({ length: 300 }, (_, i) => repost(post, `a-${i}`)));
    await call(`/v1/posts/${post}/views`, { role: "app", body: { count: 7 } });
    await settleEpochs(post, [1, 4, 16]);
    expect(await coordinator(post).spread()).toMatchObject({ reposts: 300, views: 7 });
    expect(await spreadRow(post)).toMatchObject({ reposts: 300, views: 7, shards: 16 });
    const audit = await testEnv.DB.prepare(`SELECT details FROM audit_log WHERE action = 'spread.shards_raised' AND subject_id = ?`).bind(post).all<{ details: string }>();
    expect(audit.results.map((r) => JSON.parse(r.details))).toEqual([
      { from: 1, to: 4, epoch: 1 },
      { from: 4, to: 16, epoch: 2 },
    ]);
  });

  it("keeps counts exact when the raise happens in the middle of a concurrent stream", async () => {
    const post = await insertPost();
    await setShards(post, 2);
    const attempt = async (account: string) => {
      for (let tries = 0; tries < 20; tries++) {
        const res = await repost(post, account, `k-${account}`);
        if (res.status === 200) return;
        expect(res.status).toBe(503);
        expect((await problem(res)).code).toBe("post_resharding");
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error("never counted");
    };
    const stream = Promise.all(Array.from({ length: 360 }, (_, i) => attempt(`m-${i % 240}`)));
    await new Promise((r) => setTimeout(r, 30));
    expect((await setShards(post, 8)).status).toBe(200);
    await stream;
    await settleEpochs(post, [2, 8]);
    expect((await coordinator(post).spread())!.reposts).toBe(240);
    expect((await spreadRow(post))!.reposts).toBe(240);
  });

  it("replays a views batch retried after a raise instead of counting it again", async () => {
    const post = await insertPost();
    const first = await call(`/v1/posts/${post}/views`, { role: "app", body: { count: 9 }, headers: { "idempotency-key": "v-1" } });
    await setShards(post, 4);
    const retry = await call(`/v1/posts/${post}/views`, { role: "app", body: { count: 9 }, headers: { "idempotency-key": "v-1" } });
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await retry.json()).toEqual(await first.json());
    await settleEpochs(post, [1, 4]);
    expect((await coordinator(post).spread())!.views).toBe(9);
  });

  it("raises a post automatically when it crosses a 'shard' level, and keeps counting exactly", async () => {
    await setRules([
      { level: "hot", metric: "reposts", value: 60, action: "shard" },
      { level: "escalate", metric: "reposts", value: 150, action: "escalate" },
    ]);
    const post = await insertPost();
    await Promise.all(Array.from({ length: 100 }, (_, i) => repost(post, `h-${i}`)));
    await settle(post); // the coordinator's alarm runs the raise (HOT_SHARDS = 8)
    const row = await testEnv.DB.prepare(`SELECT shards, shard_history FROM post_spread WHERE root_post_id = ?`).bind(post).first<{ shards: number; shard_history: string }>();
    expect(row).toEqual({ shards: 8, shard_history: "[1]" });
    const audit = await testEnv.DB.prepare(`SELECT actor_key_id, actor_role FROM audit_log WHERE action = 'spread.shards_raised' AND subject_id = ?`).bind(post).all();
    expect(audit.results).toEqual([{ actor_key_id: "system:spread-threshold", actor_role: "system" }]);
    // 100 repeats and 100 new accounts after the raise.
    await Promise.all(Array.from({ length: 200 }, (_, i) => repost(post, `h-${i}`)));
    await settleEpochs(post, [1, 8]);
    await settle(post);
    const spread = (await coordinator(post).spread())!;
    expect(spread).toMatchObject({ reposts: 200, escalated: true });
    expect(spread.levels.map((l) => l.name)).toEqual(["hot", "escalate"]);
    expect((await spreadRow(post))!.reposts).toBe(200);
    expect((await testEnv.DB.prepare(`SELECT COUNT(*) AS n FROM review_queue WHERE subject_id = ?`).bind(post).first<{ n: number }>())!.n).toBe(1);
  });

  it("lets only one of two concurrent raises publish its epoch", async () => {
    for (let round = 0; round < 4; round++) {
      const post = await insertPost();
      await setShards(post, 2);
      await repost(post, "r");
      const statuses = (await Promise.all([setShards(post, 4), setShards(post, 4)])).map((r) => r.status);
      expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
      expect(statuses).toContain(200);
      expect(await spreadRow(post)).toMatchObject({ shards: 4 });
      const row = await testEnv.DB.prepare(`SELECT shard_history FROM post_spread WHERE root_post_id = ?`).bind(post).first<{ shard_history: string }>();
      expect(JSON.parse(row!.shard_history)).toEqual([2]);
      const audits = await testEnv.DB.prepare(`SELECT COUNT(*) AS n FROM audit_log WHERE action = 'spread.shards_raised' AND subject_id = ?`).bind(post).first<{ n: number }>();
      expect(audits!.n).toBe(1);
    }
  });

  it("refuses lowering or a non-multiple (409) and tells a frozen object's caller to retry", async () => {
    const post = await insertPost();
    await setShards(post, 4);
    await repost(post, "x");
    for (const n of [2, 1]) expect((await problem(await setShards(post, n))).code).toBe("shards_locked");
    expect((await setShards(post, 4)).status).toBe(200);
    // A frozen shard refuses new accounts; the worker re-reads the layout (unchanged here) -> 503.
    await shard(post, 0).freeze();
    await shard(post, 1).freeze();
    await shard(post, 2).freeze();
    await shard(post, 3).freeze();
    const res = await repost(post, "new-account");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect((await problem(res)).code).toBe("post_resharding");
    // Known accounts are still answered.
    expect(((await (await repost(post, "x")).json()) as Count).counted).toBe(false);
  });
});
