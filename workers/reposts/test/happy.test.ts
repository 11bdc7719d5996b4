import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call } from "../../../test/support/call";
import { coordinator, insertPost, reviewRows, settle, spreadRow, testEnv } from "./helpers";

type Count = { rootPostId: string; reposts: number; views: number; levels: { name: string; crossedAt: string }[]; escalated: boolean; counted: boolean };

const repost = (postId: string, accountId: string, extra: { repostPostId?: string; key?: string } = {}) =>
  call(`/v1/posts/${postId}/reposts`, {
    role: "app",
    body: { accountId, ...(extra.repostPostId ? { repostPostId: extra.repostPostId } : {}) },
    headers: extra.key ? { "idempotency-key": extra.key } : {},
  });

describe("counting reposts and views", () => {
  it("counts one repost per account and returns the totals", async () => {
    const post = await insertPost();
    const first = await repost(post, "user-1");
    expect(first.status).toBe(200);
    // One object counts this post alone, so its answers are exact.
    expect(await first.json()).toEqual({ rootPostId: post, reposts: 1, views: 0, levels: [], escalated: false, counted: true, totals: { exact: true, asOf: expect.any(String) } });
    const again = (await (await repost(post, "user-1")).json()) as Count;
    expect(again).toMatchObject({ reposts: 1, counted: false });
    const other = (await (await repost(post, "user-2")).json()) as Count;
    expect(other).toMatchObject({ reposts: 2, counted: true });
  });

  it("adds view batches, defaulting to one view", async () => {
    const post = await insertPost();
    await call(`/v1/posts/${post}/views`, { role: "app", body: {} });
    const res = await call(`/v1/posts/${post}/views`, { role: "app", body: { count: 250 } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ rootPostId: post, reposts: 0, views: 251 });
  });

  it("replays a retried request with the same Idempotency-Key without counting twice", async () => {
    const post = await insertPost();
    const a = await call(`/v1/posts/${post}/views`, { role: "app", body: { count: 10 }, headers: { "idempotency-key": "batch-1" } });
    const b = await call(`/v1/posts/${post}/views`, { role: "app", body: { count: 10 }, headers: { "idempotency-key": "batch-1" } });
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    expect(await b.json()).toEqual(await a.json());
    const live = (await (await call(`/v1/posts/${post}/spread?live=1`, { role: "app" })).json()) as Count;
    expect(live.views).toBe(10);
    // The same key from another API key is a different request.
    await call(`/v1/posts/${post}/views`, { role: "app", keyId: "key_otherapp", body: { count: 10 }, headers: { "idempotency-key": "batch-1" } });
    expect(((await (await call(`/v1/posts/${post}/spread?live=1`, { role: "app" })).json()) as Count).views).toBe(20);
  });

  it("resolves a repost of a repost to the root post", async () => {
    const root = await insertPost();
    const r1 = await insertPost(); // the repost post, screened by the app
    await repost(root, "alice", { repostPostId: r1 });
    // bob reposts alice's repost; carol reposts a repost id that only the chain knows
    const r2 = "pst_onlyinchain0001";
    const viaRepost = (await (await repost(r1, "bob", { repostPostId: r2 })).json()) as Count;
    expect(viaRepost).toMatchObject({ rootPostId: root, reposts: 2, counted: true });
    const deeper = (await (await repost(r2, "carol")).json()) as Count;
    expect(deeper).toMatchObject({ rootPostId: root, reposts: 3 });
    // alice reposting the repost chain again still counts once for the root
    expect(((await (await repost(r2, "alice")).json()) as Count).counted).toBe(false);
    const spread = (await (await call(`/v1/posts/${r2}/spread?live=1`, { role: "app" })).json()) as Count;
    expect(spread).toMatchObject({ rootPostId: root, reposts: 3 });
    const chain = await testEnv.DB.prepare(`SELECT repost_post_id, root_post_id FROM repost_chain ORDER BY repost_post_id`).all();
    expect(chain.results).toEqual(expect.arrayContaining([{ repost_post_id: r1, root_post_id: root }, { repost_post_id: r2, root_post_id: root }]));
  });
});

describe("write-behind and reads", () => {
  it("flushes counts and levels to D1 by alarm; GET reads D1 without the object", async () => {
    const post = await insertPost();
    for (let i = 0; i < 3; i++) await repost(post, `u${i}`);
    await call(`/v1/posts/${post}/views`, { role: "app", body: { count: 1000 } });
    // Before the flush, D1 knows only the first-count row.
    expect((await spreadRow(post))?.reposts).toBe(0);
    await settle(post);
    const row = await spreadRow(post);
    expect(row).toMatchObject({ reposts: 3, views: 1000, escalated: 0 });
    const res = await call(`/v1/posts/${post}/spread`, { role: "operator" });
    const body = (await res.json()) as Count;
    expect(body).toMatchObject({ rootPostId: post, reposts: 3, views: 1000, escalated: false });
    expect(body.levels.map((l) => l.name)).toEqual(["spreading"]);
    expect(Date.parse(body.levels[0]!.crossedAt)).toBeGreaterThan(0);
  });

  it("never lets an older flush overwrite a newer count (version guard)", async () => {
    const post = await insertPost();
    await repost(post, "a");
    await settle(post);
    // Pretend a newer flush already landed (e.g. a reordered delivery).
    await testEnv.DB.prepare(`UPDATE post_spread SET reposts = 99, version = 1000 WHERE root_post_id = ?`).bind(post).run();
    await repost(post, "b");
    await settle(post);
    expect(await spreadRow(post)).toMatchObject({ reposts: 99, version: 1000 });
  });

  it("gives an unknown-yet-screened post zero spread", async () => {
    const post = await insertPost();
    expect(await (await call(`/v1/posts/${post}/spread`, { role: "app" })).json()).toEqual({ rootPostId: post, reposts: 0, views: 0, levels: [], escalated: false, labels: [], totals: { exact: true, asOf: expect.any(String) } });
  });

  it("shows the moderators' labels of the post beside its spread", async () => {
    const post = await insertPost();
    // As moderation's `label_post` decision writes them.
    await env.DB.prepare(`INSERT INTO post_labels (post_id, label, decision_id, created_at) VALUES (?, 'disputed', 'dcs_test00000000', 1), (?, 'satire', 'dcs_test00000000', 2)`).bind(post, post).run();
    expect(await (await call(`/v1/posts/${post}/spread`, { role: "app" })).json()).toMatchObject({ rootPostId: post, labels: ["disputed", "satire"] });
    expect(await (await call(`/v1/posts/${post}/spread?live=1`, { role: "operator" })).json()).toMatchObject({ labels: ["disputed", "satire"] });
  });

  it("lists the most spread posts since a time for operators", async () => {
    const [a, b] = [await insertPost(), await insertPost()];
    await repost(a, "x");
    for (const u of ["x", "y", "z"]) await repost(b, u);
    await settle(a);
    await settle(b);
    const since = new Date(Date.now() - 60_000).toISOString();
    const res = await call(`/v1/spread/top?since=${encodeURIComponent(since)}&limit=10`, { role: "operator" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { posts: { rootPostId: string; reposts: number }[] };
    const ours = body.posts.filter((p) => p.rootPostId === a || p.rootPostId === b);
    expect(ours.map((p) => [p.rootPostId, p.reposts])).toEqual([
      [b, 3],
      [a, 1],
    ]);
    const counts = body.posts.map((p) => p.reposts);
    expect(counts).toEqual([...counts].sort((x, y) => y - x));
    const future = new Date(Date.now() + 60_000).toISOString();
    expect(((await (await call(`/v1/spread/top?since=${encodeURIComponent(future)}`, { role: "operator" })).json()) as { posts: unknown[] }).posts).toEqual([]);
  });

  it("pages the top list with an opaque cursor: every post once, in order, even with equal counts", async () => {
    const posts = await Promise.all(Array.from({ length: 7 }, () => insertPost()));
    // Equal counts (2, 2, 2, 1, 1, 1, 1): the id breaks ties, so pages never skip or repeat.
    for (const [i, p] of posts.entries()) for (const u of i < 3 ? ["p", "q"] : ["p"]) await repost(p, u);
    for (const p of posts) await settle(p);
    const seen: { rootPostId: string; reposts: number }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const page = (await (await call(`/v1/spread/top?limit=3${query}`, { role: "operator" })).json()) as { posts: { rootPostId: string; reposts: number }[]; nextCursor: string | null };
      seen.push(...page.posts);
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    const ours = seen.filter((p) => posts.includes(p.rootPostId));
    expect(new Set(ours.map((p) => p.rootPostId)).size).toBe(7);
    expect(ours.length).toBe(7);
    expect(ours.map((p) => p.reposts)).toEqual([2, 2, 2, 1, 1, 1, 1]);
    expect(new Set(seen.map((p) => p.rootPostId)).size).toBe(seen.length);
  });
});

describe("thresholds", () => {
  it("escalates to the review queue once when a default threshold is crossed", async () => {
    const post = await insertPost({ categories: ["rumour"], verdict: "review" });
    const res = await call(`/v1/posts/${post}/views`, { role: "app", body: { count: 5000 } });
    expect(await res.json()).toMatchObject({ views: 5000, escalated: true });
    await settle(post);
    await call(`/v1/posts/${post}/views`, { role: "app", body: { count: 5000 } });
    await settle(post);
    const rows = await reviewRows(post);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.dedupe_key).toBe(`spread:post:${post}:escalate`);
    expect(JSON.parse(rows[0]!.details)).toMatchObject({ level: "escalate", metric: "views", threshold: 5000, categories: ["rumour"], verdict: "review" });
  });

  it("applies category- and verdict-specific rules over the defaults, replaced by an admin", async () => {
    const rules = [
      { level: "spreading", metric: "reposts", value: 100, action: "label" },
      { level: "escalate", metric: "reposts", value: 500, action: "escalate" },
      { level: "escalate", metric: "reposts", value: 2, action: "escalate", category: "rumour" },
      { level: "escalate", metric: "reposts", value: 3, action: "escalate", verdict: "review" },
    ];
    const put = await call(`/v1/spread/thresholds`, { role: "admin", method: "PUT", body: { rules } });
    expect(put.status).toBe(200);
    const listed = (await (await call(`/v1/spread/thresholds`, { role: "operator" })).json()) as { rules: unknown[] };
    expect(listed.rules).toHaveLength(4);
    const audit = await testEnv.DB.prepare(`SELECT action FROM audit_log WHERE action = 'spread.thresholds_replaced'`).all();
    expect(audit.results).toHaveLength(1);

    const health = await insertPost({ categories: ["rumour"], verdict: "review" });
    const reviewed = await insertPost({ verdict: "review" });
    const plain = await insertPost();
    for (const u of ["a", "b", "c"]) {
      await repost(health, u);
      await repost(reviewed, u);
      await repost(plain, u);
    }
    const live = async (p: string) => ((await (await call(`/v1/posts/${p}/spread?live=1`, { role: "app" })).json()) as Count).escalated;
    expect([await live(health), await live(reviewed), await live(plain)]).toEqual([true, true, false]);
    const health2 = (await coordinator(health).spread())!;
    expect(health2.levels.map((l) => l.name)).toEqual(["escalate"]);
  });
});
