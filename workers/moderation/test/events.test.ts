/** Events (pkg/outbox.ts) written with moderation's changes: decisions, reports, appeals. */
import { describe, expect, it } from "vitest";
import { call } from "../../../test/support/call";
import { eventsOf, eventsWhere } from "../../../test/support/events";
import { countRows, insertPost, signal, testEnv } from "./fixtures";

/** The author of every fixture post (fixtures.ts). */
const AUTHOR = "acc_fixture000000";

/** A post with one open item (a screening signal); returns the item id. */
async function postItem(postId: string, removed = false): Promise<string> {
  await insertPost(postId, "review");
  if (removed) await testEnv.DB.prepare("UPDATE posts SET removed_at = 1 WHERE id = ?").bind(postId).run();
  await signal({ source: "screening", subjectId: postId, dedupeKey: `s:${postId}` });
  return (await testEnv.DB.prepare("SELECT id FROM review_queue WHERE subject_id = ? AND status = 'open'").bind(postId).first<{ id: string }>())!.id;
}

const decide = (itemId: string, body: unknown, keyId = "key_ann") => call(`/v1/review-queue/${itemId}/decision`, { role: "operator", keyId, body });
const decisionIdOf = async (res: Response) => ((await res.json()) as { decisionRecord: { id: string } }).decisionRecord.id;
const report = (subjectId: string, reporterId: string) => call("/v1/reports", { role: "app", body: { subjectType: "post", subjectId, reporterId, reason: "rumour" } });

describe("decisions: review.decided and the post's event, in the decision's batch", () => {
  it("remove_post: one review.decided and one post.removed with ids only; relayed after commit", async () => {
    const itemId = await postItem("evt-rm1");
    const res = await decide(itemId, { action: "remove_post", reason: "confirmed rumour, see the fact check" });
    expect(res.status).toBe(200);
    const decisionId = await decisionIdOf(res);
    const decided = await eventsOf(testEnv.DB, "review.decided", itemId);
    expect(decided).toHaveLength(1);
    expect(decided[0]).toMatchObject({
      subjectType: "review_item",
      payload: { reviewItemId: itemId, decisionId, action: "remove_post", subjectType: "post", subjectId: "evt-rm1", target: { type: "post", id: "evt-rm1" } },
    });
    // The operator's free-text reason is not in the event.
    expect(JSON.stringify(decided[0]!.payload)).not.toContain("fact check");
    const removed = await eventsOf(testEnv.DB, "post.removed", "evt-rm1");
    expect(removed).toHaveLength(1);
    expect(removed[0]).toMatchObject({ subjectType: "post", payload: { postId: "evt-rm1", decisionId, reviewItemId: itemId } });
    expect(removed[0]!.requestId).toBe(decided[0]!.requestId);
    await expect.poll(async () => (await eventsOf(testEnv.DB, "post.removed", "evt-rm1"))[0]!.relayedAt, { timeout: 5000 }).not.toBeNull();
  });

  it("restore_post: post.restored; label_post: post.labelled with the labels", async () => {
    const restoreItem = await postItem("evt-rs1", true);
    expect((await decide(restoreItem, { action: "restore_post", reason: "removed by mistake" })).status).toBe(200);
    expect(await eventsOf(testEnv.DB, "post.restored", "evt-rs1")).toMatchObject([{ payload: { postId: "evt-rs1", reviewItemId: restoreItem } }]);
    const labelItem = await postItem("evt-lb1");
    expect((await decide(labelItem, { action: "label_post", labels: ["disputed"], reason: "contested" })).status).toBe(200);
    expect(await eventsOf(testEnv.DB, "post.labelled", "evt-lb1")).toMatchObject([{ payload: { postId: "evt-lb1", labels: ["disputed"] } }]);
    expect(await eventsOf(testEnv.DB, "post.removed", "evt-lb1")).toHaveLength(0);
  });

  it("a refused decision writes nothing: 409 already_decided, 422 decision_not_applicable, 422 validation_failed", async () => {
    const itemId = await postItem("evt-ref1");
    expect((await decide(itemId, { action: "dismiss", reason: "fine" })).status).toBe(200);
    const removedItem = await postItem("evt-ref2", true);
    const before = await countRows("event_outbox");
    const again = await decide(itemId, { action: "remove_post", reason: "changed my mind" }, "key_bob");
    expect(again.status).toBe(409);
    const notApplicable = await decide(removedItem, { action: "remove_post", reason: "already removed" });
    expect(notApplicable.status).toBe(422);
    expect((await decide(removedItem, { action: "label_post", reason: "no labels" })).status).toBe(422);
    expect(await countRows("event_outbox")).toBe(before);
    expect(await eventsOf(testEnv.DB, "post.removed", "evt-ref1")).toHaveLength(0);
  });

  it("30 concurrent identical decisions: one review.decided, one post.removed", async () => {
    const itemId = await postItem("evt-race1");
    const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => decide(itemId, { action: "remove_post", reason: "race" }, `key_op${i % 3}`)));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
    expect(await eventsOf(testEnv.DB, "review.decided", itemId)).toHaveLength(1);
    expect(await eventsOf(testEnv.DB, "post.removed", "evt-race1")).toHaveLength(1);
  });

  it("bulk: one review.decided per decided item, none for the skipped", async () => {
    const a = await postItem("evt-bulk1");
    const b = await postItem("evt-bulk2", true);
    const res = await call("/v1/review-queue/bulk-decision", { role: "operator", keyId: "key_ann", body: { itemIds: [a, b], action: "remove_post", reason: "bulk" } });
    expect(res.status).toBe(200);
    expect(await eventsOf(testEnv.DB, "review.decided", a)).toHaveLength(1);
    expect(await eventsOf(testEnv.DB, "review.decided", b)).toHaveLength(0);
    expect(await eventsOf(testEnv.DB, "post.removed", "evt-bulk1")).toHaveLength(1);
    expect(await eventsOf(testEnv.DB, "post.removed", "evt-bulk2")).toHaveLength(0);
  });
});

describe("reports: review.opened when a report opens the item, report.resolved per report when it is decided", () => {
  it("the first report opens the item (one review.opened), the second joins it; dismissing resolves both", async () => {
    await insertPost("evt-rep1", "allow");
    const first = await report("evt-rep1", "reporter-1");
    expect(first.status).toBe(201);
    const { id: r1, reviewItemId } = (await first.json()) as { id: string; reviewItemId: string };
    const second = (await (await report("evt-rep1", "reporter-2")).json()) as { id: string };
    expect(await eventsOf(testEnv.DB, "review.opened", reviewItemId)).toMatchObject([{ payload: { subjectId: "evt-rep1", source: "report", reasonCode: "reported_rumour" } }]);
    expect(await eventsWhere(testEnv.DB, "review.opened", "subjectId", "evt-rep1")).toHaveLength(1);

    const res = await decide(reviewItemId, { action: "dismiss", reason: "not a rumour" });
    expect(res.status).toBe(200);
    const decisionId = await decisionIdOf(res);
    const resolved = await eventsWhere(testEnv.DB, "report.resolved", "reviewItemId", reviewItemId);
    expect(resolved.map((e) => e.subjectId).sort()).toEqual([r1, second.id].sort());
    expect(resolved[0]).toMatchObject({ subjectType: "report", payload: { decisionId, outcome: "dismissed", category: "rumour", subjectType: "post", subjectId: "evt-rep1" } });
    // Reporter ids are not in the event.
    expect(JSON.stringify(resolved.map((e) => e.payload))).not.toContain("reporter-");
    await expect.poll(async () => (await eventsWhere(testEnv.DB, "report.resolved", "reviewItemId", reviewItemId)).every((e) => e.relayedAt !== null), { timeout: 5000 }).toBe(true);
  });

  it("a report on a removed post (409) and a repeated report write no event", async () => {
    await insertPost("evt-rep2", "allow");
    await report("evt-rep2", "reporter-1");
    const before = await countRows("event_outbox");
    expect((await report("evt-rep2", "reporter-1")).status).toBe(200);
    await testEnv.DB.prepare("UPDATE posts SET removed_at = 1 WHERE id = 'evt-rep2'").run();
    expect((await report("evt-rep2", "reporter-3")).status).toBe(409);
    expect(await countRows("event_outbox")).toBe(before);
  });
});

describe("appeals: appeal.opened, appeal.decided and the reversal's post event", () => {
  it("filing writes appeal.opened once under 20 concurrent appeals; reversing a removal writes appeal.decided, post.restored and review.decided", async () => {
    const itemId = await postItem("evt-ap1");
    const decisionId = await decisionIdOf(await decide(itemId, { action: "remove_post", reason: "rumour" }));
    const filings = await Promise.all(
      Array.from({ length: 20 }, () => call("/v1/appeals", { role: "app", keyId: "key_app1", body: { decisionId, accountId: AUTHOR, statement: "It was satire." } })),
    );
    expect(filings.filter((r) => r.status === 201)).toHaveLength(1);
    const appeal = (await filings.find((r) => r.status === 201)!.json()) as { id: string; reviewItemId: string };
    const opened = await eventsOf(testEnv.DB, "appeal.opened");
    expect(opened.filter((e) => e.subjectId === appeal.id)).toHaveLength(1);
    expect(opened.filter((e) => e.payload.decisionId === decisionId)).toHaveLength(1);
    expect(opened.find((e) => e.subjectId === appeal.id)).toMatchObject({ subjectType: "appeal", payload: { appealId: appeal.id, decisionId, action: "remove_post", subjectId: "evt-ap1" } });
    // The appeal's statement (free text) is not in the event.
    expect(JSON.stringify(opened.map((e) => e.payload))).not.toContain("satire");
    expect(await eventsOf(testEnv.DB, "review.opened", appeal.reviewItemId)).toHaveLength(1);

    const reversals = await Promise.all(Array.from({ length: 20 }, () => call(`/v1/appeals/${appeal.id}/decision`, { role: "operator", keyId: "key_bob", body: { outcome: "reverse", reason: "satire" } })));
    expect(reversals.filter((r) => r.status === 200)).toHaveLength(1);
    expect(await eventsOf(testEnv.DB, "appeal.decided", appeal.id)).toMatchObject([{ payload: { appealId: appeal.id, decisionId, outcome: "reversed", effect: "applied" } }]);
    expect(await eventsOf(testEnv.DB, "post.restored", "evt-ap1")).toMatchObject([{ payload: { postId: "evt-ap1", decisionId, appealId: appeal.id } }]);
    expect(await eventsOf(testEnv.DB, "review.decided", appeal.reviewItemId)).toMatchObject([{ payload: { action: "appeal_reverse", appealId: appeal.id } }]);
  });

  it("refused appeal decisions write nothing: 403 same_operator, 409 on a decided appeal; reversing a label lifts it (post.labelled)", async () => {
    const itemId = await postItem("evt-ap2");
    const decisionId = await decisionIdOf(await decide(itemId, { action: "label_post", labels: ["disputed"], reason: "contested" }));
    const appeal = (await (await call("/v1/appeals", { role: "app", body: { decisionId, accountId: AUTHOR, statement: "No." } })).json()) as { id: string };
    const before = await countRows("event_outbox");
    expect((await call(`/v1/appeals/${appeal.id}/decision`, { role: "operator", keyId: "key_ann", body: { outcome: "reverse", reason: "mine" } })).status).toBe(403);
    expect(await countRows("event_outbox")).toBe(before);
    expect((await call(`/v1/appeals/${appeal.id}/decision`, { role: "operator", keyId: "key_bob", body: { outcome: "reverse", reason: "fine" } })).status).toBe(200);
    expect(await eventsOf(testEnv.DB, "post.labelled", "evt-ap2")).toMatchObject([{ payload: { labels: ["disputed"] } }, { payload: { appealId: appeal.id, lifted: ["disputed"] } }]);
    const after = await countRows("event_outbox");
    expect((await call(`/v1/appeals/${appeal.id}/decision`, { role: "operator", keyId: "key_cat", body: { outcome: "uphold", reason: "late" } })).status).toBe(409);
    expect(await countRows("event_outbox")).toBe(after);
  });
});
