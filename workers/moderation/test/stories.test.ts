import { describe, expect, it } from "vitest";
import { newId } from "../../../pkg/ids";
import { call, problem } from "../../../test/support/call";
import { countRows, insertItem, insertPost, testEnv } from "./fixtures";

/** A story of `n` copies, as screening records it (workers/screening/src/stories). */
async function seedStory(n: number): Promise<{ storyId: string; copies: string[] }> {
  const storyId = newId("sty");
  const now = Date.now();
  const copies: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = newId("pst");
    await insertPost(id);
    copies.push(id);
  }
  await testEnv.DB.prepare(`INSERT INTO stories (id, signature, first_post_id, first_seen_at, last_seen_at, copies, accounts) VALUES (?, 'AAAA', ?, ?, ?, ?, ?)`)
    .bind(storyId, copies[0], now, now, n, n)
    .run();
  for (const [i, postId] of copies.entries()) {
    await testEnv.DB.prepare(`INSERT INTO story_posts (post_id, story_id, account_id, similarity, joined_at) VALUES (?, ?, ?, 90, ?)`).bind(postId, storyId, `acc-${i}`, now + i).run();
  }
  return { storyId, copies };
}

const decide = (storyId: string, body: unknown, role: "operator" | "admin" | "app" = "operator", keyId?: string) =>
  call(`/v1/review-queue/stories/${storyId}/decision`, { role, body, ...(keyId ? { keyId } : {}) });

describe("a decision on a story", () => {
  it("removes every copy through the queue's decision path (one decision and audit row each) and makes the story known", async () => {
    const { storyId, copies } = await seedStory(6);
    // Two copies already have open items (a screening verdict, a spread escalation): the decision joins them.
    await insertItem(newId("rvw"), "screening", copies[1]!);
    await insertItem(newId("rvw"), "spread", copies[4]!);
    const res = await decide(storyId, { action: "remove_post", reason: "False rumour about the water supply" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { decided: { postId: string; decisionId: string }[]; skipped: unknown[]; remaining: number; removal: { decisionId: string } };
    expect(body.decided.map((d) => d.postId).sort()).toEqual([...copies].sort());
    expect(body).toMatchObject({ skipped: [], remaining: 0 });
    expect(body.decided.map((d) => d.decisionId)).toContain(body.removal.decisionId);
    expect(await countRows("posts", `id IN (SELECT value FROM json_each(?)) AND removed_at IS NOT NULL`, JSON.stringify(copies))).toBe(6);
    expect(await countRows("moderation_decisions", `subject_id IN (SELECT value FROM json_each(?)) AND action = 'remove_post'`, JSON.stringify(copies))).toBe(6);
    expect(await countRows("audit_log", `action = 'review.remove_post' AND subject_id IN (SELECT value FROM json_each(?))`, JSON.stringify(copies))).toBe(6);
    expect(await countRows("audit_log", `action = 'story.removed' AND subject_id = ?`, storyId)).toBe(1);
    expect(await countRows("review_queue", `subject_id IN (SELECT value FROM json_each(?)) AND status = 'open'`, JSON.stringify(copies))).toBe(0);
    const story = await testEnv.DB.prepare(`SELECT removed_at, removed_decision_id FROM stories WHERE id = ?`).bind(storyId).first<{ removed_at: number; removed_decision_id: string }>();
    expect(story!.removed_at).not.toBeNull();
    expect(story!.removed_decision_id).toBe(body.removal.decisionId);
    // Again: nothing left to remove.
    const again = await decide(storyId, { action: "remove_post", reason: "Again" });
    expect(again.status).toBe(409);
    expect((await problem(again)).code).toBe("story_already_removed");
  });

  it("concurrent decisions on one story decide each copy once", async () => {
    const { storyId, copies } = await seedStory(8);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => decide(storyId, { action: "remove_post", reason: `Operator ${i} removes it` }, "operator", `key_op${i}`)));
    for (const a of answers) expect([200, 409]).toContain(a.status);
    expect(await countRows("moderation_decisions", `subject_id IN (SELECT value FROM json_each(?)) AND action = 'remove_post'`, JSON.stringify(copies))).toBe(8);
    expect(await countRows("audit_log", `action = 'story.removed' AND subject_id = ?`, storyId)).toBe(1);
    expect(await countRows("posts", `id IN (SELECT value FROM json_each(?)) AND removed_at IS NOT NULL`, JSON.stringify(copies))).toBe(8);
    // No call left an item open for a copy another call had removed.
    expect(await countRows("review_queue", `subject_id IN (SELECT value FROM json_each(?)) AND status = 'open'`, JSON.stringify(copies))).toBe(0);
  });

  it("labels every copy", async () => {
    const { storyId, copies } = await seedStory(3);
    const res = await decide(storyId, { action: "label_post", reason: "Disputed by the water authority", labels: ["disputed"] });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { decided: unknown[]; removal: unknown }).removal).toBeNull();
    expect(await countRows("post_labels", `label = 'disputed' AND post_id IN (SELECT value FROM json_each(?))`, JSON.stringify(copies))).toBe(3);
    expect(await countRows("stories", `id = ? AND removed_at IS NULL`, storyId)).toBe(1);
  });

  it("refuses bad input and other roles", async () => {
    const { storyId } = await seedStory(1);
    const cases: [unknown, number, string][] = [
      [{ action: "close_account", reason: "nope" }, 422, "validation_failed"],
      [{ action: "remove_post", reason: "x" }, 422, "validation_failed"],
      [{ action: "remove_post", reason: "Fine reason", labels: ["disputed"] }, 422, "validation_failed"],
      [{ action: "label_post", reason: "Fine reason" }, 422, "validation_failed"],
      [{ action: "remove_post", reason: "Bidi \u202e override" }, 422, "validation_failed"],
      [{ action: "remove_post", reason: "Fine reason", extra: 1 }, 422, "validation_failed"],
    ];
    for (const [body, status, code] of cases) {
      const res = await decide(storyId, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect((await problem(res)).code).toBe(code);
    }
    const missing = await decide("sty_doesnotexist00", { action: "remove_post", reason: "Fine reason" });
    expect(missing.status).toBe(404);
    expect((await problem(missing)).code).toBe("story_not_found");
    const badId = await decide("not-an-id", { action: "remove_post", reason: "Fine reason" });
    expect((await problem(badId)).code).toBe("validation_failed");
    const app = await decide(storyId, { action: "remove_post", reason: "Fine reason" }, "app");
    expect(app.status).toBe(403);
    expect(await countRows("posts", `id IN (SELECT post_id FROM story_posts WHERE story_id = ?) AND removed_at IS NOT NULL`, storyId)).toBe(0);
  });
});
