import { beforeAll, describe, expect, it } from "vitest";
import { adminKey, api, eventually, expectData, expectProblem, newKey } from "./client";

/**
 * The moderator's loop over HTTP against the real stack, account actions included (they cross
 * from moderation to registration over a service binding, which only the full stack has):
 * register and verify an account → a post screened `review` → ten reports and a spread threshold → one
 * item with three kinds of signal, its evidence for operators only → a report → claim → a decision that
 * suspends the post's author → the account's next post is blocked → the app appeals → the same operator
 * is refused, a second reverses → it publishes again → the reporter and the post's status see the outcome;
 * concurrent decisions act once; post actions and bulk decisions; `GET /v1/posts/{postId}` tells it.
 */
const PHONE = "+8613900139015";
const ID_NUMBER = "110105199003073154";
const REVIEW_TEXT = "兼职日结 加微信 wx: demo_job88"; // a WeChat contact: `review` under the default contact rules

let app: ReturnType<typeof api>;
let ann: ReturnType<typeof api>;
let bob: ReturnType<typeof api>;
let annKeyId: string;
let accountId: string;

/** Screens a post of the account and returns its verdict. */
async function screen(postId: string, text: string) {
  return expectData(app.POST("/v1/screen", { body: { accountId, text, kind: "post", postId } }), 200);
}

/** The open review item of a post. */
async function itemOf(postId: string) {
  const page = await expectData(ann.GET("/v1/review-queue", { params: { query: { subjectType: "post", limit: 200 } } }), 200);
  const item = page.items.find((i) => i.subjectId === postId);
  expect(item, `an open item for ${postId}`).toBeDefined();
  return item!;
}

async function accountActions() {
  const audit = await expectData(ann.GET("/v1/audit", { params: { query: { subjectType: "account", subjectId: accountId, limit: 100 } } }), 200);
  return audit.entries.map((e) => e.action).filter((a) => ["account.warn", "account.suspend", "account.restore", "account.close"].includes(a));
}

beforeAll(async () => {
  app = api((await newKey("app")).key);
  const annKey = await newKey("operator");
  annKeyId = annKey.id;
  ann = api(annKey.key);
  bob = api((await newKey("operator")).key);
  const admin = api(adminKey());
  const created = await expectData(
    app.POST("/v1/accounts", {
      body: { handle: "loop_news", displayName: "Loop News", kind: "public", identity: { name: "李四", documentType: "cn_resident_id", documentNumber: ID_NUMBER }, phone: PHONE },
    }),
    201,
  );
  accountId = created.account.id;
  const sms = await expectData(admin.POST("/v1/dev/sms", { body: { phone: PHONE } }), 200);
  const code = /\b(\d{6})\b/.exec(sms.messages.at(-1)!.body)![1]!;
  await expectData(app.POST("/v1/accounts/{id}/phone/verify", { params: { path: { id: accountId } }, body: { code } }), 200);
  const reviewed = await expectData(ann.POST("/v1/accounts/{id}/review", { params: { path: { id: accountId } }, body: { decision: "approve", reason: "documents checked" } }), 200);
  expect(reviewed.status).toBe("verified");
});

describe("the moderator's loop, end to end", () => {
  it("two operators deciding one account action at once: one decision, one audit row, one action", async () => {
    expect((await screen("post-loop-warn", REVIEW_TEXT)).verdict).toBe("review");
    const item = await itemOf("post-loop-warn");
    const [a, b] = await Promise.all([
      ann.POST("/v1/review-queue/{id}/decision", { params: { path: { id: item.id } }, body: { action: "warn_account", reason: "contact details for paid jobs" } }),
      bob.POST("/v1/review-queue/{id}/decision", { params: { path: { id: item.id } }, body: { action: "warn_account", reason: "contact details again" } }),
    ]);
    expect([a.response.status, b.response.status].sort()).toEqual([200, 409]);
    const won = (a.data ?? b.data)!;
    expect(won.decisionRecord).toMatchObject({ action: "warn_account", status: "applied", target: { type: "account", id: accountId } });
    expect(await accountActions()).toEqual(["account.warn"]);
    const reviewAudit = await expectData(ann.GET("/v1/audit", { params: { query: { subjectType: "post", subjectId: "post-loop-warn" } } }), 200);
    expect(reviewAudit.entries.filter((e) => e.action === "review.warn_account")).toHaveLength(1);
  });

  it("one item carries screening, report and spread signals; ten reporters escalate it; its evidence is for operators only, each read audited", async () => {
    const text = `${REVIEW_TEXT} 证据原文-7f3a`;
    expect((await screen("post-loop-evidence", text)).verdict).toBe("review");
    // Ten distinct reporters at once: ten report signals and one escalation signal.
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => expectData(app.POST("/v1/reports", { body: { subjectType: "post", subjectId: "post-loop-evidence", reporterId: `crowd-${i}`, reason: "fraud" } }), 201)),
    );
    // The escalate-on-views rule as shipped (this test does not depend on what others left in the table).
    await expectData(api(adminKey()).PATCH("/v1/spread/thresholds", { body: { set: [{ level: "escalate", metric: "views", value: 5000, action: "escalate", category: null, verdict: null }], remove: [], reason: "moderation loop test" } }), 200);
    await expectData(app.POST("/v1/posts/{postId}/views", { params: { path: { postId: "post-loop-evidence" } }, body: { count: 5000 } }), 200);
    // The spread signal arrives from the counting object's alarm.
    const item = await itemOf("post-loop-evidence");
    const full = await eventually(async () => {
      const read = await expectData(ann.GET("/v1/review-queue/{id}", { params: { path: { id: item.id } } }), 200);
      return read.signals!.some((sig) => sig.source === "spread") ? read : undefined;
    });
    const kinds = new Set(full.signals!.map((sig) => sig.source));
    expect([...kinds].sort()).toEqual(["report", "screening", "spread"]);
    expect(full.signals!.filter((sig) => sig.reasonCode === "report_threshold")).toHaveLength(1);
    expect(full.reporters).toBe(10);

    // The operator sees the content judged; the read is audited without it; apps and anonymous callers cannot read it.
    const evidence = await expectData(ann.GET("/v1/review-queue/{id}/evidence", { params: { path: { id: item.id } } }), 200);
    expect(JSON.stringify(evidence)).toContain("证据原文-7f3a");
    expect((await expectProblem(app.GET("/v1/review-queue/{id}/evidence", { params: { path: { id: item.id } } }), 403)).code).toBe("forbidden_role");
    expect((await expectProblem(api().GET("/v1/review-queue/{id}/evidence", { params: { path: { id: item.id } } }), 401)).code).toBe("missing_credentials");
    const reads = await expectData(ann.GET("/v1/audit", { params: { query: { action: "evidence.read", limit: 100 } } }), 200);
    const mine = reads.entries.filter((e) => (e.details as { reviewItemId?: string }).reviewItemId === item.id);
    expect(mine).toHaveLength(1);
    expect(JSON.stringify(mine)).not.toContain("证据原文");
  });

  it("report → claim → suspend the post's author → next post blocked → appeal → the same operator refused, a second reverses → publishes again → reporters and the post's status tell it", async () => {
    expect((await screen("post-loop-1", REVIEW_TEXT)).verdict).toBe("review");
    const report = await expectData(app.POST("/v1/reports", { body: { subjectType: "post", subjectId: "post-loop-1", reporterId: "reader-1", reason: "fraud" } }), 201);
    const item = await itemOf("post-loop-1");
    expect(item.signalCount).toBe(2);
    await expectData(ann.POST("/v1/review-queue/{id}/claim", { params: { path: { id: item.id } } }), 200);
    const refused = await expectProblem(bob.POST("/v1/review-queue/{id}/decision", { params: { path: { id: item.id } }, body: { action: "close_account", reason: "not mine to take" } }), 409);
    expect(refused).toMatchObject({ code: "item_claimed", heldBy: annKeyId });

    // The holder decides, five times at once: the account is suspended once.
    const attempts = await Promise.all(
      Array.from({ length: 5 }, () =>
        ann.POST("/v1/review-queue/{id}/decision", { params: { path: { id: item.id } }, body: { action: "suspend_account", durationDays: 3, reason: "paid-job scam contacts" } }),
      ),
    );
    expect(attempts.map((r) => r.response.status).sort()).toEqual([200, 409, 409, 409, 409]);
    const decided = attempts.find((r) => r.response.status === 200)!.data!;
    expect(decided).toMatchObject({ status: "decided", decision: "suspend_account" });
    expect(decided.signals!.every((s) => s.status === "closed")).toBe(true);
    expect(decided.decisionRecord).toMatchObject({ status: "applied", target: { type: "account", id: accountId }, durationDays: 3 });
    expect(Date.parse(decided.decisionRecord.expiresAt!) - Date.now()).toBeGreaterThan(2.9 * 86_400_000);
    expect(await accountActions()).toEqual(["account.suspend", "account.warn"]);

    const account = await expectData(ann.GET("/v1/accounts/{id}", { params: { path: { id: accountId } } }), 200);
    expect(account.status).toBe("suspended");
    const blocked = await screen("post-loop-2", "周末去爬山");
    expect(blocked.verdict).toBe("block");
    expect(blocked.reasons.map((r) => r.code)).toContain("account_suspended");

    // Suspending again is refused by registration's rules before anything is written.
    expect((await screen("post-loop-3", REVIEW_TEXT)).verdict).toBe("block");
    await expectData(app.POST("/v1/reports", { body: { subjectType: "account", subjectId: accountId, reporterId: "reader-2", reason: "fraud" } }), 201);
    const accountItem = (await expectData(ann.GET("/v1/review-queue", { params: { query: { subjectType: "account", limit: 200 } } }), 200)).items.find((i) => i.subjectId === accountId)!;
    const again = await expectProblem(ann.POST("/v1/review-queue/{id}/decision", { params: { path: { id: accountItem.id } }, body: { action: "suspend_account", reason: "again" } }), 409);
    expect(again.code).toBe("invalid_transition");

    // The app appeals for its account; the operator who suspended it may not decide the appeal.
    const decisionId = decided.decisionRecord.id;
    const appeal = await expectData(app.POST("/v1/appeals", { body: { decisionId, accountId, statement: "The contact was our official recruiting account.\nSee our site." } }), 201);
    expect(appeal).toMatchObject({ decision: { id: decisionId, action: "suspend_account" }, status: "open", outcome: null, subject: { type: "post", id: "post-loop-1" } });
    expect((await expectProblem(app.POST("/v1/appeals", { body: { decisionId, accountId, statement: "again" } }), 409)).code).toBe("appeal_exists");
    const appealItem = await itemOf("post-loop-1");
    expect(appealItem).toMatchObject({ id: appeal.reviewItemId, source: "appeal" });
    const same = await expectProblem(ann.POST("/v1/appeals/{id}/decision", { params: { path: { id: appeal.id } }, body: { outcome: "reverse", reason: "my own call" } }), 403);
    expect(same.code).toBe("same_operator");

    // Two other operators decide at once: one decision, the account restored once.
    const cat = api((await newKey("operator")).key);
    const reversals = await Promise.all(
      [bob, cat].map((op) => op.POST("/v1/appeals/{id}/decision", { params: { path: { id: appeal.id } }, body: { outcome: "reverse", reason: "official recruiter, verified" } })),
    );
    expect(reversals.map((r) => r.response.status).sort()).toEqual([200, 409]);
    expect(reversals.find((r) => r.response.status === 200)!.data).toMatchObject({ status: "decided", outcome: "reversed", effect: "applied" });
    expect(await accountActions()).toEqual(["account.restore", "account.suspend", "account.warn"]);
    expect((await expectData(ann.GET("/v1/accounts/{id}", { params: { path: { id: accountId } } }), 200)).status).toBe("verified");
    expect((await screen("post-loop-4", "周末去爬山")).verdict).toBe("allow");

    // The app reads the outcome; the reporter learns what happened; the post's status tells the story.
    expect(await expectData(app.GET("/v1/appeals/{id}", { params: { path: { id: appeal.id } } }), 200)).toMatchObject({ status: "decided", outcome: "reversed" });
    expect(await expectData(app.GET("/v1/reports/{id}", { params: { path: { id: report.id } } }), 200)).toMatchObject({ status: "decided", outcome: "reversed_on_appeal" });
    const status = await expectData(app.GET("/v1/posts/{postId}", { params: { path: { postId: "post-loop-1" } } }), 200);
    expect(status).toMatchObject({ postId: "post-loop-1", accountId, verdict: "review", removal: null, review: { status: "decided" } });
    expect(status.appeal).toMatchObject({ id: appeal.id, decisionId, status: "decided", outcome: "reversed" });
    expect(Date.parse(status.appeal!.decidedAt!)).toBeGreaterThan(Date.parse(decided.decisionRecord.decidedAt));
    expect(status.decisions).toEqual([expect.objectContaining({ action: "suspend_account", status: "applied", target: { type: "account", id: accountId } })]);
    const appealAudit = await expectData(ann.GET("/v1/audit", { params: { query: { subjectType: "post", subjectId: "post-loop-1", limit: 100 } } }), 200);
    expect(appealAudit.entries.filter((e) => e.action === "appeal.reverse")).toHaveLength(1);
  });

  it("removes, labels and restores posts; a removed post refuses reposts; bulk decisions report what they skip", async () => {
    for (const id of ["post-loop-b1", "post-loop-b2"]) expect((await screen(id, REVIEW_TEXT)).verdict).toBe("review");
    const [b1, b2] = [await itemOf("post-loop-b1"), await itemOf("post-loop-b2")];
    const bulk = await expectData(
      ann.POST("/v1/review-queue/bulk-decision", { body: { itemIds: [b1.id, b2.id, "rvw_nosuchitem000"], action: "label_post", labels: ["disputed"], reason: "contact spam wave" } }),
      200,
    );
    expect(bulk.decided.map((d) => d.itemId).sort()).toEqual([b1.id, b2.id].sort());
    expect(bulk.skipped).toEqual([expect.objectContaining({ itemId: "rvw_nosuchitem000", code: "review_item_not_found" })]);
    const again = await expectData(ann.POST("/v1/review-queue/bulk-decision", { body: { itemIds: [b1.id], action: "dismiss", reason: "second look" } }), 200);
    expect(again.skipped).toEqual([expect.objectContaining({ itemId: b1.id, code: "already_decided" })]);

    // A new report opens a fresh item; removing the post refuses reposts.
    await expectData(app.POST("/v1/reports", { body: { subjectType: "post", subjectId: "post-loop-b1", reporterId: "reader-3", reason: "fraud" } }), 201);
    const fresh = await itemOf("post-loop-b1");
    await expectData(ann.POST("/v1/review-queue/{id}/decision", { params: { path: { id: fresh.id } }, body: { action: "remove_post", reason: "scam confirmed" } }), 200);
    const repost = await expectProblem(app.POST("/v1/posts/{postId}/reposts", { params: { path: { postId: "post-loop-b1" } }, body: { accountId: "reader-9" } }), 409);
    expect(repost.code).toBe("post_removed");
    const status = await eventually(async () => {
      const s = await expectData(app.GET("/v1/posts/{postId}", { params: { path: { postId: "post-loop-b1" } } }), 200);
      return s.removal ? s : undefined;
    });
    expect(status.labels.map((l) => l.label)).toEqual(["disputed"]);
    expect(status.decisions.map((d) => d.action)).toEqual(["remove_post", "label_post"]);
    expect(status.removal!.decisionId).toBe(status.decisions[0]!.id);
  });
});
