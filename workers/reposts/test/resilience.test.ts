import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, problem } from "../../../test/support/call";
import type { PostContext } from "../src/types";
import { coordinator, insertPost, settle, spreadRow } from "./helpers";

const ctx = (rootPostId: string): PostContext => ({ rootPostId, shards: 2, epoch: 0, history: [], rules: [], categories: [], verdict: "allow" });

describe("resilience", () => {
  it("ignores a stale or repeated shard report (absolute, versioned totals)", async () => {
    const post = await insertPost();
    const c = coordinator(post);
    await c.reportShard(ctx(post), "0:0", 10, 5, 4);
    await c.reportShard(ctx(post), "0:1", 7, 0, 2);
    // A retried report and a late, older one change nothing.
    await c.reportShard(ctx(post), "0:0", 10, 5, 4);
    // The answer is the others' figures (without the reporting shard's own).
    expect(await c.reportShard(ctx(post), "0:0", 8, 1, 3)).toMatchObject({ reposts: 7, views: 0 });
    expect(await c.spread()).toMatchObject({ reposts: 17, views: 5, totals: { exact: false } });
    expect(await c.reportShard(ctx(post), "0:1", 9, 2, 3)).toMatchObject({ reposts: 10, views: 5 });
    expect(await c.spread()).toMatchObject({ reposts: 19, views: 7 });
    await runDurableObjectAlarm(c);
    expect(await spreadRow(post)).toMatchObject({ reposts: 19, views: 7 });
  });

  it("loses and doubles nothing when every object is aborted repeatedly mid-stream (clients retry with their Idempotency-Key)", async () => {
    const post = await insertPost();
    await call(`/v1/posts/${post}/spread/shards`, { role: "operator", method: "PUT", body: { shards: 2 } });
    const send = (i: number) =>
      call(`/v1/posts/${post}/views`, { role: "app", body: { count: 3 }, headers: { "idempotency-key": `views-${i}` } });
    const attempt = async (i: number): Promise<number> => {
      for (let tries = 0; tries < 10; tries++) {
        const res = await send(i).catch(() => null);
        if (res?.status === 200) return tries;
      }
      throw new Error(`request ${i} never succeeded`);
    };
    let done = false;
    const all = Promise.all(Array.from({ length: 300 }, (_, i) => attempt(i))).finally(() => (done = true));
    // Abort every object repeatedly while the stream runs.
    while (!done) {
      await new Promise((r) => setTimeout(r, 15));
      await abortAllDurableObjects();
    }
    const retries = await all;
    // (A request an abort catches in flight fails and is retried above with the same key.)
    // Whether or not an abort hit a request, the retried key never counts twice.
    await settle(post, 2);
    expect((await coordinator(post).spread())!.views).toBe(900);
    expect((await spreadRow(post))!.views).toBe(900);
    expect(retries.length).toBe(300);
  });
});

describe("a counting object reset by the platform", () => {
  /** Holds the post's coordinator (its input gate closed), lets `request` queue behind it, then resets it (ctx.abort(): what a deploy or an exceeded limit does). */
  async function resetWhileQueued(post: string, request: () => Promise<Response>): Promise<Response> {
    const held = runInDurableObject(coordinator(post), (_o: unknown, state) =>
      state.blockConcurrencyWhile(async () => {
        await new Promise((r) => setTimeout(r, 300));
        state.abort("test: counter reset");
      }),
    ).catch(() => "reset");
    await new Promise((r) => setTimeout(r, 20));
    const res = await request();
    expect(await held).toBe("reset");
    return res;
  }

  it("answers a count caught by the reset 503 post_counter_unavailable; the retry with the same key counts once", async () => {
    const post = await insertPost();
    const views = () => call(`/v1/posts/${post}/views`, { role: "app", body: { count: 2 }, headers: { "idempotency-key": "reset-1" } });
    expect((await call(`/v1/posts/${post}/views`, { role: "app", body: { count: 1 } })).status).toBe(200);

    const res = await resetWhileQueued(post, views);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect((await problem(res)).code).toBe("post_counter_unavailable");

    expect((await views()).status).toBe(200);
    expect((await views()).status).toBe(200); // the same key again: replayed
    await settle(post);
    expect((await spreadRow(post))!.views).toBe(3);
  });

  it("answers a live read caught by the reset 503 post_counter_unavailable", async () => {
    const post = await insertPost();
    expect((await call(`/v1/posts/${post}/views`, { role: "app", body: { count: 1 } })).status).toBe(200);
    const res = await resetWhileQueued(post, () => call(`/v1/posts/${post}/spread?live=1`, { role: "app" }));
    expect(res.status).toBe(503);
    expect((await problem(res)).code).toBe("post_counter_unavailable");
    expect((await call(`/v1/posts/${post}/spread?live=1`, { role: "app" })).status).toBe(200);
  });
});

describe("openapi", () => {
  it("publishes every public route for the gateway's merged document", async () => {
    const res = await call(`/openapi.json`);
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/v1/posts/{postId}",
      "/v1/posts/{postId}/reposts",
      "/v1/posts/{postId}/spread",
      "/v1/posts/{postId}/spread/shards",
      "/v1/posts/{postId}/story",
      "/v1/posts/{postId}/timeline",
      "/v1/posts/{postId}/views",
      "/v1/spread/thresholds",
      "/v1/spread/timelines",
      "/v1/spread/top",
      "/v1/stories/top",
      "/v1/stories/{id}",
    ]);
  });
});
