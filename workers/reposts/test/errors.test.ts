import { describe, expect, it } from "vitest";
import { call, problem } from "../../../test/support/call";
import { coordinator, insertPost, spreadRow, testEnv } from "./helpers";

const repost = (postId: string, body: unknown, headers: Record<string, string> = {}) => call(`/v1/posts/${postId}/reposts`, { role: "app", body, headers });
const views = (postId: string, body: unknown, headers: Record<string, string> = {}) => call(`/v1/posts/${postId}/views`, { role: "app", body, headers });

async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const p = await problem(res);
  expect(p.code).toBe(code);
  expect(JSON.stringify(p)).not.toMatch(/at .*\.ts|stack/i);
  return p;
}

describe("refusals", () => {
  it("404 for a post that is neither screened nor a recorded repost", async () => {
    await expectProblem(await repost("pst_doesnotexist0001", { accountId: "u1" }), 404, "post_not_found");
    await expectProblem(await views("pst_doesnotexist0001", { count: 1 }), 404, "post_not_found");
    await expectProblem(await call(`/v1/posts/pst_doesnotexist0001/spread`, { role: "app" }), 404, "post_not_found");
  });

  it("409 for a post that moderation removed or screening blocked, counting nothing", async () => {
    const removed = await insertPost({ removedAt: Date.now() });
    const blocked = await insertPost({ verdict: "block" });
    await expectProblem(await repost(removed, { accountId: "u1" }), 409, "post_removed");
    await expectProblem(await repost(blocked, { accountId: "u1" }), 409, "post_blocked");
    await expectProblem(await views(blocked, { count: 3 }), 409, "post_blocked");
    expect(await spreadRow(removed)).toBeNull();
    expect(await spreadRow(blocked)).toBeNull();
  });

  it("409 for a repost of a repost whose root was removed later", async () => {
    const root = await insertPost();
    await repost(root, { accountId: "a", repostPostId: "pst_chainedrepost01" });
    await testEnv.DB.prepare(`UPDATE posts SET removed_at = ? WHERE id = ?`).bind(Date.now(), root).run();
    await expectProblem(await repost("pst_chainedrepost01", { accountId: "b" }), 409, "post_removed");
    expect((await coordinator(root).spread())!.reposts).toBe(1);
  });

  it("422 for negative, fractional, absurd or non-numeric view counts", async () => {
    const post = await insertPost();
    for (const count of [-1, 0, 1.5, 10_001, 1e12, "5", null]) {
      const p = await expectProblem(await views(post, { count }), 422, "validation_failed");
      expect(p.errors?.[0]?.field).toBe("count");
    }
    expect(await spreadRow(post)).toBeNull();
  });

  it("422 for malformed ids and bodies", async () => {
    const post = await insertPost();
    await expectProblem(await repost("bad%20id", { accountId: "u1" }), 422, "validation_failed");
    await expectProblem(await repost("x".repeat(129), { accountId: "u1" }), 422, "validation_failed");
    await expectProblem(await views("%E8%B0%A3", { count: 1 }), 422, "validation_failed");
    await expectProblem(await call(`/v1/posts/bad!id/spread`, { role: "app" }), 422, "validation_failed");
    for (const accountId of ["", "a b", "x".repeat(129), "é", 42]) {
      const p = await expectProblem(await repost(post, { accountId }), 422, "validation_failed");
      expect(p.errors?.[0]?.field).toBe("accountId");
    }
    await expectProblem(await repost(post, { accountId: "u1", repostPostId: "no pe" }), 422, "validation_failed");
    await expectProblem(await repost(post, {}), 422, "validation_failed");
    await expectProblem(await repost(post, { accountId: "u1", extra: true }), 422, "validation_failed");
    await expectProblem(await repost(post, { accountId: "u1", repostPostId: post }), 422, "repost_of_itself");
    await expectProblem(await repost(post, { accountId: "u1" }, { "idempotency-key": "x".repeat(201) }), 422, "validation_failed");
  });

  it("400 / 415 for malformed JSON and wrong media types", async () => {
    const post = await insertPost();
    await expectProblem(await call(`/v1/posts/${post}/reposts`, { role: "app", rawBody: "{", contentType: "application/json" }), 400, "malformed_json");
    await expectProblem(await call(`/v1/posts/${post}/reposts`, { role: "app", rawBody: "accountId=u1", contentType: "application/x-www-form-urlencoded" }), 415, "unsupported_media_type");
  });

  it("422 when an Idempotency-Key is reused for a different request", async () => {
    const post = await insertPost();
    expect((await views(post, { count: 5 }, { "idempotency-key": "k1" })).status).toBe(200);
    await expectProblem(await views(post, { count: 6 }, { "idempotency-key": "k1" }), 422, "idempotency_key_reused");
    expect((await coordinator(post).spread())!.views).toBe(5);
  });

  it("409 when a repost id is already chained to another root", async () => {
    const [a, b] = [await insertPost(), await insertPost()];
    expect((await repost(a, { accountId: "u1", repostPostId: "pst_sharedrepost01" })).status).toBe(200);
    await expectProblem(await repost(b, { accountId: "u2", repostPostId: "pst_sharedrepost01" }), 409, "repost_chain_conflict");
    // A post that already spreads as a root cannot become someone's repost.
    await repost(b, { accountId: "u3" });
    await expectProblem(await repost(a, { accountId: "u4", repostPostId: b }), 409, "repost_chain_conflict");
    expect((await coordinator(b).spread())!.reposts).toBe(1);
  });

  it("409 when the shard count would be lowered or not a multiple; the same count is idempotent", async () => {
    const post = await insertPost();
    const put = (shards: number) => call(`/v1/posts/${post}/spread/shards`, { role: "operator", method: "PUT", body: { shards } });
    expect((await put(4)).status).toBe(200);
    expect(await (await put(4)).json()).toEqual({ rootPostId: post, shards: 4, epoch: 0 });
    const lowered = await expectProblem(await put(2), 409, "shards_locked");
    expect((lowered as unknown as { shards: number }).shards).toBe(4);
    await expectProblem(await put(3), 422, "validation_failed");
    await expectProblem(await put(32), 422, "validation_failed");
    const other = await insertPost();
    await repost(other, { accountId: "u1" });
    expect((await call(`/v1/posts/${other}/spread/shards`, { role: "operator", method: "PUT", body: { shards: 2 } })).status).toBe(200);
    await expectProblem(await call(`/v1/posts/${other}/spread/shards`, { role: "operator", method: "PUT", body: { shards: 1 } }), 409, "shards_locked");
  });

  it("422 for conflicting or malformed threshold rules, leaving the rules unchanged", async () => {
    const before = await testEnv.DB.prepare(`SELECT COUNT(*) AS n FROM spread_thresholds`).first<{ n: number }>();
    const bad = [
      { rules: [{ level: "x", metric: "reposts", value: 5, action: "label" }, { level: "x", metric: "reposts", value: 6, action: "label" }] },
      { rules: [{ level: "x", metric: "reposts", value: 5, action: "label" }, { level: "x", metric: "views", value: 6, action: "escalate" }] },
    ];
    for (const body of bad) await expectProblem(await call(`/v1/spread/thresholds`, { role: "admin", method: "PUT", body }), 422, "invalid_thresholds");
    for (const rule of [{ level: "x", metric: "likes", value: 5, action: "label" }, { level: "x", metric: "views", value: -1, action: "label" }, { level: "X Y", metric: "views", value: 1, action: "label" }]) {
      await expectProblem(await call(`/v1/spread/thresholds`, { role: "admin", method: "PUT", body: { rules: [rule] } }), 422, "validation_failed");
    }
    expect(await testEnv.DB.prepare(`SELECT COUNT(*) AS n FROM spread_thresholds`).first<{ n: number }>()).toEqual(before);
  });

  it("422 for a malformed `since` on the top list", async () => {
    await expectProblem(await call(`/v1/spread/top?since=yesterday`, { role: "operator" }), 422, "validation_failed");
    await expectProblem(await call(`/v1/spread/top?limit=0`, { role: "operator" }), 422, "validation_failed");
    for (const cursor of ["nope", "WzEsMl0", btoa(JSON.stringify(["views:1:2", "pst_x"])).replaceAll("=", "")]) {
      await expectProblem(await call(`/v1/spread/top?metric=reposts&cursor=${encodeURIComponent(cursor)}`, { role: "operator" }), 422, "invalid_cursor");
    }
  });
});
