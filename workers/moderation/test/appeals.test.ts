import { describe, expect, it } from "vitest";
import { call, problem } from "../../../test/support/call";
import { countRows, insertPost, signal, testEnv } from "./fixtures";

/** The author of every fixture post (test/fixtures.ts). */
const AUTHOR = "acc_fixture000000";
const DAY = 86_400_000;

type Appeal = {
  id: string;
  decision: { id: string; action: string };
  accountId: string;
  subject: { type: string; id: string };
  statement: string;
  reviewItemId: string | null;
  status: string;
  outcome: string | null;
  effect: string | null;
  decidedAt: string | null;
  decidedBy?: string | null;
  reason?: string | null;
};

/** A post with an open item, decided with `action` by `key_ann`; returns the decision id. */
async function decidedPost(postId: string, action: "remove_post" | "label_post" | "restore_post" | "dismiss", removed = false): Promise<string> {
  await insertPost(postId, "review");
  if (removed) await testEnv.DB.prepare("UPDATE posts SET removed_at = 1 WHERE id = ?").bind(postId).run();
  await signal({ source: "screening", subjectId: postId, dedupeKey: `s:${postId}` });
  const item = await testEnv.DB.prepare("SELECT id FROM review_queue WHERE subject_id = ? AND status = 'open'").bind(postId).first<{ id: string }>();
  const body = action === "label_post" ? { action, labels: ["disputed"], reason: "contested claim" } : { action, reason: "first decision" };
  const res = await call(`/v1/review-queue/${item!.id}/decision`, { role: "operator", keyId: "key_ann", body });
  expect(res.status).toBe(200);
  return ((await res.json()) as { decisionRecord: { id: string } }).decisionRecord.id;
}

/** An account decision row as the decisions engine records it (registration is absent from this test project). */
async function accountDecision(id: string, action: "suspend_account" | "close_account" | "warn_account", accountId: string, decidedAt = Date.now()): Promise<void> {
  await testEnv.DB.prepare(
    `INSERT INTO moderation_decisions (id, review_item_id, subject_type, subject_id, action, target_type, target_id, reason, decided_by, decided_at, status, applied_at)
     VALUES (?, ?, 'account', ?, ?, 'account', ?, 'scam contacts', 'key_ann', ?, 'applied', ?)`,
  )
    .bind(id, `rvw_${id.slice(4)}`, accountId, action, accountId, decidedAt, decidedAt)
    .run();
}

const fileAppeal = (body: unknown, role: "app" | "operator" = "app") => call("/v1/appeals", { role, keyId: "key_app1", body });
const decideAppeal = (id: string, body: unknown, keyId = "key_bob", role: "operator" | "admin" | "app" = "operator") => call(`/v1/appeals/${id}/decision`, { role, keyId, body });

describe("appeals of post actions (happy path)", () => {
  it("files an appeal as a signal on the post's item, and a reversal restores the removed post, once, audited", async () => {
    const decisionId = await decidedPost("post-ap1", "remove_post");
    const filed = await fileAppeal({ decisionId, accountId: AUTHOR, statement: "This was satire.\nSee the source." });
    expect(filed.status).toBe(201);
    const appeal = (await filed.json()) as Appeal;
    expect(appeal).toMatchObject({ decision: { id: decisionId, action: "remove_post" }, accountId: AUTHOR, subject: { type: "post", id: "post-ap1" }, status: "open", outcome: null });
    expect(appeal.decidedBy).toBeUndefined();
    const item = await testEnv.DB.prepare("SELECT id, status, source FROM review_queue WHERE id = ?").bind(appeal.reviewItemId).first<{ status: string; source: string }>();
    expect(item).toMatchObject({ status: "open", source: "appeal" });
    expect(await countRows("review_signals", "review_item_id = ? AND source = 'appeal' AND status = 'open'", appeal.reviewItemId)).toBe(1);

    const res = await decideAppeal(appeal.id, { outcome: "reverse", reason: "satire, clearly marked" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "decided", outcome: "reversed", effect: "applied", decidedBy: "key_bob", reason: "satire, clearly marked" });
    expect(await countRows("posts", "id = 'post-ap1' AND removed_at IS NULL")).toBe(1);
    expect(await countRows("review_queue", "id = ? AND status = 'decided' AND decision = 'appeal_reverse'", appeal.reviewItemId)).toBe(1);
    expect(await countRows("review_signals", "review_item_id = ? AND status = 'open'", appeal.reviewItemId)).toBe(0);
    expect(await countRows("audit_log", "action = 'appeal.reverse' AND subject_id = 'post-ap1'")).toBe(1);
    expect(await countRows("audit_log", "action = 'appeal.filed' AND subject_id = 'post-ap1'")).toBe(1);

    const seen = (await (await call(`/v1/appeals/${appeal.id}`, { role: "app" })).json()) as Appeal;
    expect(seen).toMatchObject({ status: "decided", outcome: "reversed" });
    expect(seen.reason).toBeUndefined();
  });

  it("refuses a queue decision on an item carrying an open appeal (single and bulk), pointing at the appeal", async () => {
    const decisionId = await decidedPost("post-ap-q", "remove_post");
    const appeal = (await (await fileAppeal({ decisionId, accountId: AUTHOR, statement: "Please look again." })).json()) as Appeal;
    const single = await call(`/v1/review-queue/${appeal.reviewItemId}/decision`, { role: "operator", keyId: "key_bob", body: { action: "dismiss", reason: "queue shortcut" } });
    expect(single.status).toBe(409);
    expect(await problem(single)).toMatchObject({ code: "appeal_pending", appealId: appeal.id });
    const bulk = await call("/v1/review-queue/bulk-decision", { role: "operator", keyId: "key_bob", body: { itemIds: [appeal.reviewItemId], action: "dismiss", reason: "queue shortcut" } });
    expect(bulk.status).toBe(200);
    expect(((await bulk.json()) as { skipped: { itemId: string; code: string }[] }).skipped).toEqual([expect.objectContaining({ itemId: appeal.reviewItemId, code: "appeal_pending" })]);
    // Nothing was decided or closed: the appeal is still open, its signal too.
    expect(await countRows("review_queue", "id = ? AND status = 'open'", appeal.reviewItemId)).toBe(1);
    expect(await countRows("review_signals", "review_item_id = ? AND source = 'appeal' AND status = 'open'", appeal.reviewItemId)).toBe(1);
    expect(await countRows("appeals", "id = ? AND status = 'open'", appeal.id)).toBe(1);
  });

  it("lifts the labels of a reversed label_post decision and removes again a post whose restoration is reversed", async () => {
    const labelled = await decidedPost("post-ap2", "label_post");
    const a = (await (await fileAppeal({ decisionId: labelled, accountId: AUTHOR, statement: "Not disputed." })).json()) as Appeal;
    expect((await decideAppeal(a.id, { outcome: "reverse", reason: "sources check out" })).status).toBe(200);
    expect(await countRows("post_labels", "post_id = 'post-ap2'")).toBe(0);

    const restored = await decidedPost("post-ap3", "restore_post", true);
    const b = (await (await fileAppeal({ decisionId: restored, accountId: AUTHOR, statement: "Please look again." })).json()) as Appeal;
    expect((await decideAppeal(b.id, { outcome: "reverse", reason: "the removal was right" })).status).toBe(200);
    expect(await countRows("posts", "id = 'post-ap3' AND removed_at IS NOT NULL")).toBe(1);
  });

  it("upholds without touching the post", async () => {
    const decisionId = await decidedPost("post-ap4", "remove_post");
    const a = (await (await fileAppeal({ decisionId, accountId: AUTHOR, statement: "I disagree." })).json()) as Appeal;
    const res = await decideAppeal(a.id, { outcome: "uphold", reason: "confirmed rumour" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ outcome: "upheld", effect: null });
    expect(await countRows("posts", "id = 'post-ap4' AND removed_at IS NOT NULL")).toBe(1);
    expect(await countRows("audit_log", "action = 'appeal.uphold' AND subject_id = 'post-ap4'")).toBe(1);
  });
});

describe("appeals (errors)", () => {
  it("refuses bad bodies with field errors, writing nothing", async () => {
    const decisionId = await decidedPost("post-ae1", "remove_post");
    const cases: [unknown, string][] = [
      [{ decisionId, accountId: AUTHOR, statement: "bidi \u202E override" }, "statement"],
      [{ decisionId, accountId: AUTHOR, statement: "x".repeat(2001) }, "statement"],
      [{ decisionId, accountId: AUTHOR, statement: "   " }, "statement"],
      [{ decisionId, accountId: "not an id", statement: "ok" }, "accountId"],
      [{ decisionId, accountId: AUTHOR, statement: "ok", extra: 1 }, ""],
    ];
    for (const [body, field] of cases) {
      const res = await fileAppeal(body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(422);
      const p = await problem(res);
      expect(p.code).toBe("validation_failed");
      if (field) expect(p.errors!.map((e) => e.field)).toContain(field);
    }
    expect(await countRows("appeals", "decision_id = ?", decisionId)).toBe(0);
  });

  it("refuses unknown decisions, dismissals, other accounts, closed windows and a second appeal with their codes", async () => {
    expect(await problem(await fileAppeal({ decisionId: "dcs_missing000000", accountId: AUTHOR, statement: "?" }))).toMatchObject({ status: 404, code: "decision_not_found" });
    const dismissed = await decidedPost("post-ae2", "dismiss");
    expect(await problem(await fileAppeal({ decisionId: dismissed, accountId: AUTHOR, statement: "?" }))).toMatchObject({ status: 422, code: "not_appealable" });
    const removed = await decidedPost("post-ae3", "remove_post");
    expect(await problem(await fileAppeal({ decisionId: removed, accountId: "acc_someoneelse00", statement: "?" }))).toMatchObject({ status: 403, code: "not_affected_account" });

    await accountDecision("dcs_old000000000", "suspend_account", "acc_oldappeal0000", Date.now() - 15 * DAY);
    expect(await problem(await fileAppeal({ decisionId: "dcs_old000000000", accountId: "acc_oldappeal0000", statement: "late" }))).toMatchObject({ status: 409, code: "appeal_window_closed" });
    await accountDecision("dcs_recent000000", "suspend_account", "acc_recent0000000", Date.now() - 13 * DAY);
    expect((await fileAppeal({ decisionId: "dcs_recent000000", accountId: "acc_recent0000000", statement: "in time" })).status).toBe(201);

    const first = (await (await fileAppeal({ decisionId: removed, accountId: AUTHOR, statement: "first" })).json()) as Appeal;
    const again = await fileAppeal({ decisionId: removed, accountId: AUTHOR, statement: "second" });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: "appeal_exists", appeal: { id: first.id, status: "open" } });
    expect(await countRows("appeals", "decision_id = ?", removed)).toBe(1);
  });

  it("refuses the operator who made the decision, a decided appeal, and reversing a closure", async () => {
    const decisionId = await decidedPost("post-ae4", "remove_post");
    const a = (await (await fileAppeal({ decisionId, accountId: AUTHOR, statement: "Please." })).json()) as Appeal;
    expect(await problem(await decideAppeal(a.id, { outcome: "reverse", reason: "my own call" }, "key_ann"))).toMatchObject({ status: 403, code: "same_operator" });
    expect(await countRows("appeals", "id = ? AND status = 'open'", a.id)).toBe(1);
    expect(await countRows("posts", "id = 'post-ae4' AND removed_at IS NOT NULL")).toBe(1);
    expect((await decideAppeal(a.id, { outcome: "uphold", reason: "stands" })).status).toBe(200);
    expect(await problem(await decideAppeal(a.id, { outcome: "reverse", reason: "changed my mind" }))).toMatchObject({ status: 409, code: "already_decided" });
    expect(await problem(await decideAppeal(a.id, { outcome: "maybe", reason: "?" }))).toMatchObject({ status: 422, code: "validation_failed" });
    expect(await problem(await decideAppeal("apl_missing000000", { outcome: "uphold", reason: "?!?" }))).toMatchObject({ status: 404, code: "appeal_not_found" });

    await accountDecision("dcs_closed000000", "close_account", "acc_closed0000000");
    const c = (await (await fileAppeal({ decisionId: "dcs_closed000000", accountId: "acc_closed0000000", statement: "Reopen me." })).json()) as Appeal;
    expect(c.subject).toEqual({ type: "account", id: "acc_closed0000000" });
    expect(await problem(await decideAppeal(c.id, { outcome: "reverse", reason: "reopen" }))).toMatchObject({ status: 409, code: "not_reversible" });
    expect((await decideAppeal(c.id, { outcome: "uphold", reason: "closure stands" })).status).toBe(200);
  });

  it("writes nothing when registration cannot be reached to reverse a suspension", async () => {
    await accountDecision("dcs_susp00000000", "suspend_account", "acc_suspended0000");
    const a = (await (await fileAppeal({ decisionId: "dcs_susp00000000", accountId: "acc_suspended0000", statement: "Lift it." })).json()) as Appeal;
    expect(await problem(await decideAppeal(a.id, { outcome: "reverse", reason: "no scam" }))).toMatchObject({ status: 502, code: "upstream_unavailable" });
    expect(await countRows("appeals", "id = ? AND status = 'open'", a.id)).toBe(1);
    expect(await countRows("audit_log", "action LIKE 'appeal.%' AND subject_id = 'acc_suspended0000' AND action <> 'appeal.filed'")).toBe(0);
  });

  it("lets apps file and read, operators decide and read, and nobody else", async () => {
    const decisionId = await decidedPost("post-ae5", "remove_post");
    expect((await fileAppeal({ decisionId, accountId: AUTHOR, statement: "x" }, "operator")).status).toBe(403);
    const a = (await (await fileAppeal({ decisionId, accountId: AUTHOR, statement: "x" })).json()) as Appeal;
    expect((await decideAppeal(a.id, { outcome: "uphold", reason: "stands" }, "key_app1", "app")).status).toBe(403);
    expect((await call(`/v1/appeals/${a.id}`, { role: "operator" })).status).toBe(200);
    expect((await call(`/v1/appeals/${a.id}`, { role: "admin" })).status).toBe(200);
    expect((await call(`/v1/appeals/${a.id}`)).status).toBe(401);
  });
});

describe("appeals (concurrency)", () => {
  it("twenty concurrent appeals of one decision make one appeal, one signal, one item", async () => {
    const decisionId = await decidedPost("post-ac1", "remove_post");
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => fileAppeal({ decisionId, accountId: AUTHOR, statement: `appeal ${i}` })));
    expect(results.map((r) => r.status).sort()).toEqual([201, ...Array(19).fill(409)]);
    for (const r of results.filter((r) => r.status === 409)) expect((await problem(r)).code).toBe("appeal_exists");
    expect(await countRows("appeals", "decision_id = ?", decisionId)).toBe(1);
    expect(await countRows("review_signals", "source = 'appeal' AND subject_id = 'post-ac1'")).toBe(1);
    expect(await countRows("review_queue", "subject_id = 'post-ac1' AND status = 'open'")).toBe(1);
    expect(await countRows("audit_log", "action = 'appeal.filed' AND subject_id = 'post-ac1'")).toBe(1);
  });

  it("twenty operators deciding one appeal at once make one decision, one audit row, one effect", async () => {
    const decisionId = await decidedPost("post-ac2", "remove_post");
    const a = (await (await fileAppeal({ decisionId, accountId: AUTHOR, statement: "Please." })).json()) as Appeal;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => decideAppeal(a.id, i % 2 ? { outcome: "reverse", reason: "reverse it" } : { outcome: "uphold", reason: "keep it" }, `key_op${i}`)),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 200)) expect(await problem(r)).toMatchObject({ status: 409, code: "already_decided" });
    expect(await countRows("audit_log", "action IN ('appeal.reverse', 'appeal.uphold') AND subject_id = 'post-ac2'")).toBe(1);
    const row = await testEnv.DB.prepare("SELECT outcome FROM appeals WHERE id = ?").bind(a.id).first<{ outcome: string }>();
    expect(await countRows("posts", "id = 'post-ac2' AND removed_at IS NULL")).toBe(row!.outcome === "reversed" ? 1 : 0);
  });

  it("respects a live claim on the appeal's item", async () => {
    const decisionId = await decidedPost("post-ac3", "remove_post");
    const a = (await (await fileAppeal({ decisionId, accountId: AUTHOR, statement: "Please." })).json()) as Appeal;
    expect((await call(`/v1/review-queue/${a.reviewItemId}/claim`, { role: "operator", keyId: "key_cat", method: "POST" })).status).toBe(200);
    expect(await decideAppeal(a.id, { outcome: "reverse", reason: "reverse it" }).then((r) => r.json())).toMatchObject({ code: "item_claimed", heldBy: "key_cat" });
    expect((await decideAppeal(a.id, { outcome: "reverse", reason: "reverse it" }, "key_cat")).status).toBe(200);
  });
});
