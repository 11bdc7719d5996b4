import { beforeAll, describe, expect, it } from "vitest";
import { call, problem } from "../../../test/support/call";
import { foldCodePoint } from "../engine/fold";
import { MAX_CLASSES } from "../engine/tables";
import { createList, importTerms, publish, seedAccount, testEnv } from "./helpers";

let account: string;
let list: string;

const count = async (table: string) => (await testEnv.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())!.n;

describe("a fresh database: the empty policy, version 1, is current (#14.5)", () => {
  it("shows version 1 with no terms and nothing unpublished; publishing nothing is 409 no_changes", async () => {
    const status = (await (await call("/v1/policy", { role: "admin" })).json()) as { current: Record<string, unknown>; unpublishedChanges: boolean };
    expect(status).toMatchObject({ current: { version: 1, termCount: 0, allowCount: 0, createdBy: "migration" }, unpublishedChanges: false });
    const again = await call("/v1/policy/publish", { role: "admin", method: "POST" });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: "no_changes", currentVersion: 1 });
  });

  it("screens at once: account states, news gating and contacts apply, no term matches", async () => {
    account = await seedAccount();
    const clean = await call("/v1/screen", { role: "app", body: { accountId: account, kind: "post", text: "hi" } });
    expect(clean.status).toBe(200);
    expect(await clean.json()).toMatchObject({ verdict: "allow", reasons: [], policyVersion: 1 });
    const contact = (await (await call("/v1/screen", { role: "app", body: { accountId: account, kind: "post", text: "加微信 wx: abc_12345 详聊" } })).json()) as { verdict: string; reasons: { code: string }[] };
    expect(contact).toMatchObject({ verdict: "review", reasons: [expect.objectContaining({ code: "contact_wechat" })] });
    const news = (await (await call("/v1/screen", { role: "app", body: { accountId: account, kind: "news", text: "今日新闻" } })).json()) as { verdict: string; reasons: { code: string }[] };
    expect(news).toMatchObject({ verdict: "block", reasons: [expect.objectContaining({ code: "publisher_not_authorised" })] });
    const pending = await seedAccount("pending_phone");
    const unverified = (await (await call("/v1/screen", { role: "app", body: { accountId: pending, kind: "post", text: "hi" } })).json()) as { verdict: string; reasons: { code: string }[] };
    expect(unverified).toMatchObject({ verdict: "block", reasons: [{ code: "account_unverified", action: "block" }] });
    expect(await count("posts")).toBe(4);
    expect(await count("review_queue")).toBe(1);
    // Nothing left over for the next describe block, which counts from zero.
    await testEnv.DB.prepare("DELETE FROM review_queue").run();
    await testEnv.DB.prepare("DELETE FROM posts").run();
  });

  it("503 policy_not_published only if no version is current at all (state wiped by hand), nothing recorded", async () => {
    await testEnv.DB.prepare("DELETE FROM policy_current").run();
    const res = await call("/v1/screen", { role: "app", body: { accountId: account, kind: "post", text: "hi", postId: "no-policy-1" } });
    expect(res.status).toBe(503);
    expect((await problem(res)).code).toBe("policy_not_published");
    expect(await count("posts")).toBe(0);
    await testEnv.DB.prepare("INSERT INTO policy_current (id, version, updated_at) VALUES (1, 1, 0)").run();
  });
});

describe("screen input errors", () => {
  beforeAll(async () => {
    list = await createList("errors", "fraud");
    await importTerms(list, [{ pattern: "刷单", severity: 3 }]);
    await publish();
  });

  it.each([
    [{ kind: "post", text: "x" }, "accountId", "INVALID_TYPE"],
    [{ accountId: "acc_x", text: "x" }, "kind", "INVALID_VALUE"],
    [{ accountId: "acc_x", kind: "blog", text: "x" }, "kind", "INVALID_VALUE"],
    [{ accountId: "acc_x", kind: "post", text: 42 }, "text", "INVALID_TYPE"],
    [{ accountId: "acc_x", kind: "post", text: "x", links: "http://a.b" }, "links", "INVALID_TYPE"],
    [{ accountId: "acc_x", kind: "post", text: "x", postId: "has space" }, "postId", "INVALID_FORMAT"],
    [{ accountId: "acc_x", kind: "post", text: "x", extra: 1 }, "(body)", "UNRECOGNIZED_KEYS"],
  ])("422 validation_failed for %j", async (body, field, code) => {
    const res = await call("/v1/screen", { role: "app", body });
    expect(res.status).toBe(422);
    const p = await problem(res);
    expect(p.code).toBe("validation_failed");
    expect(p.errors).toContainEqual(expect.objectContaining({ field, code }));
  });

  it("404 account_not_found for an unknown account, nothing recorded", async () => {
    const res = await call("/v1/screen", { role: "app", body: { accountId: "acc_nobody", kind: "post", text: "刷单" } });
    expect(res.status).toBe(404);
    expect((await problem(res)).code).toBe("account_not_found");
    expect(await count("posts")).toBe(0);
    expect(await count("review_queue")).toBe(0);
  });

  it("422 text_too_long past 64 KiB of UTF-8 (CJK counts 3 bytes), exactly 64 KiB passes", async () => {
    const ok = await call("/v1/screen", { role: "app", body: { accountId: account, kind: "post", text: "a".repeat(65_536) } });
    expect(ok.status).toBe(200);
    const res = await call("/v1/screen", { role: "app", body: { accountId: account, kind: "post", text: "中".repeat(21_846) } });
    expect(res.status).toBe(422);
    const p = await problem(res);
    expect(p.code).toBe("text_too_long");
    expect(p.errors).toEqual([expect.objectContaining({ field: "text", code: "TOO_LONG" })]);
  });

  it("422 invalid_text for lone surrogates in text or title", async () => {
    for (const body of [
      `{"accountId":"${account}","kind":"post","text":"bad \\ud800 text"}`,
      `{"accountId":"${account}","kind":"post","text":"ok","title":"\\udc00"}`,
    ]) {
      const res = await call("/v1/screen", { role: "app", rawBody: body });
      expect(res.status).toBe(422);
      expect((await problem(res)).code).toBe("invalid_text");
    }
  });

  it("a retried identical request gets the recorded verdict back, nothing new recorded", async () => {
    const body = { accountId: account, kind: "post", title: "t", text: "刷单 again", postId: "retry-1" };
    const first = (await (await call("/v1/screen", { role: "app", body })).json()) as Record<string, unknown>;
    const again = await call("/v1/screen", { role: "app", body });
    expect(again.status).toBe(200);
    const replay = (await again.json()) as Record<string, unknown>;
    expect(replay).toMatchObject({ postId: "retry-1", verdict: first.verdict, policyVersion: first.policyVersion, categories: first.categories, replayed: true });
    expect(replay.reasons).toEqual((first.reasons as Record<string, unknown>[]).map(({ excerpt: _e, ...r }) => r));
    expect(await testEnv.DB.prepare("SELECT count(*) AS n FROM review_queue WHERE subject_id = 'retry-1'").first()).toEqual({ n: 1 });
    // Same id, other kind or other account: a different post.
    expect((await call("/v1/screen", { role: "app", body: { ...body, kind: "news" } })).status).toBe(409);
    const other = await seedAccount();
    expect((await call("/v1/screen", { role: "app", body: { ...body, accountId: other } })).status).toBe(409);
  });

  it("409 post_exists when a different post reuses a postId; the first record stands", async () => {
    const first = await call("/v1/screen", { role: "app", body: { accountId: account, kind: "post", text: "刷单", postId: "dup-1" } });
    expect(first.status).toBe(200);
    const again = await call("/v1/screen", { role: "app", body: { accountId: account, kind: "post", text: "clean", postId: "dup-1" } });
    expect(again.status).toBe(409);
    expect((await problem(again)).code).toBe("post_exists");
    const row = await testEnv.DB.prepare("SELECT verdict FROM posts WHERE id = 'dup-1'").first<{ verdict: string }>();
    expect(row!.verdict).toBe("review");
    expect(await testEnv.DB.prepare("SELECT count(*) AS n FROM review_queue WHERE dedupe_key = 'screening:post:dup-1:verdict'").first()).toEqual({ n: 1 });
  });

  it("400 malformed_json and 415 for other media types", async () => {
    const bad = await call("/v1/screen", { role: "app", rawBody: "{nope" });
    expect(bad.status).toBe(400);
    expect((await problem(bad)).code).toBe("malformed_json");
    const csv = await call("/v1/screen", { role: "app", rawBody: "a,b", contentType: "text/csv" });
    expect(csv.status).toBe(415);
  });
});

describe("import errors: all-or-nothing, every bad row reported", () => {
  it("reports empty, duplicate, out-of-range and malformed rows and writes nothing", async () => {
    const id = await createList("bad-import", "fraud");
    await importTerms(id, [{ pattern: "already", severity: 1 }]);
    const before = await count("terms");
    const res = await call(`/v1/term-lists/${id}/terms`, {
      role: "admin",
      body: [
        { pattern: "fine", severity: 5 },
        { pattern: "   ", severity: 5 },
        { pattern: "dup", severity: 5 },
        { pattern: "DUP", severity: 5 },
        { pattern: "already", severity: 5 },
        { pattern: "range", severity: 11 },
        { pattern: "frac", severity: 2.5 },
        { pattern: "flags", severity: 2, flags: { shout: true } },
        "not an object",
        { pattern: "x".repeat(200), severity: 1 },
        { pattern: "！！！", severity: 1 },
      ],
    });
    expect(res.status).toBe(422);
    const p = await problem(res);
    expect(p.code).toBe("import_invalid");
    expect(p.errors!.map((e) => [e.field, e.code])).toEqual([
      ["rows[8]", "INVALID_ROW"],
      ["rows[1].pattern", "EMPTY_PATTERN"],
      ["rows[3].pattern", "DUPLICATE_PATTERN"],
      ["rows[4].pattern", "DUPLICATE_PATTERN"],
      ["rows[5].severity", "SEVERITY_RANGE"],
      ["rows[6].severity", "SEVERITY_RANGE"],
      ["rows[7].flags", "INVALID_FLAGS"],
      ["rows[9].pattern", "PATTERN_TOO_LONG"],
    ]);
    expect(await count("terms")).toBe(before);
  });

  it("reports patterns the engine would refuse", async () => {
    const id = await createList("engine-refuses", "fraud");
    const res = await call(`/v1/term-lists/${id}/terms`, { role: "admin", body: [{ pattern: "ok", severity: 1 }, { pattern: "！！！", severity: 1 }] });
    expect(res.status).toBe(422);
    expect((await problem(res)).errors).toEqual([expect.objectContaining({ field: "rows[1].pattern", code: "PATTERN_REJECTED" })]);
  });

  it("CSV errors name lines", async () => {
    const id = await createList("bad-csv", "fraud");
    const header = await call(`/v1/term-lists/${id}/terms`, { role: "admin", rawBody: "word,level\nx,1\n", contentType: "text/csv" });
    expect((await problem(header)).errors).toEqual([expect.objectContaining({ field: "line 1", code: "CSV_HEADER" })]);
    const rows = await call(`/v1/term-lists/${id}/terms`, { role: "admin", rawBody: "pattern,severity\nok,1\n,2\nx,high\na,1,extra\nok,3\n", contentType: "text/csv" });
    expect((await problem(rows)).errors!.map((e) => [e.field, e.code])).toEqual([
      ["line 5", "CSV_COLUMNS"],
      ["line 3.pattern", "EMPTY_PATTERN"],
      ["line 4.severity", "SEVERITY_RANGE"],
      ["line 6.pattern", "DUPLICATE_PATTERN"],
    ]);
  });

  it("empty imports, non-arrays and unknown lists", async () => {
    const id = await createList("empty", "fraud");
    for (const [body, contentType] of [
      ["[]", "application/json"],
      ["", "text/csv"],
      ["pattern,severity\n", "text/csv"],
    ] as const) {
      const res = await call(`/v1/term-lists/${id}/terms`, { role: "admin", rawBody: body, method: "POST", contentType });
      expect(res.status).toBe(422);
      expect((await problem(res)).errors![0]!.code).toBe("EMPTY_IMPORT");
    }
    const obj = await call(`/v1/term-lists/${id}/terms`, { role: "admin", body: { pattern: "x", severity: 1 } });
    expect(obj.status).toBe(422);
    const missing = await call(`/v1/term-lists/tl_nothere/terms`, { role: "admin", body: [{ pattern: "x", severity: 1 }] });
    expect(missing.status).toBe(404);
    expect((await problem(missing)).code).toBe("term_list_not_found");
  });
});

describe("admin input errors", () => {
  it.each([
    ["/v1/term-lists", "POST", { name: "x", category: "nope" }, 422, "unknown_category"],
    ["/v1/term-lists", "POST", { name: "", category: "fraud" }, 422, "validation_failed"],
    ["/v1/allow-list", "POST", { phrases: ["a", " ", "a"] }, 422, "validation_failed"],
    ["/v1/blocked-domains", "POST", { domains: ["not a domain", "ok.example", "OK.example"] }, 422, "validation_failed"],
    ["/v1/contact-rules/fax", "PUT", { action: "block" }, 422, "validation_failed"],
    ["/v1/contact-rules/phone", "PUT", { action: "delete" }, 422, "validation_failed"],
    ["/v1/policy/categories/fraud", "PUT", { ranges: [{ min: 1, max: 5, action: "review" }, { min: 5, max: 9, action: "block" }] }, 422, "validation_failed"],
    ["/v1/policy/categories/fraud", "PUT", { ranges: [{ min: 6, max: 2, action: "review" }] }, 422, "validation_failed"],
    ["/v1/policy/categories/Bad-Name", "PUT", { ranges: [] }, 422, "validation_failed"],
    ["/v1/policy/rollback", "POST", { version: 999 }, 404, "version_not_found"],
    ["/v1/policy/outlets/not_a_domain", "PUT", { accountId: "acc_x" }, 422, "validation_failed"],
    ["/v1/term-lists/tl_none", "PATCH", { name: "x" }, 404, "term_list_not_found"],
    ["/v1/term-lists/tl_none/terms/1", "PATCH", { severity: 3 }, 404, "term_not_found"],
    ["/v1/term-lists/tl_none/terms/1", "PATCH", { severity: 0 }, 422, "validation_failed"],
    ["/v1/term-lists/tl_none/terms/abc", "PATCH", { severity: 3 }, 422, "validation_failed"],
  ])("%s %s %j → %i %s", async (path, method, body, status, code) => {
    const res = await call(path, { role: "admin", method, body });
    expect(res.status).toBe(status);
    expect((await problem(res)).code).toBe(code);
  });

  it("reports each bad allow phrase and domain, adding none", async () => {
    const before = await count("blocked_domains");
    const res = await call("/v1/blocked-domains", { role: "admin", body: { domains: ["not a domain", "ok.example", "OK.example"] } });
    expect((await problem(res)).errors!.map((e) => [e.field, e.code])).toEqual([
      ["domains[0]", "INVALID_DOMAIN"],
      ["domains[2]", "DUPLICATE_DOMAIN"],
    ]);
    expect(await count("blocked_domains")).toBe(before);
  });

  it("409s: duplicate list name, duplicate pattern on update, rollback to the current version", async () => {
    await createList("taken", "fraud");
    const dup = await call("/v1/term-lists", { role: "admin", body: { name: "taken", category: "fraud" } });
    expect(dup.status).toBe(409);
    expect((await problem(dup)).code).toBe("term_list_name_taken");

    const id = await createList("upd", "fraud");
    const r = await importTerms(id, [{ pattern: "one", severity: 1 }, { pattern: "two", severity: 1 }]);
    const refused = await call(`/v1/term-lists/${id}/terms/${r.lastTermId}`, { role: "admin", method: "PATCH", body: { pattern: "！！！" } });
    expect(refused.status).toBe(422);
    expect((await problem(refused)).errors).toEqual([expect.objectContaining({ field: "pattern", code: "PATTERN_REJECTED" })]);
    const clash = await call(`/v1/term-lists/${id}/terms/${r.lastTermId}`, { role: "admin", method: "PATCH", body: { pattern: "ONE" } });
    expect(clash.status).toBe(409);
    expect((await problem(clash)).code).toBe("duplicate_pattern");

    const current = ((await (await call("/v1/policy/versions", { role: "admin" })).json()) as { current: number }).current;
    const same = await call("/v1/policy/rollback", { role: "admin", body: { version: current } });
    expect(same.status).toBe(409);
    expect((await problem(same)).code).toBe("already_current");
  });
});

describe("references are checked (#13.5)", () => {
  it("PUT /v1/policy/outlets/{domain} with an unknown accountId is 422 unknown_account, nothing written", async () => {
    const outlets = await count("publisher_outlets");
    const audits = await count("audit_log");
    const res = await call("/v1/policy/outlets/news-outlet.example", { role: "admin", method: "PUT", body: { accountId: "acc_doesnotexist" } });
    expect(res.status).toBe(422);
    const p = await problem(res);
    expect(p.code).toBe("unknown_account");
    expect(p.errors).toEqual([expect.objectContaining({ field: "accountId", code: "UNKNOWN_ACCOUNT" })]);
    expect(await count("publisher_outlets")).toBe(outlets);
    expect(await count("audit_log")).toBe(audits);
  });

  it("an existing outlet is not moved to an unknown account; a real account is accepted", async () => {
    const owner = await seedAccount();
    const ok = await call("/v1/policy/outlets/moved-outlet.example", { role: "admin", method: "PUT", body: { accountId: owner } });
    expect(ok.status).toBe(200);
    const bad = await call("/v1/policy/outlets/moved-outlet.example", { role: "admin", method: "PUT", body: { accountId: "acc_ghost000000" } });
    expect(bad.status).toBe(422);
    const row = await testEnv.DB.prepare("SELECT account_id FROM publisher_outlets WHERE domain = 'moved-outlet.example'").first<{ account_id: string }>();
    expect(row!.account_id).toBe(owner);
  });
});

describe("CSV quotes are strict (#13.5)", () => {
  it.each([
    ['pattern,severity\nab"c,3\n', "line 2"],
    ['pattern,severity\n"ab"c,3\n', "line 2"],
    ['pattern,severity\nfine,1\n"ab" ,3\n', "line 3"],
    ['pattern,severity\nfine,1\n"never closed,3\nmore,2\n', "line 3"],
  ])("%j is refused with a row error, nothing imported", async (csv, line) => {
    const id = await createList(`csv-quote-${line.replace(" ", "")}-${csv.length}`, "fraud");
    const before = await count("terms");
    const res = await call(`/v1/term-lists/${id}/terms`, { role: "admin", rawBody: csv, contentType: "text/csv" });
    expect(res.status).toBe(422);
    const p = await problem(res);
    expect(p.code).toBe("import_invalid");
    expect(p.errors).toEqual([expect.objectContaining({ field: line, code: "CSV_QUOTE" })]);
    expect(await count("terms")).toBe(before);
  });

  it("line numbers count physical lines (blank lines, quoted line breaks)", async () => {
    const id = await createList("csv-lines", "fraud");
    const res = await call(`/v1/term-lists/${id}/terms`, { role: "admin", rawBody: 'pattern,severity\n\n"two\nlines",1\nok,99\n', contentType: "text/csv" });
    const p = await problem(res);
    // The multi-line pattern is refused as free text (a line break), the severity on line 5.
    expect(p.errors!.map((e) => [e.field, e.code])).toEqual([
      ["line 3.pattern", "INVALID_TEXT"],
      ["line 5.severity", "SEVERITY_RANGE"],
    ]);
  });
});

describe("free text is safe text (#13.5)", () => {
  const BAD = [
    ["NUL", "bad\u0000name"],
    ["control", "bad\u0007name"],
    ["bidi override", "bad\u202Ename"],
    ["bidi isolate", "bad\u2066name"],
  ] as const;

  it.each(BAD)("term list names refuse %s (create and rename), nothing written", async (_, name) => {
    const lists = await count("term_lists");
    const res = await call("/v1/term-lists", { role: "admin", body: { name, category: "fraud" } });
    expect(res.status).toBe(422);
    expect((await problem(res)).errors).toEqual([expect.objectContaining({ field: "name", code: "INVALID_TEXT" })]);
    expect(await count("term_lists")).toBe(lists);
    const id = await createList(`rename-${_.replace(" ", "-")}`, "fraud");
    const patched = await call(`/v1/term-lists/${id}`, { role: "admin", method: "PATCH", body: { name } });
    expect(patched.status).toBe(422);
    expect((await problem(patched)).errors).toEqual([expect.objectContaining({ field: "name", code: "INVALID_TEXT" })]);
    const stored = await testEnv.DB.prepare("SELECT name FROM term_lists WHERE id = ?").bind(id).first<{ name: string }>();
    expect(stored!.name).toBe(`rename-${_.replace(" ", "-")}`);
  });

  it("a lone surrogate in a list name is refused too", async () => {
    const res = await call("/v1/term-lists", { role: "admin", rawBody: '{"name":"bad \\ud800","category":"fraud"}' });
    expect(res.status).toBe(422);
    expect((await problem(res)).errors).toEqual([expect.objectContaining({ field: "name", code: "INVALID_TEXT" })]);
  });

  it("imported patterns (JSON and CSV) are checked per row; nothing imported", async () => {
    const id = await createList("unsafe-patterns", "fraud");
    const before = await count("terms");
    const json = await call(`/v1/term-lists/${id}/terms`, { role: "admin", body: [{ pattern: "fine", severity: 1 }, { pattern: "evil\u202Etxt", severity: 1 }, { pattern: "nul\u0000x", severity: 1 }] });
    expect(json.status).toBe(422);
    expect((await problem(json)).errors!.map((e) => [e.field, e.code])).toEqual([
      ["rows[1].pattern", "INVALID_TEXT"],
      ["rows[2].pattern", "INVALID_TEXT"],
    ]);
    const csv = await call(`/v1/term-lists/${id}/terms`, { role: "admin", rawBody: "pattern,severity\nfine,1\nbad\u2067x,2\nlone \ud800,3\n", contentType: "text/csv" });
    expect(csv.status).toBe(422);
    const csvErrors = (await problem(csv)).errors!.map((e) => [e.field, e.code]);
    expect(csvErrors[0]).toEqual(["line 3.pattern", "INVALID_TEXT"]);
    // The lone surrogate does not survive the UTF-8 request body: it arrives as U+FFFD, which is valid text.
    expect(await count("terms")).toBe(before);
  });

  it("a term's pattern change refuses unsafe text", async () => {
    const id = await createList("unsafe-patch", "fraud");
    const { firstTermId } = await importTerms(id, [{ pattern: "original", severity: 2 }]);
    const res = await call(`/v1/term-lists/${id}/terms/${firstTermId}`, { role: "admin", method: "PATCH", body: { pattern: "ori\u202Dginal" } });
    expect(res.status).toBe(422);
    expect((await problem(res)).errors).toEqual([expect.objectContaining({ field: "pattern", code: "INVALID_TEXT" })]);
    const row = await testEnv.DB.prepare("SELECT pattern FROM terms WHERE id = ?").bind(firstTermId).first<{ pattern: string }>();
    expect(row!.pattern).toBe("original");
  });

  it("allow phrases refuse unsafe text, adding none", async () => {
    const before = await count("allow_phrases");
    const res = await call("/v1/allow-list", { role: "admin", body: { phrases: ["fine phrase", "bidi\u202Ahere", "tab\there"] } });
    expect(res.status).toBe(422);
    expect((await problem(res)).errors!.map((e) => [e.field, e.code])).toEqual([
      ["phrases[1]", "INVALID_TEXT"],
      ["phrases[2]", "INVALID_TEXT"],
    ]);
    expect(await count("allow_phrases")).toBe(before);
  });

  it("a rollback reason refuses unsafe text; the current version stays", async () => {
    const current = (await testEnv.DB.prepare("SELECT version FROM policy_current").first<{ version: number }>())!.version;
    const audits = await count("audit_log");
    const res = await call("/v1/policy/rollback", { role: "admin", body: { version: 1, reason: "looks fine\u202E but is not" } });
    expect(res.status).toBe(422);
    expect((await problem(res)).errors).toEqual([expect.objectContaining({ field: "reason", code: "INVALID_TEXT" })]);
    expect((await testEnv.DB.prepare("SELECT version FROM policy_current").first<{ version: number }>())!.version).toBe(current);
    expect(await count("audit_log")).toBe(audits);
  });
});

describe("cursors", () => {
  it.each(["/v1/term-lists", "/v1/term-lists/tl_any/terms", "/v1/allow-list", "/v1/blocked-domains", "/v1/policy/versions", "/v1/policy/outlets"])(
    "%s refuses a cursor it did not write: 422 invalid_cursor",
    async (path) => {
      const listId = path.includes("tl_any") ? await createList(`cursor-${Date.now()}`, "fraud") : "";
      const res = await call(`${path.replace("tl_any", listId)}?cursor=42`, { role: "admin" });
      expect(res.status).toBe(422);
      expect((await problem(res)).code).toBe("invalid_cursor");
    },
  );
});

describe("a draft past the engine's limits: 422 policy_invalid from the policy builder, nothing written (#18)", () => {
  /** `n` characters that fold to `n` distinct symbols (CJK, then Extension A, then Extension B). */
  function distinctCharacters(n: number): string[] {
    const seen = new Set<number>(), out: string[] = [];
    for (const [from, to] of [[0x4e00, 0x9fff], [0x3400, 0x4dbf], [0x20000, 0x2a6df]] as const) {
      for (let cp = from; cp <= to && out.length < n; cp++) {
        const symbol = foldCodePoint(cp);
        if (symbol >= 0 && !seen.has(symbol)) { seen.add(symbol); out.push(String.fromCodePoint(cp)); }
      }
    }
    expect(out).toHaveLength(n);
    return out;
  }

  it("more distinct characters than the engine holds: publish and try-it name the whole list; without that list both work", async () => {
    // Each term compiles alone (the import's check); together they exceed the engine's classes.
    const chars = distinctCharacters(MAX_CLASSES);
    const id = await createList("too-many-characters", "fraud");
    const rows = Array.from({ length: chars.length / 5 }, (_, i) => ({ pattern: chars.slice(5 * i, 5 * i + 5).join(""), severity: 3 }));
    // In one import the rows are checked together: refused whole, nothing imported.
    const termsBefore = await count("terms");
    const whole = await call(`/v1/term-lists/${id}/terms`, { role: "admin", body: rows });
    expect(whole.status).toBe(422);
    expect(await problem(whole)).toMatchObject({ code: "import_invalid", errors: [{ field: "(body)", code: "ENGINE_LIMIT", message: expect.stringMatching(/distinct characters/) }] });
    expect(await count("terms")).toBe(termsBefore);
    // In two imports each half passes; the draft as a whole does not.
    const half = rows.length >> 1;
    expect((await importTerms(id, rows.slice(0, half))).imported).toBe(half);
    expect((await importTerms(id, rows.slice(half))).imported).toBe(rows.length - half);
    const versions = await count("policy_versions");
    const objects = (await testEnv.POLICIES.list()).objects.length;

    const refused = await call("/v1/policy/publish", { role: "admin", method: "POST" });
    expect(refused.status).toBe(422);
    const p = await problem(refused);
    expect(p.code).toBe("policy_invalid");
    expect(p.errors).toEqual([{ field: "terms", code: "ENGINE_REFUSED", message: expect.stringMatching(/distinct characters/) }]);
    expect(await count("policy_versions")).toBe(versions);
    expect((await testEnv.POLICIES.list()).objects).toHaveLength(objects);

    const tried = await call("/v1/policy/draft/screen", { role: "admin", body: { text: chars.slice(0, 5).join("") } });
    expect(tried.status).toBe(422);
    expect(await problem(tried)).toMatchObject({ code: "policy_invalid", errors: [{ field: "terms", code: "ENGINE_REFUSED" }] });

    expect((await call(`/v1/term-lists/${id}`, { role: "admin", method: "DELETE" })).status).toBe(200);
    await importTerms(await createList("fits", "fraud"), [{ pattern: rows[0]!.pattern, severity: 3 }]);
    const ok = await call("/v1/policy/draft/screen", { role: "admin", body: { text: rows[0]!.pattern } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ compiledNow: true, reasons: [{ pattern: rows[0]!.pattern }] });
    expect(await publish()).toBe(versions + 1);
  });
});
