/** Reports and reporters: one open report per (reporter, subject), escalation, muting, outcomes, carried evidence. */
import { env } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { runAtomic } from "../../../pkg/batch";
import { closeSubjectSignals, decideItem } from "../../../pkg/review-signals";
import { call, problem } from "../../../test/support/call";
import type { Env } from "../src/env";
import { countRows, insertPost } from "./fixtures";

const testEnv = env as unknown as Env;

type Report = {
  id: string;
  subjectType: string;
  subjectId: string;
  reviewItemId: string | null;
  status: "open" | "decided";
  outcome: "dismissed" | "actioned" | null;
  decidedAt: string | null;
  muted: boolean;
  evidenceStored: boolean;
};
type Item = { id: string; priority: number; severity: number; reporters: number; signalCount: number; reports?: number; signals?: { reasonCode: string; source: string }[] };

let seq = 0;
/** A fresh id per call: tests share one database. */
const fresh = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;

const report = (subjectId: string, reporterId: string, extra: Record<string, unknown> = {}) =>
  call("/v1/reports", { role: "app", body: { subjectType: "post", subjectId, reporterId, reason: "spam", ...extra } });
const json = async <T>(res: Response | Promise<Response>) => (await (await res).json()) as T;
const item = (id: string) => json<Item>(call(`/v1/review-queue/${id}`, { role: "operator" }));
const openItemId = async (subjectId: string) =>
  (await testEnv.DB.prepare("SELECT id FROM review_queue WHERE subject_id = ? AND status = 'open'").bind(subjectId).first<{ id: string }>())?.id;

/** An operator's decision of the subject's open item, as the decision route writes it. */
async function decide(subjectId: string, decision: "dismiss" | "remove_post", subjectType: "post" | "account" = "post"): Promise<string> {
  const itemId = (await openItemId(subjectId))!;
  const at = Date.now();
  await runAtomic(testEnv.DB, [decideItem({ itemId, decision, decidedBy: "key_testoperator", at }), closeSubjectSignals(subjectType, subjectId, at, sql`1`)]);
  return itemId;
}

async function insertAccount(id: string, status: string): Promise<void> {
  await testEnv.DB.prepare("INSERT INTO accounts (id, handle, display_name, kind, status, created_at, updated_at) VALUES (?, ?, 'A', 'public', ?, 1000, 2000)")
    .bind(id, id.replace(/[^a-z0-9]/g, "_"), status)
    .run();
}

/** A reporter whose last `n` reports were decided `decision` (each on its own post). */
async function reporterWithDecided(reporterId: string, n: number, decision: "dismiss" | "remove_post"): Promise<void> {
  for (let i = 0; i < n; i++) {
    const post = fresh("hist");
    await insertPost(post);
    expect((await report(post, reporterId)).status).toBe(201);
    await decide(post, decision);
  }
}

const writes = async () => ({
  reports: await countRows("reports"),
  items: await countRows("review_queue"),
  signals: await countRows("review_signals"),
  evidence: await countRows("post_evidence"),
});

describe("one open report per (reporter, subject)", () => {
  it("returns the open report to a repeat, and files a new one once the earlier report's item was decided", async () => {
    const post = fresh("post");
    await insertPost(post);
    const first = await report(post, "r-again");
    expect(first.status).toBe(201);
    const filed = await json<Report>(first);
    expect(filed).toMatchObject({ status: "open", outcome: null, muted: false, evidenceStored: false });
    const repeat = await report(post, "r-again", { reason: "fraud" });
    expect(repeat.status).toBe(200);
    expect((await json<Report>(repeat)).id).toBe(filed.id);

    await decide(post, "dismiss");
    const again = await report(post, "r-again");
    expect(again.status).toBe(201);
    const second = await json<Report>(again);
    expect(second.id).not.toBe(filed.id);
    expect(second.reviewItemId).not.toBe(filed.reviewItemId);
    expect(await countRows("reports", "subject_id = ? AND reporter_id = 'r-again'", post)).toBe(2);
    // The earlier one tells the reporter what happened.
    expect(await json<Report>(call(`/v1/reports/${filed.id}`, { role: "app" }))).toMatchObject({ status: "decided", outcome: "dismissed" });
  });

  it("files one report of 20 concurrent identical reports", async () => {
    const post = fresh("post");
    await insertPost(post);
    const results = await Promise.all(Array.from({ length: 20 }, () => report(post, "r-race")));
    expect(results.map((r) => r.status).sort()).toEqual([...Array(19).fill(200), 201]);
    expect(new Set(await Promise.all(results.map(async (r) => (await json<Report>(r)).id))).size).toBe(1);
    expect(await countRows("reports", "subject_id = ?", post)).toBe(1);
    expect(await countRows("review_signals", "subject_id = ?", post)).toBe(1);
  });
});

describe("what a reporter learns", () => {
  it("shows status and outcome, never who decided", async () => {
    const post = fresh("post");
    await insertPost(post);
    const filed = await json<Report>(report(post, "r-learn"));
    const open = await json<Report & Record<string, unknown>>(call(`/v1/reports/${filed.id}`, { role: "app" }));
    expect(open).toMatchObject({ id: filed.id, subjectId: post, status: "open", outcome: null, decidedAt: null, muted: false });
    await decide(post, "remove_post");
    const decided = await json<Record<string, unknown>>(call(`/v1/reports/${filed.id}`, { role: "app" }));
    expect(decided).toMatchObject({ status: "decided", outcome: "actioned" });
    expect(typeof decided.decidedAt).toBe("string");
    expect(JSON.stringify(decided)).not.toContain("key_testoperator");
  });

  it("pages a reporter's reports newest first with the cursor, and only theirs", async () => {
    const reporter = fresh("r-list");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const post = fresh("post");
      await insertPost(post);
      ids.push((await json<Report>(report(post, reporter))).id);
      await report(post, fresh("someone-else"));
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { reports: Report[]; nextCursor: string | null } = await json(
        call(`/v1/reports?reporterId=${reporter}&limit=2${cursor ? `&cursor=${cursor}` : ""}`, { role: "app" }),
      );
      seen.push(...page.reports.map((r) => r.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual([...ids].reverse());
    expect(pages).toBe(3);
  });
});

describe("escalation", () => {
  it("adds one escalation signal for 50 concurrent reports by distinct reporters, with exact counts", async () => {
    const post = fresh("post");
    await insertPost(post);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => report(post, `esc-${post}-${i}`, { reason: i % 2 ? "rumour" : "fraud" })));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
    expect(await countRows("review_queue", "subject_id = ?", post)).toBe(1);
    expect(await countRows("review_signals", "subject_id = ? AND reason_code = 'report_threshold'", post)).toBe(1);
    const view = await item((await openItemId(post))!);
    // 100 × severity 6 (fraud) + 10 × 50 reporters + 100 for the escalation.
    expect(view).toMatchObject({ reporters: 50, reports: 50, signalCount: 51, severity: 6, priority: 1200 });
  });

  it("fires at the tenth distinct reporter, raising the priority, and once per item", async () => {
    const post = fresh("post");
    await insertPost(post);
    for (let i = 0; i < 9; i++) await report(post, `ten-${post}-${i}`);
    const itemId = (await openItemId(post))!;
    expect(await item(itemId)).toMatchObject({ reporters: 9, priority: 300 + 90 });
    await report(post, `ten-${post}-9`);
    expect(await item(itemId)).toMatchObject({ reporters: 10, signalCount: 11, priority: 300 + 100 + 100 });
    await report(post, `ten-${post}-10`);
    expect(await countRows("review_signals", "review_item_id = ? AND reason_code = 'report_threshold'", itemId)).toBe(1);

    // The next item escalates on its own reporters.
    await decide(post, "dismiss");
    for (let i = 0; i < 10; i++) await report(post, `ten-${post}-${i}`);
    const next = (await openItemId(post))!;
    expect(next).not.toBe(itemId);
    expect(await countRows("review_signals", "review_item_id = ? AND reason_code = 'report_threshold'", next)).toBe(1);
  });

  it("counts only reports within the window", async () => {
    const post = fresh("post");
    await insertPost(post);
    for (let i = 0; i < 9; i++) await report(post, `win-${post}-${i}`);
    await testEnv.DB.prepare("UPDATE reports SET created_at = created_at - 25 * 3600000 WHERE subject_id = ?").bind(post).run();
    await report(post, `win-${post}-9`);
    expect(await countRows("review_signals", "subject_id = ? AND reason_code = 'report_threshold'", post)).toBe(0);
  });
});

describe("muting", () => {
  it("mutes a reporter whose last 5 decided reports were all dismissed: recorded, no signal, no item", async () => {
    const reporter = fresh("r-mute");
    await reporterWithDecided(reporter, 5, "dismiss");
    const post = fresh("post");
    await insertPost(post);
    const before = await writes();
    const res = await report(post, reporter);
    expect(res.status).toBe(201);
    expect(await json<Report>(res)).toMatchObject({ muted: true, reviewItemId: null, status: "open" });
    expect(await writes()).toEqual({ ...before, reports: before.reports + 1 });
  });

  it("does not count a muted report toward the escalation, and lets it follow the item it joined", async () => {
    const muted = fresh("r-mute");
    await reporterWithDecided(muted, 5, "dismiss");
    const post = fresh("post");
    await insertPost(post);
    for (let i = 0; i < 9; i++) await report(post, `mc-${post}-${i}`);
    const joined = await json<Report>(report(post, muted));
    const itemId = (await openItemId(post))!;
    expect(joined).toMatchObject({ muted: true, reviewItemId: itemId });
    expect(await item(itemId)).toMatchObject({ reporters: 9, signalCount: 9 });
    expect(await countRows("review_signals", "subject_id = ? AND reason_code = 'report_threshold'", post)).toBe(0);
    await decide(post, "remove_post");
    expect(await json<Report>(call(`/v1/reports/${joined.id}`, { role: "app" }))).toMatchObject({ status: "decided", outcome: "actioned" });
  });

  it("does not mute after fewer than 5 decided reports, or when one of the last 5 was actioned", async () => {
    const few = fresh("r-few");
    await reporterWithDecided(few, 4, "dismiss");
    const redeemed = fresh("r-redeemed");
    await reporterWithDecided(redeemed, 4, "dismiss");
    await reporterWithDecided(redeemed, 1, "remove_post");
    for (const r of [few, redeemed]) {
      const post = fresh("post");
      await insertPost(post);
      expect(await json<Report>(report(post, r))).toMatchObject({ muted: false });
    }
  });
});

describe("subjects already actioned", () => {
  it("refuses a report of a removed post or a closed account with the outcome, writing nothing", async () => {
    const post = fresh("post");
    await insertPost(post);
    await testEnv.DB.prepare("UPDATE posts SET removed_at = 1700000000000 WHERE id = ?").bind(post).run();
    const account = `acc_${fresh("closed").replace(/-/g, "")}`.slice(0, 40);
    await insertAccount(account, "closed");
    const before = await writes();

    const removed = await report(post, "r-late", { evidence: { text: "the post" } });
    expect(removed.status).toBe(409);
    expect(await problem(removed)).toMatchObject({ code: "subject_already_actioned", outcome: "removed", at: new Date(1700000000000).toISOString() });
    const closed = await call("/v1/reports", { role: "app", body: { subjectType: "account", subjectId: account, reporterId: "r-late", reason: "fraud" } });
    expect(closed.status).toBe(409);
    expect(await problem(closed)).toMatchObject({ code: "subject_already_actioned", outcome: "closed", at: new Date(2000).toISOString() });
    expect(await writes()).toEqual(before);
  });

  it("still takes reports of accounts that are not closed", async () => {
    const account = `acc_${fresh("open").replace(/-/g, "")}`.slice(0, 40);
    await insertAccount(account, "suspended");
    const res = await call("/v1/reports", { role: "app", body: { subjectType: "account", subjectId: account, reporterId: "r-acc", reason: "fraud" } });
    expect(res.status).toBe(201);
  });
});

describe("report-carried evidence", () => {
  const readEvidence = async (postId: string) => json<{ text: string; links: string[]; verdict: string; reasons: { code: string }[] }>(call(`/v1/review-queue/${(await openItemId(postId))!}/evidence`, { role: "operator" }));

  it("seals the content of a post without evidence into R2, shown by the evidence route", async () => {
    const post = fresh("post");
    await insertPost(post);
    const text = "第一行 the reported words\nsecond line";
    const res = await report(post, "r-ev", { reason: "rumour", evidence: { text, links: ["https://example.com/a"] } });
    expect(res.status).toBe(201);
    expect(await json<Report>(res)).toMatchObject({ evidenceStored: true });
    const row = await testEnv.DB.prepare("SELECT object_key FROM post_evidence WHERE post_id = ?").bind(post).first<{ object_key: string }>();
    const sealed = new TextDecoder().decode(await (await testEnv.EVIDENCE.get(row!.object_key))!.arrayBuffer());
    expect(sealed).not.toContain("reported words");
    expect(await readEvidence(post)).toMatchObject({ text, links: ["https://example.com/a"], verdict: "reported", reasons: [{ code: "user_report" }] });
  });

  it("keeps the evidence a post already has, and keeps exactly one of 20 concurrent reports' content", async () => {
    const post = fresh("post");
    await insertPost(post);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => report(post, `ev-${post}-${i}`, { evidence: { text: `version ${i}` } })));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    const stored = (await Promise.all(results.map((r) => json<Report>(r)))).filter((r) => r.evidenceStored);
    expect(stored).toHaveLength(1);
    expect(await countRows("post_evidence", "post_id = ?", post)).toBe(1);
    const first = (await readEvidence(post)).text;
    const later = await json<Report>(report(post, "r-late-ev", { evidence: { text: "something else" } }));
    expect(later.evidenceStored).toBe(false);
    expect((await readEvidence(post)).text).toBe(first);
  });

  it("does not keep a muted reporter's content", async () => {
    const reporter = fresh("r-mute-ev");
    await reporterWithDecided(reporter, 5, "dismiss");
    const post = fresh("post");
    await insertPost(post);
    expect(await json<Report>(report(post, reporter, { evidence: { text: "planted" } }))).toMatchObject({ muted: true, evidenceStored: false });
    expect(await countRows("post_evidence", "post_id = ?", post)).toBe(0);
  });

  it("refuses bad evidence with its field errors, writing nothing", async () => {
    const post = fresh("post");
    await insertPost(post);
    const account = `acc_${fresh("ev").replace(/-/g, "")}`.slice(0, 40);
    await insertAccount(account, "verified");
    const before = await writes();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ evidence: { text: "x".repeat(10_001) } }, "evidence.text", "TOO_BIG"],
      [{ evidence: { text: "" } }, "evidence.text", "TOO_SMALL"],
      [{ evidence: { text: "null \u0000 byte" } }, "evidence.text", "INVALID_TEXT"],
      [{ evidence: { text: "bidi \u202E override" } }, "evidence.text", "INVALID_TEXT"],
      [{ evidence: { text: "lone \uD800 surrogate" } }, "evidence.text", "INVALID_TEXT"],
      [{ evidence: { text: "ok", links: Array(21).fill("https://e.com") } }, "evidence.links", "TOO_BIG"],
      [{ evidence: { text: "ok", links: ["https://e.com/\nx"] } }, "evidence.links.0", "INVALID_TEXT"],
      [{ evidence: { text: "ok", extra: 1 } }, "evidence", "UNRECOGNIZED_KEYS"],
    ];
    for (const [extra, field] of cases) {
      const res = await report(post, "r-bad", extra);
      expect(res.status, JSON.stringify(extra).slice(0, 80)).toBe(422);
      const p = await problem(res);
      expect(p.code).toBe("validation_failed");
      expect(p.errors!.map((e) => e.field)).toContain(field);
    }
    const onAccount = await call("/v1/reports", { role: "app", body: { subjectType: "account", subjectId: account, reporterId: "r-bad", reason: "fraud", evidence: { text: "x" } } });
    expect(onAccount.status).toBe(422);
    expect((await problem(onAccount)).errors).toEqual([expect.objectContaining({ field: "evidence", code: "NOT_APPLICABLE" })]);
    expect(await writes()).toEqual(before);
    // 10,000 characters and 20 links are fine.
    expect((await report(post, "r-max", { evidence: { text: "y".repeat(10_000), links: Array(20).fill("https://e.com") } })).status).toBe(201);
  });
});

describe("report reads: errors and roles", () => {
  it("refuses unknown and malformed ids, bad queries and cursors with their problems", async () => {
    const unknown = await call("/v1/reports/rpt_0000000000000000", { role: "app" });
    expect(unknown.status).toBe(404);
    expect((await problem(unknown)).code).toBe("report_not_found");
    const malformed = await call("/v1/reports/not-a-report", { role: "app" });
    expect(malformed.status).toBe(422);
    expect((await problem(malformed)).code).toBe("validation_failed");
    const noReporter = await call("/v1/reports", { role: "app" });
    expect(noReporter.status).toBe(422);
    expect((await problem(noReporter)).errors!.map((e) => e.field)).toEqual(["reporterId"]);
    const badCursor = await call("/v1/reports?reporterId=u1&cursor=garbage", { role: "app" });
    expect(badCursor.status).toBe(422);
    expect((await problem(badCursor)).code).toBe("invalid_cursor");
  });

  it("lets only apps read reports", async () => {
    const post = fresh("post");
    await insertPost(post);
    const filed = await json<Report>(report(post, "r-roles"));
    for (const path of [`/v1/reports/${filed.id}`, "/v1/reports?reporterId=r-roles"]) {
      expect((await call(path, { role: "operator" })).status).toBe(403);
      expect((await call(path, { role: "admin" })).status).toBe(403);
      expect((await call(path)).status).toBe(401);
      expect((await call(path, { role: "app" })).status).toBe(200);
    }
  });
});
