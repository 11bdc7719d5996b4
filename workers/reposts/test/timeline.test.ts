import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, problem } from "../../../test/support/call";
import { readTimeline, recordFlush, RESOLUTIONS, storedRows, WINDOW_BUCKETS } from "../src/spread-buckets";
import { coordinator, insertPost, insertPublicAccount, settle, spreadRow, testEnv } from "./helpers";

type Timeline = {
  rootPostId: string;
  resolution: string;
  bucketMs: number;
  buckets: { start: string; reposts: number; views: number }[];
  earlier: { reposts: number; views: number };
  totals: { reposts: number; views: number };
};

const sum = (t: Timeline) =>
  t.buckets.reduce((a, b) => ({ reposts: a.reposts + b.reposts, views: a.views + b.views }), { reposts: t.earlier.reposts, views: t.earlier.views });

async function timeline(postId: string, resolution?: string): Promise<Timeline> {
  const res = await call(`/v1/posts/${postId}/timeline${resolution ? `?resolution=${resolution}` : ""}`, { role: "operator" });
  expect(res.status).toBe(200);
  return (await res.json()) as Timeline;
}

describe("post timeline", () => {
  it("buckets sum to the post's totals after concurrent reposts and views", async () => {
    const postId = await insertPost();
    await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => call(`/v1/posts/${postId}/reposts`, { role: "app", body: { accountId: `u${i % 25}` } })),
      ...Array.from({ length: 20 }, () => call(`/v1/posts/${postId}/views`, { role: "app", body: { count: 3 } })),
    ]);
    await settle(postId);
    const row = await spreadRow(postId);
    expect(row).toMatchObject({ reposts: 25, views: 60 });
    for (const resolution of ["minute", "hour"]) {
      const t = await timeline(postId, resolution);
      expect(t.resolution).toBe(resolution);
      expect(t.bucketMs).toBe(RESOLUTIONS[resolution as "minute" | "hour"]);
      expect(t.totals).toEqual({ reposts: 25, views: 60 });
      expect(sum(t)).toEqual(t.totals);
      expect(t.buckets.length).toBeGreaterThan(0);
    }
    // A second round adds to the buckets, never recounting the first.
    await Promise.all(Array.from({ length: 20 }, (_, i) => call(`/v1/posts/${postId}/reposts`, { role: "app", body: { accountId: `w${i}` } })));
    await settle(postId);
    const t = await timeline(postId);
    expect(t.totals).toEqual({ reposts: 45, views: 60 });
    expect(sum(t)).toEqual(t.totals);
  });

  it("sums exactly on a post counted on shards", async () => {
    const author = await insertPublicAccount();
    const postId = await insertPost({ accountId: author });
    await Promise.all(Array.from({ length: 40 }, (_, i) => call(`/v1/posts/${postId}/reposts`, { role: "app", body: { accountId: `s${i}` } })));
    const shards = (await spreadRow(postId))!.shards;
    expect(shards).toBeGreaterThan(1);
    await settle(postId, shards);
    const t = await timeline(postId, "minute");
    expect(t.totals).toEqual({ reposts: 40, views: 0 });
    expect(sum(t)).toEqual(t.totals);
  });

  it("keeps at most the window's buckets, folding older ones so the sum still holds", async () => {
    const postId = await insertPost();
    await call(`/v1/posts/${postId}/views`, { role: "app", body: { count: 1 } });
    await settle(postId);
    await runInDurableObject(coordinator(postId), (_obj, state) => {
      const sql = state.storage.sql;
      const base = readTimeline(sql, "hour", Date.now()).totals;
      // One flush per minute over 10 days: far more buckets than either window allows.
      const start = Date.now();
      const flushes = 10 * 24 * 60;
      for (let i = 1; i <= flushes; i++) recordFlush(sql, { reposts: base.reposts + i, views: base.views + 2 * i }, start + i * RESOLUTIONS.minute);
      const end = start + flushes * RESOLUTIONS.minute;
      expect(storedRows(sql, "minute")).toBeLessThanOrEqual(WINDOW_BUCKETS.minute + 1);
      expect(storedRows(sql, "hour")).toBeLessThanOrEqual(WINDOW_BUCKETS.hour + 1);
      for (const resolution of ["minute", "hour"] as const) {
        const t = readTimeline(sql, resolution, end);
        expect(t.buckets.length).toBeLessThanOrEqual(WINDOW_BUCKETS[resolution]);
        expect(t.totals).toEqual({ reposts: base.reposts + flushes, views: base.views + 2 * flushes });
        const s = t.buckets.reduce((a, b) => ({ reposts: a.reposts + b.reposts, views: a.views + b.views }), t.earlier);
        expect(s).toEqual(t.totals);
        expect(t.earlier.reposts).toBeGreaterThan(0);
      }
      // Read later with no flush since: buckets that left the window count as earlier.
      const later = readTimeline(sql, "minute", end + 3 * 3_600_000);
      expect(later.buckets).toEqual([]);
      expect(later.earlier).toEqual(later.totals);
    });
  });

  it("answers an empty timeline for a post never counted, its root's for a repost", async () => {
    const postId = await insertPost();
    const t = await timeline(postId);
    expect(t).toMatchObject({ rootPostId: postId, resolution: "hour", buckets: [], earlier: { reposts: 0, views: 0 }, totals: { reposts: 0, views: 0 } });
  });

  it("refuses unknown posts, bad resolutions, apps and anonymous callers", async () => {
    const missing = await call(`/v1/posts/pst_unknown00000000/timeline`, { role: "operator" });
    expect(missing.status).toBe(404);
    expect((await problem(missing)).code).toBe("post_not_found");
    const postId = await insertPost();
    const bad = await call(`/v1/posts/${postId}/timeline?resolution=second`, { role: "operator" });
    expect(bad.status).toBe(422);
    expect((await problem(bad)).code).toBe("validation_failed");
    const badId = await call(`/v1/posts/not%20an%20id/timeline`, { role: "operator" });
    expect(badId.status).toBe(422);
    expect((await call(`/v1/posts/${postId}/timeline`, { role: "app" })).status).toBe(403);
    expect((await call(`/v1/posts/${postId}/timeline`)).status).toBe(401);
  });

  it("answers several posts' timelines in one call: the same figures as one by one, repeats once, reposts as their root, unknown posts listed", async () => {
    const [a, b, quiet] = [await insertPost(), await insertPost(), await insertPost()];
    await Promise.all([
      ...Array.from({ length: 12 }, (_, i) => call(`/v1/posts/${a}/reposts`, { role: "app", body: { accountId: `a${i}` } })),
      ...Array.from({ length: 5 }, () => call(`/v1/posts/${b}/views`, { role: "app", body: { count: 4 } })),
    ]);
    await Promise.all([settle(a), settle(b)]);
    const repostId = `rp_${a}`.slice(0, 100);
    await testEnv.DB.prepare(`INSERT INTO repost_chain (repost_post_id, root_post_id, created_at) VALUES (?, ?, ?)`).bind(repostId, a, Date.now()).run();
    const res = await call(`/v1/spread/timelines?postIds=${[b, a, "pst_nowhere0000", a, repostId, quiet].join(",")}&resolution=minute`, { role: "operator" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { resolution: string; timelines: (Timeline & { postId: string })[]; missing: string[] };
    expect(body.resolution).toBe("minute");
    expect(body.missing).toEqual(["pst_nowhere0000"]);
    expect(body.timelines.map((t) => [t.postId, t.rootPostId])).toEqual([
      [b, b],
      [a, a],
      [repostId, a],
      [quiet, quiet],
    ]);
    const one = await timeline(a, "minute");
    expect(body.timelines[1]).toMatchObject({ buckets: one.buckets, earlier: one.earlier, totals: { reposts: 12, views: 0 } });
    expect(body.timelines[2]!.totals).toEqual({ reposts: 12, views: 0 });
    expect(body.timelines[0]!.totals).toEqual({ reposts: 0, views: 20 });
    expect(sum(body.timelines[0]!)).toEqual(body.timelines[0]!.totals);
    expect(body.timelines[3]).toMatchObject({ buckets: [], totals: { reposts: 0, views: 0 } });
  });

  it("refuses a batch that is empty, too long or has a malformed id, and non-operators", async () => {
    const postId = await insertPost();
    for (const q of ["postIds=", `postIds=${Array.from({ length: 51 }, (_, i) => `p${i}`).join(",")}`, "postIds=a,,b", "postIds=a%20b", `postIds=${postId}&resolution=day`, ""]) {
      const res = await call(`/v1/spread/timelines?${q}`, { role: "operator" });
      expect(res.status, q).toBe(422);
      expect((await problem(res)).code).toBe("validation_failed");
    }
    expect((await call(`/v1/spread/timelines?postIds=${postId}`, { role: "app" })).status).toBe(403);
    expect((await call(`/v1/spread/timelines?postIds=${postId}`)).status).toBe(401);
  });
});
