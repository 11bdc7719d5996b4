import { describe, expect, it } from "vitest";
import { call, problem } from "../../../test/support/call";
import { insertPost, settle, testEnv } from "./helpers";

type Status = {
  postId: string;
  verdict: string;
  removal: { removedAt: string; decisionId: string | null } | null;
  labels: { label: string; decisionId: string }[];
  review: { status: string } | null;
  decisions: { id: string; action: string; status: string; target: { type: string; id: string } | null }[];
  appeal: { id: string; decisionId: string; status: string; outcome: string | null; decidedAt: string | null } | null;
  spread: { rootPostId: string; reposts: number; views: number } | null;
};

async function decision(id: string, postId: string, action: string, opts: { status?: string; targetType?: string; targetId?: string; at?: number } = {}) {
  await testEnv.DB.prepare(
    `INSERT INTO moderation_decisions (id, review_item_id, subject_type, subject_id, action, target_type, target_id, reason, decided_by, decided_at, status)
     VALUES (?, ?, 'post', ?, ?, ?, ?, 'operator reason, not for apps', 'key_mod', ?, ?)`,
  )
    .bind(id, `rvw_${id}`, postId, action, opts.targetType ?? "post", opts.targetId ?? postId, opts.at ?? Date.now(), opts.status ?? "applied")
    .run();
}

describe("post status (happy path)", () => {
  it("tells an app the verdict, removal, labels, decisions, review and spread of a post", async () => {
    const postId = await insertPost({ verdict: "review", accountId: "acc_author000000" });
    await call(`/v1/posts/${postId}/reposts`, { role: "app", body: { accountId: "u1" } });
    await call(`/v1/posts/${postId}/views`, { role: "app", body: { count: 7 } });
    await settle(postId);
    await testEnv.DB.prepare(`INSERT INTO review_queue (id, dedupe_key, subject_type, subject_id, source, reason_code, status, created_at, decided_at) VALUES ('rvw_ps1', 'ps1', 'post', ?, 'screening', 'term_match', 'decided', 1, 2)`)
      .bind(postId)
      .run();
    await decision("dcs_label0000000", postId, "label_post", { at: 1_000 });
    await testEnv.DB.prepare("INSERT INTO post_labels (post_id, label, decision_id, created_at) VALUES (?, 'disputed', 'dcs_label0000000', 1000)").bind(postId).run();
    await decision("dcs_remove000000", postId, "remove_post", { at: 2_000 });
    await decision("dcs_suspend00000", postId, "suspend_account", { at: 3_000, targetType: "account", targetId: "acc_author000000" });
    await decision("dcs_refused00000", postId, "warn_account", { at: 4_000, status: "refused", targetType: "account", targetId: "acc_author000000" });
    await testEnv.DB.prepare("UPDATE posts SET removed_at = 2000 WHERE id = ?").bind(postId).run();

    const res = await call(`/v1/posts/${postId}`, { role: "app" });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain("operator reason");
    const body = JSON.parse(text) as Status;
    expect(body).toMatchObject({
      postId,
      verdict: "review",
      removal: { removedAt: new Date(2000).toISOString(), decisionId: "dcs_remove000000" },
      labels: [{ label: "disputed", decisionId: "dcs_label0000000" }],
      review: { status: "decided" },
      appeal: null,
      spread: { rootPostId: postId, reposts: 1, views: 7 },
    });
    expect(body.decisions.map((d) => d.action)).toEqual(["suspend_account", "remove_post", "label_post"]);
    expect(body.decisions[0]!.target).toEqual({ type: "account", id: "acc_author000000" });
  });

  it("shows the post's latest appeal, open then decided, without the statement or the operator's reason", async () => {
    const postId = await insertPost({ verdict: "review", accountId: "acc_author000000" });
    await decision("dcs_appealed0000", postId, "remove_post", { at: 1_000 });
    const appeal = (at: number) =>
      testEnv.DB.prepare(
        `INSERT INTO appeals (id, decision_id, account_id, statement, subject_type, subject_id, status, created_at) VALUES ('apl_ps100000000', 'dcs_appealed0000', 'acc_author000000', 'my private statement', 'post', ?, 'open', ?)`,
      ).bind(postId, at);
    await appeal(2_000).run();
    const open = (await (await call(`/v1/posts/${postId}`, { role: "app" })).json()) as Status;
    expect(open.appeal).toEqual({ id: "apl_ps100000000", decisionId: "dcs_appealed0000", status: "open", outcome: null, decidedAt: null });
    await testEnv.DB.prepare("UPDATE appeals SET status = 'decided', outcome = 'reversed', reason = 'operator reason, not for apps', decided_at = 3000 WHERE id = 'apl_ps100000000'").run();
    const text = await (await call(`/v1/posts/${postId}`, { role: "app" })).text();
    expect(text).not.toContain("operator reason");
    expect(text).not.toContain("my private statement");
    expect((JSON.parse(text) as Status).appeal).toEqual({ id: "apl_ps100000000", decisionId: "dcs_appealed0000", status: "decided", outcome: "reversed", decidedAt: new Date(3000).toISOString() });
  });

  it("shows a fresh post with nothing done to it, and a repost's spread as its root's", async () => {
    const postId = await insertPost();
    const body = (await (await call(`/v1/posts/${postId}`, { role: "operator" })).json()) as Status;
    expect(body).toMatchObject({ verdict: "allow", removal: null, labels: [], review: null, decisions: [], appeal: null, spread: null });
    const root = await insertPost();
    const repost = await insertPost();
    await call(`/v1/posts/${repost}/reposts`, { role: "app", body: { accountId: "u1", sourcePostId: root } });
    await testEnv.DB.prepare("INSERT OR IGNORE INTO repost_chain (repost_post_id, root_post_id, created_at) VALUES (?, ?, 1)").bind(repost, root).run();
    await call(`/v1/posts/${root}/views`, { role: "app", body: { count: 3 } });
    await settle(root);
    const viaRepost = (await (await call(`/v1/posts/${repost}`, { role: "app" })).json()) as Status;
    expect(viaRepost.spread).toMatchObject({ rootPostId: root, views: 3 });
  });
});

describe("post status (errors and roles)", () => {
  it("answers 404 for a post never screened and 422 for a malformed id", async () => {
    const missing = await call("/v1/posts/post-never-screened", { role: "app" });
    expect(missing.status).toBe(404);
    expect((await problem(missing)).code).toBe("post_not_found");
    const bad = await call(`/v1/posts/${encodeURIComponent("bad id!")}`, { role: "app" });
    expect(bad.status).toBe(422);
    expect((await problem(bad)).code).toBe("validation_failed");
  });

  it("is for apps, operators and admins with a key", async () => {
    const postId = await insertPost();
    expect((await call(`/v1/posts/${postId}`)).status).toBe(401);
    for (const role of ["app", "operator", "admin"] as const) expect((await call(`/v1/posts/${postId}`, { role })).status, role).toBe(200);
  });
});
