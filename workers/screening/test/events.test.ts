import { describe, expect, it } from "vitest";
import { call } from "../../../test/support/call";
import { eventsWhere } from "../../../test/support/events";
import { seedAccount, testEnv } from "./helpers";

// The empty policy (version 1) already sends contact details to review: no set-up needed.
const CONTACT = "加微信 wx: abc_12345 详聊";

describe("events: review.opened when screening opens a review item (pkg/outbox.ts)", () => {
  it("a post sent to review opens one item and writes one review.opened with ids and codes only", async () => {
    const account = await seedAccount();
    const res = await call("/v1/screen", { role: "app", body: { accountId: account, kind: "post", text: CONTACT, postId: "evt-review-1" } });
    expect(res.status).toBe(200);
    const events = await eventsWhere(testEnv.DB, "review.opened", "subjectId", "evt-review-1");
    expect(events).toHaveLength(1);
    const item = await testEnv.DB.prepare("SELECT id FROM review_queue WHERE subject_id = 'evt-review-1'").first<{ id: string }>();
    expect(events[0]).toMatchObject({
      subjectType: "review_item",
      subjectId: item!.id,
      payload: { reviewItemId: item!.id, subjectType: "post", subjectId: "evt-review-1", source: "screening", reasonCode: "contact_wechat" },
    });
    expect(events[0]!.requestId).toEqual(expect.any(String));
    // No post text, no account id beyond what the payload names.
    expect(JSON.stringify(events[0]!.payload)).not.toContain("abc_12345");
    // Relayed after commit: handed to the EVENTS queue and marked.
    await expect.poll(async () => (await eventsWhere(testEnv.DB, "review.opened", "subjectId", "evt-review-1"))[0]!.relayedAt, { timeout: 5000 }).not.toBeNull();
  });

  it("an allowed post, a blocked post, and a replay of the same request write none", async () => {
    const account = await seedAccount();
    await call("/v1/screen", { role: "app", body: { accountId: account, kind: "post", text: "hi", postId: "evt-allow-1" } });
    await call("/v1/screen", { role: "app", body: { accountId: await seedAccount("suspended"), kind: "post", text: CONTACT, postId: "evt-block-1" } });
    expect(await eventsWhere(testEnv.DB, "review.opened", "subjectId", "evt-allow-1")).toHaveLength(0);
    expect(await eventsWhere(testEnv.DB, "review.opened", "subjectId", "evt-block-1")).toHaveLength(0);
    const body = { accountId: account, kind: "post", text: CONTACT, postId: "evt-replay-1" };
    const replies = await Promise.all(Array.from({ length: 20 }, () => call("/v1/screen", { role: "app", body })));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect(await eventsWhere(testEnv.DB, "review.opened", "subjectId", "evt-replay-1")).toHaveLength(1);
  });
});
