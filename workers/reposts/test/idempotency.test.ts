import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, problem } from "../../../test/support/call";
import { shardName, shardOf } from "../src/shards";
import { coordinator, insertPost, spreadRow, testEnv } from "./helpers";

type Body = { rootPostId: string; reposts: number; views: number; counted: boolean; totals: { exact: boolean; asOf: string } };

const repost = (postId: string, accountId: string, key?: string) =>
  call(`/v1/posts/${postId}/reposts`, { role: "app", body: { accountId }, headers: key ? { "idempotency-key": key } : {} });
const views = (postId: string, count: number, key?: string) => call(`/v1/posts/${postId}/views`, { role: "app", body: { count }, headers: key ? { "idempotency-key": key } : {} });
const setShards = (postId: string, shards: number) => call(`/v1/posts/${postId}/spread/shards`, { role: "operator", method: "PUT", body: { shards } });
const live = async (postId: string) => (await (await call(`/v1/posts/${postId}/spread?live=1`, { role: "app" })).json()) as Body;

/** The shard a request key is owned by (keys are scoped to the caller's API key, as the worker does). */
const keyShard = (key: string, shards: number) => shardOf(`key_testapp:${key}`, shards);

/** `n` names with `prefix` whose hash lands on a shard accepted by `where`. */
function names(prefix: string, n: number, where: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (where(`${prefix}-${i}`)) out.push(`${prefix}-${i}`);
  return out;
}

/** Runs every shard's alarm of every epoch (their reports), then the coordinator's (the flush). */
async function settleAll(post: string, layout: number[]) {
  for (let epoch = 0; epoch < layout.length; epoch++) {
    if (epoch === 0 && layout[0] === 1) continue;
    for (let i = 0; i < layout[epoch]!; i++) await runDurableObjectAlarm(testEnv.REPOST_SHARD.getByName(shardName(post, i, epoch)));
  }
  await runDurableObjectAlarm(coordinator(post));
}

async function expectReused(res: Response) {
  expect(res.status).toBe(422);
  expect((await problem(res)).code).toBe("idempotency_key_reused");
}

/**
 * For each place a key's owner can sit (with the first request's account, with the second's, or
 * on neither's shard): same key + same body replays the same answer, a different body is 422.
 */
async function checkKeyAcrossShards(post: string, shards: number, tag: string) {
  const where = ["first", "second", "neither"] as const;
  for (const [i, place] of where.entries()) {
    const account = `${tag}-a${i}`;
    const [other] = names(`${tag}-b${i}`, 1, (n) => shardOf(n, shards) !== shardOf(account, shards));
    const [key] = names(`${tag}-k${i}`, 1, (k) => {
      const at = keyShard(k, shards);
      if (place === "first") return at === shardOf(account, shards);
      if (place === "second") return at === shardOf(other!, shards);
      return at !== shardOf(account, shards) && at !== shardOf(other!, shards);
    });
    const first = await repost(post, account, key);
    expect(first.status).toBe(200);
    const firstBody = (await first.json()) as Body;
    expect(firstBody.counted).toBe(true);
    const again = await repost(post, account, key);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(firstBody);
    await expectReused(await repost(post, other!, key));
    await expectReused(await views(post, 3, key));
  }
  return where.length;
}

describe("Idempotency-Keys across a post's shards", () => {
  it("on a post counted on 4 shards: same key and body replay, a different body is 422 wherever the key and accounts land", async () => {
    // Accounts and keys are chosen so that a different body goes to a different shard.
    const post = await insertPost();
    await setShards(post, 4);
    const n = await checkKeyAcrossShards(post, 4, "s4");
    expect((await live(post)).reposts).toBe(n);
  });

  it("on a raised post (1 -> 4): a key used before the raise replays after it with the same answer, and refuses a different body", async () => {
    const post = await insertPost();
    const before = await repost(post, "early-1", "early-key");
    const beforeBody = await before.json();
    const batch = await (await views(post, 5, "early-views")).json();
    expect((await setShards(post, 4)).status).toBe(200);
    const replay = await repost(post, "early-1", "early-key");
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.json()).toEqual(beforeBody);
    for (const account of names("late", 4, () => true)) await expectReused(await repost(post, account, "early-key"));
    await expectReused(await views(post, 6, "early-views"));
    await expectReused(await repost(post, "late-x", "early-views"));
    expect(await (await views(post, 5, "early-views")).json()).toEqual(batch);
    // Keys first used after the raise, in every shard relation, across epochs 0 and 1.
    const n = await checkKeyAcrossShards(post, 4, "r4");
    await settleAll(post, [1, 4]);
    expect(await live(post)).toMatchObject({ reposts: 1 + n, views: 5, totals: { exact: true } });
  });

  it("one key, 30 different requests at once on a raised post: exactly one is counted, the rest are 422", async () => {
    const post = await insertPost();
    await repost(post, "seed");
    await setShards(post, 2);
    await setShards(post, 8);
    const accounts = names("race", 30, () => true);
    const responses = await Promise.all(accounts.map((a) => repost(post, a, "one-key")));
    const ok = responses.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    for (const r of responses.filter((r) => r.status !== 200)) await expectReused(r);
    await settleAll(post, [1, 2, 8]);
    expect((await live(post)).reposts).toBe(2);
  });

  it("one key, one body, 30 copies at once on a sharded post: counted once, every answer the same", async () => {
    const post = await insertPost();
    await setShards(post, 4);
    const key = names("twin", 1, (k) => keyShard(k, 4) !== shardOf("twin-account", 4))[0]!;
    const responses = await Promise.all(Array.from({ length: 30 }, () => repost(post, "twin-account", key)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as Body[];
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(bodies[0]!.counted).toBe(true);
    expect(responses.filter((r) => r.headers.get("idempotent-replayed") === "true")).toHaveLength(29);
    expect((await live(post)).reposts).toBe(1);
  });
});

describe("frozen objects and keys", () => {
  it("a frozen epoch takes no new request key, even for an account it knows: the key belongs to the next epoch", async () => {
    const post = await insertPost();
    await setShards(post, 4);
    expect((await repost(post, "known")).status).toBe(200);
    await repost(post, "known", "old-key");
    for (let i = 0; i < 4; i++) await testEnv.REPOST_SHARD.getByName(shardName(post, i, 0)).freeze();
    // The layout is not published yet (a raise between its two steps): retry later.
    const res = await repost(post, "known", "new-key");
    expect(res.status).toBe(503);
    expect((await problem(res)).code).toBe("post_resharding");
    // What the frozen epoch already holds is still answered.
    expect((await repost(post, "known", "old-key")).headers.get("idempotent-replayed")).toBe("true");
    expect(((await (await repost(post, "known")).json()) as Body).counted).toBe(false);
  });
});

describe("totals on sharded posts", () => {
  it("a live read is exact (every shard summed) without waiting for reports; count answers say they are approximate and from when", async () => {
    const post = await insertPost();
    await setShards(post, 4);
    const accounts = names("t", 12, (n) => shardOf(n, 4) !== 3);
    expect(new Set(accounts.map((a) => shardOf(a, 4))).size).toBe(3);
    await Promise.all(accounts.map((a) => repost(post, a)));
    await Promise.all([views(post, 4), views(post, 6)]);
    // No report has necessarily reached the coordinator: the live read asks every shard.
    expect(await live(post)).toMatchObject({ reposts: 12, views: 10, totals: { exact: true } });

    await settleAll(post, [4]);
    // The first count on a shard that never counted before: its answer holds the other shards' counts.
    const [fresh] = names("t-fresh", 1, (n) => shardOf(n, 4) === 3);
    const res = (await (await repost(post, fresh!)).json()) as Body;
    expect(res).toMatchObject({ reposts: 13, views: 10, counted: true, totals: { exact: false } });
    expect(Date.now() - Date.parse(res.totals.asOf)).toBeLessThan(5_000);
    expect(await live(post)).toMatchObject({ reposts: 13, totals: { exact: true } });
    await settleAll(post, [4]);
    const stored = await call(`/v1/posts/${post}/spread`, { role: "app" });
    expect(await stored.json()).toMatchObject({ reposts: 13, views: 10, totals: { exact: false } });
    expect((await spreadRow(post))!.reposts).toBe(13);
  });

  it("after raises, the live read sums every epoch and equals the number of distinct accounts", async () => {
    const post = await insertPost();
    const all = names("e", 60, () => true);
    await Promise.all(all.slice(0, 20).map((a) => repost(post, a)));
    await setShards(post, 2);
    await Promise.all(all.slice(10, 40).map((a) => repost(post, a)));
    await setShards(post, 8);
    await Promise.all(all.map((a) => repost(post, a)));
    expect(await live(post)).toMatchObject({ reposts: 60, totals: { exact: true } });
    await settleAll(post, [1, 2, 8]);
    expect(await coordinator(post).spread()).toMatchObject({ reposts: 60 });
    expect((await spreadRow(post))!.reposts).toBe(60);
  });
});
