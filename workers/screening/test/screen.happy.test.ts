import { beforeAll, describe, expect, it } from "vitest";
import { call } from "../../../test/support/call";
import { createList, grantLicence, importTerms, publish, screen, seedAccount, testEnv } from "./helpers";

let verified: string;
let fraudFirst: number;
let version: number;

beforeAll(async () => {
  verified = await seedAccount();
  const fraud = await createList("fraud-basics", "fraud");
  const r = await importTerms(fraud, [
    { pattern: "刷单", severity: 3 },
    { pattern: "洗钱", severity: 8 },
    { pattern: "scamcoin", severity: 9 },
  ]);
  fraudFirst = r.firstTermId;
  const politics = await createList("politics", "political_news");
  await importTerms(politics, [{ pattern: "政治局", severity: 5 }]);
  const allow = await call("/v1/allow-list", { role: "admin", body: { phrases: ["反洗钱法"] } });
  expect(allow.status).toBe(201);
  const blocked = await call("/v1/blocked-domains", { role: "admin", body: { domains: ["evil.example"] } });
  expect(blocked.status).toBe(201);
  version = await publish();
});

describe("POST /v1/screen verdicts", () => {
  it("allows clean text and records the post without its text", async () => {
    const text = "今天天气很好，我们去公园散步。";
    const r = await screen({ accountId: verified, text, title: "周末" });
    expect(r).toMatchObject({ verdict: "allow", reasons: [], policyVersion: version, categories: [] });
    expect(r.postId).toMatch(/^pst_/);
    const row = await testEnv.DB.prepare("SELECT * FROM posts WHERE id = ?").bind(r.postId).first<Record<string, unknown>>();
    expect(row).toMatchObject({ account_id: verified, verdict: "allow", kind: "post", policy_version: version });
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`周末\n${text}`)));
    expect(row!.content_hash).toBe([...digest].map((b) => b.toString(16).padStart(2, "0")).join(""));
    expect(JSON.stringify(row)).not.toContain("公园");
  });

  it("reviews a low-severity match, lists it with offsets, and opens one review item", async () => {
    const text = "招聘兼职 刷单 日结";
    const r = await screen({ accountId: verified, text, postId: "app-post-1" });
    expect(r.verdict).toBe("review");
    expect(r.postId).toBe("app-post-1");
    expect(r.reasons).toEqual([
      { code: "term_match", action: "review", category: "fraud", severity: 3, termId: fraudFirst, start: 5, end: 7, excerpt: "刷单" },
    ]);
    expect(text.slice(5, 7)).toBe("刷单");
    const q = await testEnv.DB.prepare("SELECT * FROM review_queue WHERE dedupe_key = ?").bind("screening:post:app-post-1:verdict").all();
    expect(q.results).toHaveLength(1);
    expect(q.results[0]).toMatchObject({ subject_type: "post", subject_id: "app-post-1", source: "screening", reason_code: "term_match", status: "open" });
    expect(String(q.results[0]!.id)).toMatch(/^rvw_/);
    expect(String(q.results[0]!.details)).not.toContain("刷单");
  });

  it("blocks on the worst category action and lists every match", async () => {
    const r = await screen({ accountId: verified, text: "刷单 and 洗钱 via SCAMCOIN" });
    expect(r.verdict).toBe("block");
    expect(r.reasons.map((x) => [x.termId, x.action])).toEqual([
      [fraudFirst, "review"],
      [fraudFirst + 1, "block"],
      [fraudFirst + 2, "block"],
    ]);
    expect(r.categories).toEqual(["fraud"]);
    const stored = await testEnv.DB.prepare("SELECT reasons, categories FROM posts WHERE id = ?").bind(r.postId).first<{ reasons: string; categories: string }>();
    expect(JSON.parse(stored!.categories)).toEqual(["fraud"]);
    // Offsets and codes are kept, excerpts are not.
    expect(JSON.parse(stored!.reasons)[1]).toEqual({ code: "term_match", action: "block", category: "fraud", severity: 8, termId: fraudFirst + 1, start: 7, end: 9 });
  });

  it("no review item is opened for allow or block verdicts", async () => {
    const r = await screen({ accountId: verified, text: "洗钱" });
    const q = await testEnv.DB.prepare("SELECT count(*) AS n FROM review_queue WHERE subject_id = ?").bind(r.postId).first<{ n: number }>();
    expect(q!.n).toBe(0);
  });

  it("ignores matches inside allow-listed phrases", async () => {
    const r = await screen({ accountId: verified, text: "学习反洗钱法的知识" });
    expect(r.verdict).toBe("allow");
  });

  it("matches in the title carry field: title", async () => {
    const r = await screen({ accountId: verified, title: "刷单", text: "正文" });
    expect(r.reasons[0]).toMatchObject({ code: "term_match", field: "title", start: 0, end: 2 });
  });

  it("blocks links to a blocked domain or its subdomains, in links and in the text", async () => {
    const a = await screen({ accountId: verified, text: "see this", links: ["https://cdn.evil.example/x"] });
    expect(a.verdict).toBe("block");
    expect(a.reasons).toEqual([{ code: "blocked_domain", action: "block", field: "links[0]", excerpt: "evil.example" }]);
    const b = await screen({ accountId: verified, text: "去 www.evil.example/page 看看" });
    expect(b.verdict).toBe("block");
    expect(b.reasons[0]).toMatchObject({ code: "blocked_domain", start: 2, end: 23 });
    const c = await screen({ accountId: verified, text: "去 notevil.example.org 看看", links: ["https://evil.example.com"] });
    expect(c.verdict).toBe("allow");
  });

  it("contacts get their configured action", async () => {
    const r = await screen({ accountId: verified, text: "加我微信 abc_123456 或致电 138 1234 5678" });
    expect(r.verdict).toBe("review");
    expect(r.reasons.map((x) => x.code)).toEqual(["contact_wechat", "contact_phone"]);
    const put = await call("/v1/contact-rules/phone", { role: "admin", method: "PUT", body: { action: "block" } });
    expect(put.status).toBe(200);
    // A rule change takes effect with the next published version.
    expect((await screen({ accountId: verified, text: "电话 13812345678" })).verdict).toBe("review");
    await publish();
    expect((await screen({ accountId: verified, text: "电话 13812345678" })).verdict).toBe("block");
  });
});

describe("accounts and publishers", () => {
  it.each([
    ["pending_identity", "account_unverified"],
    ["under_review", "account_unverified"],
    ["suspended", "account_suspended"],
    ["closed", "account_closed"],
    ["rejected", "account_rejected"],
  ])("blocks a %s account with %s", async (status, code) => {
    const id = await seedAccount(status);
    const r = await screen({ accountId: id, text: "hello" });
    expect(r.verdict).toBe("block");
    expect(r.reasons[0]).toEqual({ code, action: "block" });
  });

  it("news needs a current licence", async () => {
    const plain = await seedAccount();
    expect((await screen({ accountId: plain, kind: "news", text: "今日新闻" })).reasons).toEqual([{ code: "publisher_not_authorised", action: "block" }]);
    const expired = await seedAccount();
    await grantLicence(expired, { expiresAt: Date.now() - 1000 });
    expect((await screen({ accountId: expired, kind: "news", text: "今日新闻" })).verdict).toBe("block");
    const revoked = await seedAccount();
    await grantLicence(revoked, { revokedAt: Date.now() - 1000 });
    expect((await screen({ accountId: revoked, kind: "news", text: "今日新闻" })).verdict).toBe("block");
    const licensed = await seedAccount();
    await grantLicence(licensed);
    expect((await screen({ accountId: licensed, kind: "news", text: "今日新闻" })).verdict).toBe("allow");
  });

  it("political_news indicator terms need a licence with that scope, whatever the kind", async () => {
    const plain = await seedAccount();
    const r = await screen({ accountId: plain, text: "政治局会议" });
    expect(r.verdict).toBe("block");
    expect(r.reasons).toContainEqual({ code: "publisher_not_authorised", action: "block", category: "political_news" });
    const otherScope = await seedAccount();
    await grantLicence(otherScope, { scope: ["finance_news"] });
    expect((await screen({ accountId: otherScope, text: "政治局会议" })).verdict).toBe("block");
    const licensed = await seedAccount();
    await grantLicence(licensed);
    const ok = await screen({ accountId: licensed, text: "政治局会议" });
    expect(ok.verdict).toBe("allow");
    expect(ok.reasons[0]).toMatchObject({ code: "term_match", category: "political_news", action: "allow" });
  });

  it("reprints must name a licensed publisher's post or outlet", async () => {
    const publisher = await seedAccount();
    await grantLicence(publisher);
    const original = await screen({ accountId: publisher, kind: "news", text: "原文" });
    const reposter = await seedAccount();
    expect((await screen({ accountId: reposter, kind: "reprint", text: "转载", source: { postId: original.postId } })).verdict).toBe("allow");
    await testEnv.DB.prepare("UPDATE posts SET removed_at = ? WHERE id = ?").bind(Date.now(), original.postId).run();
    expect((await screen({ accountId: reposter, kind: "reprint", text: "转载", source: { postId: original.postId } })).verdict).toBe("block");
    const none = await screen({ accountId: reposter, kind: "reprint", text: "转载" });
    expect(none.reasons).toEqual([{ code: "reprint_source_not_authorised", action: "block" }]);
    const unlicensedPost = await screen({ accountId: reposter, text: "普通帖子" });
    expect((await screen({ accountId: reposter, kind: "reprint", text: "转载", source: { postId: unlicensedPost.postId } })).verdict).toBe("block");
    expect((await screen({ accountId: reposter, kind: "reprint", text: "转载", source: { url: "https://news.example.cn/a/1" } })).verdict).toBe("block");
    const put = await call("/v1/policy/outlets/example.cn", { role: "admin", method: "PUT", body: { accountId: publisher } });
    expect(put.status).toBe(200);
    expect((await screen({ accountId: reposter, kind: "reprint", text: "转载", source: { url: "https://news.example.cn/a/1" } })).verdict).toBe("allow");
    expect((await screen({ accountId: reposter, kind: "reprint", text: "转载", source: { url: "https://example.cn.evil.test/a/1" } })).verdict).toBe("block");
  });
});
