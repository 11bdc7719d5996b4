import { evictDurableObject, listDurableObjectIds, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call } from "../../../test/support/call";
import { shardOf } from "../src/shards";
import { coordinator, insertPost, insertPublicAccount, reviewRows, setRules, settle, shard, spreadRow, testEnv } from "./helpers";

type Count = { reposts: number; views: number; counted: boolean; escalated: boolean };

const repost = (postId: string, accountId: string, key?: string) =>
  call(`/v1/posts/${postId}/reposts`, { role: "app", body: { accountId }, headers: key ? { "idempotency-key": key } : {} });

const setShards = (postId: string, shards: number) => call(`/v1/posts/${postId}/spread/shards`, { role: "operator", method: "PUT", body: { shards } });

/** 1,000 distinct accounts plus 150 repeats of them and 100 retried requests, all at once, shuffled. */
function burst(postId: string) {
  const jobs: (() => Promise<Response>)[] = [];
  for (let i = 0; i < 1000; i++) jobs.push(() => repost(postId, `acct-${i}`, `req-${i}`));
  for (let i = 0; i < 150; i++) jobs.push(() => repost(postId, `acct-${(i * 7) % 1000}`));
  for (let i = 0; i < 100; i++) jobs.push(() => repost(postId, `acct-${i * 3}`, `req-${i * 3}`));
  for (let i = jobs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [jobs[i], jobs[j]] = [jobs[j]!, jobs[i]!];
  }
  return Promise.all(jobs.map((j) => j()));
}

describe("exact counts under concurrency", () => {
  it("counts 1,000 concurrent distinct reposts exactly, ignoring duplicates and retries (one object)", async () => {
    const post = await insertPost();
    const responses = await burst(post);
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as Count[];
    // Exactly 1,000 responses say "counted" for a fresh repost; replays repeat their original body.
    const replays = responses.filter((r) => r.headers.get("idempotent-replayed") === "true").length;
    expect(bodies.filter((b) => b.counted).length - replays).toBeLessThanOrEqual(1000);
    expect((await coordinator(post).spread())!.reposts).toBe(1000);
    await settle(post);
    expect((await spreadRow(post))!.reposts).toBe(1000);
  });

  it("counts 1,000 concurrent distinct reposts exactly over 4 shards, each account on one shard", async () => {
    const post = await insertPost();
    expect((await setShards(post, 4)).status).toBe(200);
    await burst(post);
    await Promise.all(
      Array.from({ length: 250 }, (_, i) => call(`/v1/posts/${post}/views`, { role: "app", body: { count: 4 } })),
    );
    const perShard = await Promise.all([0, 1, 2, 3].map(async (i) => (await shard(post, i).totals())!));
    const expected = [0, 0, 0, 0];
    for (let i = 0; i < 1000; i++) expected[shardOf(`acct-${i}`, 4)]!++;
    expect(perShard.map((s) => s.reposts)).toEqual(expected);
    expect(perShard.reduce((n, s) => n + s.views, 0)).toBe(1000);
    await settle(post, 4);
    expect(await coordinator(post).spread()).toMatchObject({ reposts: 1000, views: 1000 });
    // 1,000 reposts also crossed the default "hot" level: the coordinator raised the post 4 -> 8.
    expect(await spreadRow(post)).toMatchObject({ reposts: 1000, views: 1000, shards: 8, shard_history: "[4]" });
  });

  it("shards posts by public accounts automatically (HOT_SHARDS)", async () => {
    const post = await insertPost({ accountId: await insertPublicAccount() });
    await Promise.all(Array.from({ length: 40 }, (_, i) => repost(post, `p-${i}`)));
    expect((await spreadRow(post))!.shards).toBe(8);
    await settle(post, 8);
    expect((await spreadRow(post))!.reposts).toBe(40);
  });
});

describe("escalation exactly once", () => {
  for (const shards of [1, 4]) {
    it(`opens one review item when concurrent reposts cross the threshold (${shards} shard(s))`, async () => {
      await setRules([
        { level: "spreading", metric: "reposts", value: 20, action: "label" },
        { level: "escalate", metric: "reposts", value: 50, action: "escalate" },
        { level: "escalate", metric: "views", value: 500, action: "escalate" },
      ]);
      const post = await insertPost();
      await setShards(post, shards);
      await Promise.all(Array.from({ length: 300 }, (_, i) => repost(post, `e-${i}`)));
      await Promise.all(Array.from({ length: 20 }, () => call(`/v1/posts/${post}/views`, { role: "app", body: { count: 100 } })));
      // Alarms may run more than once (at-least-once): deliveries stay single.
      await settle(post, shards);
      await settle(post, shards);
      await runDurableObjectAlarm(coordinator(post));
      const rows = await reviewRows(post);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.dedupe_key).toBe(`spread:post:${post}:escalate`);
      const spread = (await coordinator(post).spread())!;
      expect(spread).toMatchObject({ reposts: 300, views: 2000, escalated: true });
      expect(spread.levels.map((l) => l.name)).toEqual(["spreading", "escalate"]);
      expect(JSON.parse((await spreadRow(post))!.levels).map((l: { name: string }) => l.name)).toEqual(["spreading", "escalate"]);
    });
  }
});

describe("eviction", () => {
  it("keeps every count when objects are evicted mid-stream", async () => {
    const post = await insertPost();
    await setShards(post, 2);
    const single = await insertPost();
    const evictAll = async () => {
      for (const stub of [coordinator(post), shard(post, 0), shard(post, 1), coordinator(single)]) await evictDurableObject(stub).catch(() => undefined);
    };
    for (let wave = 0; wave < 4; wave++) {
      const calls = Array.from({ length: 150 }, (_, i) => [repost(post, `w${wave}-${i}`), repost(single, `w${wave}-${i}`)]).flat();
      // Evict while the wave is in flight; the stream continues on fresh instances.
      const [results] = await Promise.all([Promise.all(calls), (async () => {
        await new Promise((r) => setTimeout(r, 5));
        await evictAll();
      })()]);
      expect(results.every((r) => r.status === 200)).toBe(true);
    }
    await settle(post, 2);
    await settle(single);
    expect((await coordinator(post).spread())!.reposts).toBe(600);
    expect((await coordinator(single).spread())!.reposts).toBe(600);
    expect((await spreadRow(post))!.reposts).toBe(600);
    expect((await spreadRow(single))!.reposts).toBe(600);
    expect((await listDurableObjectIds(testEnv.REPOST_SHARD)).length).toBeGreaterThanOrEqual(2);
  });
});
