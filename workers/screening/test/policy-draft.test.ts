import { describe, expect, it } from "vitest";
import { call, problem } from "../../../test/support/call";
import { createList, importTerms, publish, testEnv } from "./helpers";

interface DraftResult {
  verdict: string;
  reasons: { code: string; action: string; category?: string; severity?: number; termId?: number; listId?: string; listName?: string; pattern?: string; field?: string; start?: number; end?: number }[];
  draftHash: string;
  compiledNow: boolean;
}

async function tryDraft(body: Record<string, unknown>): Promise<DraftResult> {
  const res = await call("/v1/policy/draft/screen", { role: "admin", body });
  if (res.status !== 200) throw new Error(`draft screen ${res.status}: ${await res.text()}`);
  return (await res.json()) as DraftResult;
}

async function diff(query = ""): Promise<any> {
  const res = await call(`/v1/policy/draft/diff${query}`, { role: "admin" });
  if (res.status !== 200) throw new Error(`diff ${res.status}: ${await res.text()}`);
  return res.json();
}

async function rowCounts() {
  const n = async (table: string) => (await testEnv.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())!.n;
  return { posts: await n("posts"), review: await n("review_queue"), audit: await n("audit_log"), versions: await n("policy_versions") };
}

describe("POST /v1/policy/draft/screen", () => {
  it("screens against the unpublished draft, disguises included, with each match's list, pattern and offsets, writing nothing", async () => {
    const list = await createList("draft-fraud", "fraud");
    const { firstTermId } = await importTerms(list, [
      { pattern: "草稿刷单", severity: 3 },
      { pattern: "draftscam", severity: 8 },
    ]);
    const before = await rowCounts();
    // Noise between characters, traditional characters, full-width Latin.
    const text = "招聘 草*稿*刷*單 以及 ｄｒａｆｔｓｃａｍ";
    const first = await tryDraft({ text, title: "草稿刷单" });
    expect(first.verdict).toBe("block");
    const terms = first.reasons.filter((r) => r.code === "term_match");
    expect(terms).toHaveLength(3);
    const inText = terms.filter((r) => r.field === undefined);
    expect(inText.map((r) => text.slice(r.start, r.end))).toEqual(["草*稿*刷*單", "ｄｒａｆｔｓｃａｍ"]);
    expect(inText[0]).toMatchObject({ action: "review", category: "fraud", severity: 3, termId: firstTermId, listId: list, listName: "draft-fraud", pattern: "草稿刷单" });
    expect(inText[1]).toMatchObject({ action: "block", severity: 8, pattern: "draftscam" });
    expect(terms.find((r) => r.field === "title")).toMatchObject({ start: 0, end: 4, pattern: "草稿刷单" });

    // The same draft again is served from the compiled copy; 20 at once agree and write nothing.
    const again = await Promise.all(Array.from({ length: 20 }, () => tryDraft({ text })));
    for (const r of again) {
      expect(r.compiledNow).toBe(false);
      expect(r.draftHash).toBe(first.draftHash);
      expect(r.reasons.filter((x) => x.code === "term_match")).toHaveLength(2);
    }
    expect(await rowCounts()).toEqual(before);

    // A change to the draft is seen at once (a new hash, compiled again).
    await importTerms(list, [{ pattern: "草稿新词", severity: 2 }]);
    const changed = await tryDraft({ text: "草稿新词" });
    expect(changed.compiledNow).toBe(true);
    expect(changed.draftHash).not.toBe(first.draftHash);
    expect(changed.reasons[0]).toMatchObject({ pattern: "草稿新词", start: 0, end: 4 });
  });

  it("compiles each draft once, in the policy builder: ten first tries at once compile it once, and after a publish the next try compiles nothing", async () => {
    const list = await createList("draft-once", "fraud");
    await importTerms(list, [{ pattern: "一次编译", severity: 8 }]);
    const tries = await Promise.all(Array.from({ length: 10 }, () => tryDraft({ text: "只需一次编译" })));
    expect(tries.filter((r) => r.compiledNow)).toHaveLength(1);
    for (const r of tries) expect(r.reasons).toMatchObject([{ code: "term_match", pattern: "一次编译", start: 2, end: 6 }]);

    await importTerms(list, [{ pattern: "发布之后", severity: 8 }]);
    await publish();
    const after = await tryDraft({ text: "发布之后" });
    expect(after.compiledNow).toBe(false);
    expect(after.draftHash).not.toBe(tries[0]!.draftHash);
    expect(after.reasons).toMatchObject([{ code: "term_match", pattern: "发布之后", start: 0, end: 4 }]);
  });

  it("screens contacts, blocked domains and news gating as /v1/screen does", async () => {
    await call("/v1/blocked-domains", { role: "admin", body: { domains: ["draft-evil.example"] } });
    const r = await tryDraft({ text: "see draft-evil.example now", kind: "news" });
    expect(r.verdict).toBe("block");
    expect(r.reasons.map((x) => x.code).sort()).toEqual(["blocked_domain", "publisher_not_authorised"]);
    const licensed = await tryDraft({ text: "今日要闻", kind: "news", licenceScopes: ["political_news"] });
    expect(licensed.verdict).toBe("allow");
  });

  it("is admin only", async () => {
    for (const role of ["app", "operator"] as const) {
      const res = await call("/v1/policy/draft/screen", { role, body: { text: "x" } });
      expect(res.status).toBe(403);
      expect((await problem(res)).code).toBe("forbidden_role");
      expect((await problem(await call("/v1/policy/draft/diff", { role }))).code).toBe("forbidden_role");
    }
    expect((await call("/v1/policy/draft/screen", { body: { text: "x" } })).status).toBe(401);
  });

  it("refuses bad input with precise codes", async () => {
    const cases: [unknown, number, string, string?][] = [
      [{}, 422, "validation_failed", "text"],
      [{ text: "x", accountId: "acc_1" }, 422, "validation_failed"],
      [{ text: "x", kind: "reprint" }, 422, "validation_failed", "kind"],
      [{ text: "x", licenceScopes: "political_news" }, 422, "validation_failed", "licenceScopes"],
      [{ text: "a\ud800b" }, 422, "invalid_text", "text"],
      [{ text: "x", title: "\udc00" }, 422, "invalid_text", "title"],
      [{ text: "字".repeat(30_000) }, 422, "text_too_long", "text"],
    ];
    for (const [body, status, code, field] of cases) {
      const res = await call("/v1/policy/draft/screen", { role: "admin", body });
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(status);
      const p = await problem(res);
      expect(p.code).toBe(code);
      if (field) expect(p.errors?.map((e) => e.field)).toContain(field);
    }
    const malformed = await call("/v1/policy/draft/screen", { role: "admin", rawBody: "{", contentType: "application/json" });
    expect((await problem(malformed)).code).toBe("malformed_json");
    const query = await call("/v1/policy/draft/diff?limit=0", { role: "admin" });
    expect(query.status).toBe(422);
    expect((await problem(query)).code).toBe("validation_failed");
  });
});

describe("GET /v1/policy/draft/diff", () => {
  it("lists what publishing would change, and nothing after publishing", async () => {
    const list = await createList("diff-list", "violence");
    const { firstTermId } = await importTerms(list, [
      { pattern: "差异甲", severity: 4 },
      { pattern: "差异乙", severity: 5 },
      { pattern: "差异丙", severity: 6 },
    ]);
    await call("/v1/allow-list", { role: "admin", body: { phrases: ["差异允许"] } });
    const v = await publish();
    const clean = await diff();
    expect(clean).toMatchObject({ publishedVersion: v, unchanged: true, terms: { counts: { added: 0, removed: 0, changed: 0 }, lists: [] } });
    expect(clean.draftHash).toBe(clean.publishedHash);

    await importTerms(list, [{ pattern: "差异丁", severity: 7 }]);
    expect((await call(`/v1/term-lists/${list}/terms/${firstTermId}`, { role: "admin", method: "PATCH", body: { severity: 9 } })).status).toBe(200);
    expect((await call(`/v1/term-lists/${list}/terms/${firstTermId + 1}`, { role: "admin", method: "PATCH", body: { pattern: "差异乙改" } })).status).toBe(200);
    expect((await call(`/v1/term-lists/${list}/terms/${firstTermId + 2}`, { role: "admin", method: "DELETE" })).status).toBe(200);
    await call("/v1/allow-list", { role: "admin", body: { phrases: ["差异新允许"] } });
    await call("/v1/blocked-domains", { role: "admin", body: { domains: ["diff.example"] } });
    await call("/v1/contact-rules/qq", { role: "admin", method: "PUT", body: { action: "block" } });
    await call("/v1/policy/categories/diff_cat", { role: "admin", method: "PUT", body: { ranges: [{ min: 1, max: 10, action: "review" }] } });

    const d = await diff();
    expect(d.unchanged).toBe(false);
    expect(d.terms.counts).toEqual({ added: 1, removed: 1, changed: 2 });
    const mine = d.terms.lists.find((l: { listId: string }) => l.listId === list);
    expect(mine.added).toEqual([{ id: firstTermId + 3, pattern: "差异丁", category: "violence", severity: 7 }]);
    expect(mine.changed).toEqual([
      { id: firstTermId, pattern: "差异甲", category: "violence", severity: 9, was: { category: "violence", severity: 4 }, patternChanged: false },
      { id: firstTermId + 1, pattern: "差异乙改", category: "violence", severity: 5, was: { category: "violence", severity: 5 }, patternChanged: true },
    ]);
    expect(d.terms.removed).toEqual([{ id: firstTermId + 2, category: "violence", severity: 6 }]);
    expect(d.allow.added).toEqual(["差异新允许"]);
    expect(d.blockedDomains.added).toContain("diff.example");
    expect(d.contactRules.find((r: { kind: string }) => r.kind === "qq")).toMatchObject({ to: "block" });
    expect(d.categories).toContainEqual({ name: "diff_cat", from: null, to: { ranges: [{ min: 1, max: 10, action: "review" }], licenceRequired: false } });

    // Capped listing, complete counts.
    const capped = await diff("?limit=1");
    const cappedMine = capped.terms.lists.find((l: { listId: string }) => l.listId === list);
    expect(cappedMine.changed).toHaveLength(1);
    expect(cappedMine.counts.changed).toBe(2);
    expect(capped.terms.truncated).toBe(true);

    await publish();
    expect(await diff()).toMatchObject({ unchanged: true, categories: [], contactRules: [], blockedDomains: { added: [], removed: [] } });
  });
});

describe("GET /v1/term-lists/:id/terms?q=", () => {
  it("finds terms by a substring of the pattern, paged by cursor", async () => {
    const list = await createList("search-list", "fraud");
    await importTerms(list, [
      { pattern: "搜索甲", severity: 2 },
      { pattern: "other", severity: 2 },
      { pattern: "搜索乙", severity: 2 },
      { pattern: "Search Me", severity: 2 },
    ]);
    const page = async (q: string) => (await (await call(`/v1/term-lists/${list}/terms?${q}`, { role: "admin" })).json()) as { terms: { pattern: string }[]; nextCursor: string | null };
    const p1 = await page(`q=${encodeURIComponent("搜索")}&limit=1`);
    expect(p1.terms.map((t) => t.pattern)).toEqual(["搜索甲"]);
    const p2 = await page(`q=${encodeURIComponent("搜索")}&limit=1&cursor=${p1.nextCursor}`);
    expect(p2.terms.map((t) => t.pattern)).toEqual(["搜索乙"]);
    expect((await page(`q=search`)).terms.map((t) => t.pattern)).toEqual(["Search Me"]);
    expect((await page(`q=${encodeURIComponent("%")}`)).terms).toEqual([]);
    const bad = await call(`/v1/term-lists/${list}/terms?q=${encodeURIComponent("a\u202eb")}`, { role: "admin" });
    expect(bad.status).toBe(422);
    expect((await problem(bad)).code).toBe("validation_failed");
  });
});
