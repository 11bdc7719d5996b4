import { describe, expect, it } from "vitest";
import { newId } from "../../../pkg/ids";
import { call } from "../../../test/support/call";
import { insertPost, settle, spreadRow, testEnv } from "./helpers";

/** A story of `n` copies by distinct accounts, as screening records it (src/stories in screening). */
async function seedStory(n: number): Promise<{ storyId: string; copies: string[] }> {
  const storyId = newId("sty");
  const now = Date.now();
  const copies: string[] = [];
  for (let i = 0; i < n; i++) copies.push(await insertPost({ categories: ["rumour"] }));
  await testEnv.DB.prepare(`INSERT INTO stories (id, signature, first_post_id, first_seen_at, last_seen_at, copies, accounts) VALUES (?, 'AAAA', ?, ?, ?, ?, ?)`)
    .bind(storyId, copies[0], now, now, n, n)
    .run();
  for (const [i, postId] of copies.entries()) {
    await testEnv.DB.prepare(`INSERT INTO story_posts (post_id, story_id, account_id, similarity, joined_at) VALUES (?, ?, ?, ?, ?)`)
      .bind(postId, storyId, `acc-${i}`, i === 0 ? 100 : 80, now + i)
      .run();
  }
  return { storyId, copies };
}

const story = (id: string) =>
  testEnv.DB.prepare(`SELECT reposts, views, escalated_at FROM stories WHERE id = ?`).bind(id).first<{ reposts: number; views: number; escalated_at: number | null }>();

const storySignals = (storyId: string) =>
  testEnv.DB.prepare(`SELECT subject_id, details FROM review_signals WHERE reason_code = 'story_threshold' AND dedupe_key LIKE ?`)
    .bind(`%:story:${storyId}`)
    .all<{ subject_id: string; details: string }>();

describe("story spread", () => {
  it("keeps the story's reposts and views equal to the sum over its copies under concurrent counts", async () => {
    const { storyId, copies } = await seedStory(4);
    // 120 reposts (some repeated by the same account) and 40 view batches, all at once, over the copies.
    const reposts = Array.from({ length: 120 }, (_, i) => ({ post: copies[i % 4]!, account: `user-${i % 90}` }));
    const answers = await Promise.all([
      ...reposts.map((r) => call(`/v1/posts/${r.post}/reposts`, { role: "app", body: { accountId: r.account } })),
      ...Array.from({ length: 40 }, (_, i) => call(`/v1/posts/${copies[i % 4]}/views`, { role: "app", body: { count: 7 } })),
    ]);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const counted = (await Promise.all(answers.slice(0, 120).map((a) => a.json() as Promise<{ counted: boolean }>))).filter((b) => b.counted).length;
    for (const c of copies) await settle(c);
    const rows = await Promise.all(copies.map((c) => spreadRow(c)));
    const sum = rows.reduce((s, r) => ({ reposts: s.reposts + r!.reposts, views: s.views + r!.views }), { reposts: 0, views: 0 });
    expect(sum).toEqual({ reposts: counted, views: 280 });
    expect(await story(storyId)).toMatchObject(sum);
    // A flush run again (alarms are at-least-once) adds nothing.
    for (const c of copies) await settle(c);
    expect(await story(storyId)).toMatchObject(sum);
  });

  it("escalates once (one review signal listing the copies) when the copies' views together cross 5,000", async () => {
    const { storyId, copies } = await seedStory(5);
    // 1,500 views per copy would never escalate a single post (5,000); together they are 7,500.
    await Promise.all(copies.flatMap((c) => Array.from({ length: 10 }, () => call(`/v1/posts/${c}/views`, { role: "app", body: { count: 150 } }))));
    await Promise.all(copies.map((c) => settle(c)));
    await Promise.all(copies.map((c) => settle(c)));
    const s = await story(storyId);
    expect(s).toMatchObject({ views: 7500 });
    expect(s!.escalated_at).not.toBeNull();
    const signals = await storySignals(storyId);
    expect(signals.results).toHaveLength(1);
    expect(signals.results[0]!.subject_id).toBe(copies[0]);
    expect(JSON.parse(signals.results[0]!.details)).toMatchObject({ storyId, copyIds: copies });
    // No copy escalated on its own.
    for (const c of copies) expect((await spreadRow(c))!.escalated).toBe(0);
  });
});

describe("story reads", () => {
  it("GET /v1/posts/{postId}/story and GET /v1/stories/{id} (copies paged, oldest first)", async () => {
    const { storyId, copies } = await seedStory(5);
    const res = await call(`/v1/posts/${copies[2]}/story`, { role: "app" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ postId: copies[2], story: { id: storyId, firstPostId: copies[0], copies: 5, accounts: 5, spread: { reposts: 0, views: 0 }, removal: null } });

    const loner = await insertPost();
    expect(await (await call(`/v1/posts/${loner}/story`, { role: "operator" })).json()).toEqual({ postId: loner, story: null });

    const page1 = (await (await call(`/v1/stories/${storyId}?limit=3`, { role: "operator" })).json()) as { copyList: { postId: string; similarity: number }[]; nextCursor: string };
    expect(page1.copyList.map((c) => c.postId)).toEqual(copies.slice(0, 3));
    expect(page1.copyList[0]!.similarity).toBe(1);
    const page2 = (await (await call(`/v1/stories/${storyId}?limit=3&cursor=${page1.nextCursor}`, { role: "app" })).json()) as { copyList: { postId: string }[]; nextCursor: string | null };
    expect(page2.copyList.map((c) => c.postId)).toEqual(copies.slice(3));
    expect(page2.nextCursor).toBeNull();
  });

  it("GET /v1/stories/top ranks by the metric, pages with its cursor, operators only", async () => {
    const a = await seedStory(2);
    const b = await seedStory(3);
    await testEnv.DB.prepare(`UPDATE stories SET copies = 900001 WHERE id = ?`).bind(a.storyId).run();
    await testEnv.DB.prepare(`UPDATE stories SET copies = 900002 WHERE id = ?`).bind(b.storyId).run();
    const first = (await (await call(`/v1/stories/top?metric=copies&limit=1`, { role: "operator" })).json()) as { stories: { id: string }[]; nextCursor: string };
    expect(first.stories.map((s) => s.id)).toEqual([b.storyId]);
    const second = (await (await call(`/v1/stories/top?metric=copies&limit=1&cursor=${first.nextCursor}`, { role: "admin" })).json()) as { stories: { id: string }[] };
    expect(second.stories.map((s) => s.id)).toEqual([a.storyId]);
    expect((await call(`/v1/stories/top`, { role: "app" })).status).toBe(403);
  });

  it("refuses bad input with registered problems", async () => {
    const expectProblem = async (res: Response, status: number, code: string) => {
      expect(res.status).toBe(status);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(((await res.json()) as { code: string }).code).toBe(code);
    };
    await expectProblem(await call(`/v1/stories/sty_doesnotexist00`, { role: "app" }), 404, "story_not_found");
    await expectProblem(await call(`/v1/stories/not-an-id`, { role: "app" }), 422, "validation_failed");
    await expectProblem(await call(`/v1/posts/pst_neverscreened0001/story`, { role: "app" }), 404, "post_not_found");
    await expectProblem(await call(`/v1/stories/top?metric=likes`, { role: "operator" }), 422, "validation_failed");
    await expectProblem(await call(`/v1/stories/top?limit=0`, { role: "operator" }), 422, "validation_failed");
    await expectProblem(await call(`/v1/stories/top?cursor=garbage`, { role: "operator" }), 422, "invalid_cursor");
    const views = (await (await call(`/v1/stories/top?metric=views&limit=1`, { role: "operator" })).json()) as { nextCursor: string | null };
    if (views.nextCursor) await expectProblem(await call(`/v1/stories/top?metric=copies&cursor=${views.nextCursor}`, { role: "operator" }), 422, "invalid_cursor");
    const { storyId } = await seedStory(1);
    await expectProblem(await call(`/v1/stories/${storyId}?cursor=garbage`, { role: "app" }), 422, "invalid_cursor");
    await expectProblem(await call(`/v1/stories/${storyId}`, {}), 401, "missing_credentials");
  });
});
