import { describe, expect, it } from "vitest";
import { call, problem } from "../../../test/support/call";
import { countRows, insertItem, insertPost, signal, testEnv } from "./fixtures";

type Item = { id: string; status: string; decision: string | null; reports?: number; subjectId: string; source: string };

describe("reports (happy path)", () => {
  it("opens one review item per subject, however many users report it", async () => {
    await insertPost("post-r1");
    const results = await Promise.all(
      ["u1", "u2", "u3", "u4", "u5"].map((reporterId) =>
        call("/v1/reports", { role: "app", body: { subjectType: "post", subjectId: "post-r1", reporterId, reason: "rumour" } }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    const itemIds = new Set(await Promise.all(results.map(async (r) => ((await r.json()) as { reviewItemId: string }).reviewItemId)));
    expect(itemIds.size).toBe(1);
    expect(await countRows("review_queue", "subject_id = ?", "post-r1")).toBe(1);
    const item = (await (await call(`/v1/review-queue/${[...itemIds][0]}`, { role: "operator" })).json()) as Item;
    expect(item).toMatchObject({ status: "open", source: "report", reports: 5 });
  });

  it("is idempotent per reporter: a repeated report returns the first one", async () => {
    await insertPost("post-r2");
    const body = { subjectType: "post", subjectId: "post-r2", reporterId: "u1", reason: "fraud" };
    const first = await call("/v1/reports", { role: "app", body });
    const again = await call("/v1/reports", { role: "app", body: { ...body, reason: "spam" } });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(((await first.json()) as { id: string }).id);
    expect(await countRows("reports", "subject_id = ?", "post-r2")).toBe(1);
  });

  it("opens a fresh item for reports after the previous one was decided", async () => {
    await insertPost("post-r3");
    const first = (await (await call("/v1/reports", { role: "app", body: { subjectType: "post", subjectId: "post-r3", reporterId: "u1", reason: "spam" } })).json()) as { reviewItemId: string };
    const decided = await call(`/v1/review-queue/${first.reviewItemId}/decision`, { role: "operator", body: { decision: "dismiss", reason: "not spam" } });
    expect(decided.status).toBe(200);
    const second = (await (await call("/v1/reports", { role: "app", body: { subjectType: "post", subjectId: "post-r3", reporterId: "u2", reason: "spam" } })).json()) as { reviewItemId: string };
    expect(second.reviewItemId).not.toBe(first.reviewItemId);
    expect(await countRows("review_queue", "subject_id = ? AND status = 'open'", "post-r3")).toBe(1);
  });
});

describe("review queue (happy path)", () => {
  it("pages through open items oldest first with a stable cursor", async () => {
    for (let i = 0; i < 5; i++) await insertItem(`rvw_page${i}000000`, "spread", `post-p${i}`, 1_000 + i);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(`/v1/review-queue?limit=2&source=spread${cursor ? `&cursor=${cursor}` : ""}`, { role: "operator" });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: Item[]; nextCursor: string | null };
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([0, 1, 2, 3, 4].map((i) => `rvw_page${i}000000`));
  });

  it("removes a post by decision, records who and why in the audit log, once", async () => {
    await insertPost("post-d1");
    await insertItem("rvw_decide1000000", "spread", "post-d1");
    const res = await call("/v1/review-queue/rvw_decide1000000/decision", { role: "operator", keyId: "key_mod1", body: { decision: "remove_post", reason: "confirmed rumour" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "decided", decision: "remove_post", decidedBy: "key_mod1" });
    const post = await testEnv.DB.prepare("SELECT removed_at FROM posts WHERE id = 'post-d1'").first<{ removed_at: number | null }>();
    expect(post!.removed_at).toEqual(expect.any(Number));
    const audit = await call("/v1/audit?subjectType=post&subjectId=post-d1", { role: "operator" });
    const entries = ((await audit.json()) as { entries: { action: string; actorKeyId: string; reason: string }[] }).entries;
    expect(entries).toEqual([expect.objectContaining({ action: "review.remove_post", actorKeyId: "key_mod1", reason: "confirmed rumour" })]);
  });

  it("lets exactly one of two concurrent decisions win", async () => {
    await insertPost("post-d2");
    await insertItem("rvw_race00000000", "screening", "post-d2");
    const [a, b] = await Promise.all([
      call("/v1/review-queue/rvw_race00000000/decision", { role: "operator", keyId: "key_a", body: { decision: "dismiss", reason: "fine" } }),
      call("/v1/review-queue/rvw_race00000000/decision", { role: "operator", keyId: "key_b", body: { decision: "remove_post", reason: "bad" } }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect(await countRows("audit_log", "subject_id = ?", "post-d2")).toBe(1);
    const winner = a.status === 200 ? "dismiss" : "remove_post";
    const post = await testEnv.DB.prepare("SELECT removed_at FROM posts WHERE id = 'post-d2'").first<{ removed_at: number | null }>();
    expect(post!.removed_at === null).toBe(winner === "dismiss");
  });
});

describe("moderation (errors)", () => {
  it("refuses reports of unknown subjects and malformed fields, writing nothing", async () => {
    const [reportsBefore, itemsBefore] = [await countRows("reports"), await countRows("review_queue")];
    const unknown = await call("/v1/reports", { role: "app", body: { subjectType: "post", subjectId: "nope", reporterId: "u1", reason: "spam" } });
    expect(unknown.status).toBe(404);
    expect((await problem(unknown)).code).toBe("subject_not_found");
    const bad = await call("/v1/reports", { role: "app", body: { subjectType: "comment", subjectId: "x y", reporterId: "", reason: "boring" } });
    expect(bad.status).toBe(422);
    expect((await problem(bad)).errors!.map((e) => e.field).sort()).toEqual(["reason", "reporterId", "subjectId", "subjectType"]);
    expect(await countRows("reports")).toBe(reportsBefore);
    expect(await countRows("review_queue")).toBe(itemsBefore);
  });

  it("refuses a second decision, an unknown item, a bad cursor and removing an account", async () => {
    await insertPost("post-e1");
    await insertItem("rvw_err000000000", "spread", "post-e1");
    expect((await call("/v1/review-queue/rvw_err000000000/decision", { role: "operator", body: { decision: "dismiss", reason: "fine" } })).status).toBe(200);
    const again = await call("/v1/review-queue/rvw_err000000000/decision", { role: "operator", body: { decision: "dismiss", reason: "fine" } });
    expect(again.status).toBe(409);
    expect((await problem(again)).code).toBe("already_decided");
    const missing = await call("/v1/review-queue/rvw_missing00000", { role: "operator" });
    expect(missing.status).toBe(404);
    expect((await problem(missing)).code).toBe("review_item_not_found");
    const cursor = await call("/v1/review-queue?cursor=garbage", { role: "operator" });
    expect(cursor.status).toBe(422);
    expect((await problem(cursor)).code).toBe("invalid_cursor");
    await signal({ subjectType: "account", subjectId: "acc_x", source: "registration", reasonCode: "x", dedupeKey: "k-acct", createdAt: 1 }, "rvw_acct00000000");
    const notApplicable = await call("/v1/review-queue/rvw_acct00000000/decision", { role: "operator", body: { decision: "remove_post", reason: "nope" } });
    expect(notApplicable.status).toBe(422);
    expect((await problem(notApplicable)).code).toBe("decision_not_applicable");
  });
});

describe("audit log (errors)", () => {
  it("refuses a foreign cursor and an out-of-range page size", async () => {
    const cursor = await call("/v1/audit?cursor=bm90LW91cnM", { role: "operator" });
    expect(cursor.status).toBe(422);
    expect((await problem(cursor)).code).toBe("invalid_cursor");
    for (const limit of ["0", "501", "abc"]) {
      const res = await call(`/v1/audit?limit=${limit}`, { role: "operator" });
      expect(res.status, limit).toBe(422);
      const p = await problem(res);
      expect(p.code).toBe("validation_failed");
      expect(p.errors!.map((e) => e.field)).toEqual(["limit"]);
    }
  });
});

describe("moderation (roles)", () => {
  it("lets only apps file reports and only operators or admins see and decide the queue", async () => {
    await insertPost("post-s1");
    const report = { subjectType: "post", subjectId: "post-s1", reporterId: "u1", reason: "spam" };
    expect((await call("/v1/reports", { role: "operator", body: report })).status).toBe(403);
    expect((await call("/v1/reports", { body: report })).status).toBe(401);
    expect((await call("/v1/review-queue", { role: "app" })).status).toBe(403);
    expect((await call("/v1/audit", { role: "app" })).status).toBe(403);
    expect((await call("/v1/review-queue", { role: "admin" })).status).toBe(200);
    expect((await call("/v1/audit", { role: "operator" })).status).toBe(200);
  });
});
