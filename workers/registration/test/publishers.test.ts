import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, problem, testEnv, verifiedAccount } from "./helpers";

const DAY = 86_400_000;
const grantBody = (accountId: string, overrides: Record<string, unknown> = {}) => ({
  accountId,
  scope: ["political_news"],
  licenceNumber: "10120170001",
  issuer: "CAC",
  expiresAt: new Date(Date.now() + 30 * DAY).toISOString(),
  ...overrides,
});
const grant = (body: unknown) => call("/v1/publishers", { role: "operator", body });

async function unrevoked(accountId: string) {
  return (await testEnv.DB.prepare("SELECT id FROM publisher_licences WHERE account_id = ? AND revoked_at IS NULL").bind(accountId).all<{ id: string }>()).results;
}
async function grantAudits(accountId: string) {
  const rows = await testEnv.DB.prepare("SELECT details FROM audit_log WHERE action = 'publisher.licence_granted'").all<{ details: string }>();
  return rows.results.filter((r) => JSON.parse(r.details).accountId === accountId).length;
}
/** The licence predicate screening applies to every news post (workers/screening/src/facts.ts, SCOPES_SQL). */
async function licencesScreeningSees(accountId: string) {
  const row = await testEnv.DB.prepare("SELECT COUNT(*) AS n FROM publisher_licences WHERE account_id = ?1 AND revoked_at IS NULL AND expires_at > ?2")
    .bind(accountId, Date.now())
    .first<{ n: number }>();
  return row!.n;
}

describe("one licence per account and licence number", () => {
  it("50 concurrent identical grants make one licence and one audit entry; the retries answer 200 with it", async () => {
    const { id } = await verifiedAccount();
    const body = grantBody(id);
    const responses = await Promise.all(Array.from({ length: 50 }, () => grant(body)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(49);
    const ids = new Set(await Promise.all(responses.map(async (r) => ((await r.json()) as any).id)));
    expect(ids.size).toBe(1);
    expect(await unrevoked(id)).toEqual([{ id: [...ids][0] }]);
    expect(await grantAudits(id)).toBe(1);
  });

  it("a retry is the same grant whatever the scope order or digit width; other terms are 409 licence_conflict", async () => {
    const { id } = await verifiedAccount();
    const body = grantBody(id, { scope: ["political_news", "economic_news"] });
    const first = await grant(body);
    expect(first.status).toBe(201);
    const licence = (await first.json()) as any;
    expect(licence.scope).toEqual(["economic_news", "political_news"]);

    const reordered = await grant({ ...body, scope: ["economic_news", "political_news"], licenceNumber: "１０１２０１７０００１" });
    expect(reordered.status).toBe(200);
    expect(((await reordered.json()) as any).id).toBe(licence.id);

    for (const other of [{ expiresAt: new Date(Date.now() + 60 * DAY).toISOString() }, { scope: ["political_news"] }, { issuer: "SAPPRFT" }]) {
      const p = await problem(await grant({ ...body, ...other }));
      expect(p).toMatchObject({ status: 409, code: "licence_conflict", licenceId: licence.id });
    }
    expect(await unrevoked(id)).toHaveLength(1);
    expect(await grantAudits(id)).toBe(1);

    // Another licence number is another licence.
    expect((await grant({ ...body, licenceNumber: "10120170002" })).status).toBe(201);
    expect(await unrevoked(id)).toHaveLength(2);
  });

  it("concurrent grants with different terms leave exactly one licence", async () => {
    const { id } = await verifiedAccount();
    const a = grantBody(id);
    const b = grantBody(id, { expiresAt: new Date(Date.now() + 90 * DAY).toISOString() });
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => grant(i % 2 ? a : b)));
    const codes = await Promise.all(responses.map(async (r) => (r.status === 409 ? (await problem(r)).code : r.status)));
    expect(codes.filter((c) => c === 201)).toHaveLength(1);
    expect(codes.every((c) => c === 201 || c === 200 || c === "licence_conflict")).toBe(true);
    expect(await unrevoked(id)).toHaveLength(1);
    expect(await grantAudits(id)).toBe(1);
  });

  it("revoking the account's one licence leaves it unlicensed: no badge, nothing screening counts; it can be granted again", async () => {
    const { id, body: account } = await verifiedAccount();
    const body = grantBody(id);
    const granted = (await (await grant(body)).json()) as any;
    // Retries before the revocation must not leave a second licence behind it.
    await Promise.all(Array.from({ length: 10 }, () => grant(body)));
    expect(await licencesScreeningSees(id)).toBe(1);

    expect((await call(`/v1/publishers/${granted.id}/revoke`, { role: "operator", body: { reason: "licence withdrawn" } })).status).toBe(200);
    expect(await licencesScreeningSees(id)).toBe(0);
    const profile = (await (await call(`/v1/public/accounts/${account.handle}`)).json()) as any;
    expect(profile.badges).toEqual({ verified: true, newsPublisher: null });
    expect(((await (await call(`/v1/publishers?accountId=${id}`, { role: "operator" })).json()) as any).licences).toEqual([]);

    const again = await grant(body);
    expect(again.status).toBe(201);
    expect(((await again.json()) as any).id).not.toBe(granted.id);
    expect(await licencesScreeningSees(id)).toBe(1);
  });

  it("20 concurrent revocations revoke once, with one audit entry", async () => {
    const { id } = await verifiedAccount();
    const granted = (await (await grant(grantBody(id))).json()) as any;
    const responses = await Promise.all(Array.from({ length: 20 }, () => call(`/v1/publishers/${granted.id}/revoke`, { role: "operator", body: { reason: "licence withdrawn" } })));
    const codes = await Promise.all(responses.map(async (r) => (r.status === 200 ? 200 : (await problem(r)).code)));
    expect(codes.filter((c) => c === 200)).toHaveLength(1);
    expect(codes.filter((c) => c === "licence_already_revoked")).toHaveLength(19);
    const audits = await testEnv.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'publisher.licence_revoked' AND subject_id = ?").bind(granted.id).first<{ n: number }>();
    expect(audits!.n).toBe(1);
  });

  it("the database refuses a second unrevoked licence with the same number, whatever the code does", async () => {
    const { id } = await verifiedAccount();
    const insert = (lic: string, revokedAt: number | null) =>
      testEnv.DB.prepare(
        "INSERT INTO publisher_licences (id, account_id, scope, licence_number, issuer, expires_at, revoked_at, created_at, created_by) VALUES (?, ?, '[\"political_news\"]', 'L-DB', 'CAC', ?, ?, ?, 'key_test')",
      )
        .bind(lic, id, Date.now() + DAY, revokedAt, Date.now())
        .run();
    await insert("lic_db0000000001", Date.now());
    await insert("lic_db0000000002", null);
    await expect(insert("lic_db0000000003", null)).rejects.toThrow(/UNIQUE constraint failed/);
  });
});

describe("migration 0010: duplicates from before the unique index", () => {
  it("keeps the earliest unrevoked grant of each (account, number) and revokes the others", async () => {
    const migrations = (env as unknown as { TEST_MIGRATIONS: { name: string; queries: string[] }[] }).TEST_MIGRATIONS;
    const dedupe = migrations.find((m) => m.name.startsWith("0010_registration_licence_dedupe"))!;
    const unique = migrations.find((m) => m.name.startsWith("0012_registration_licence_unique"))!;
    expect(dedupe && unique).toBeTruthy();

    const { id } = await verifiedAccount();
    await testEnv.DB.exec("DROP INDEX publisher_licences_active_uq");
    const rows: [string, string, number, number | null][] = [
      ["lic_dup000000002", "L-9", 2000, null],
      ["lic_dup000000001", "L-9", 1000, null],
      ["lic_dup000000003", "L-9", 1000, null],
      ["lic_dup000000004", "L-9", 500, 600], // already revoked: stays as it was
      ["lic_dup000000005", "L-10", 3000, null],
    ];
    for (const [lic, number, createdAt, revokedAt] of rows) {
      await testEnv.DB.prepare(
        "INSERT INTO publisher_licences (id, account_id, scope, licence_number, issuer, expires_at, revoked_at, created_at, created_by) VALUES (?, ?, '[\"political_news\"]', ?, 'CAC', ?, ?, ?, 'key_test')",
      )
        .bind(lic, id, number, Date.now() + DAY, revokedAt, createdAt)
        .run();
    }
    for (const q of [...dedupe.queries, ...unique.queries]) await testEnv.DB.prepare(q).run();

    const after = await testEnv.DB.prepare("SELECT id, revoked_at, revoked_reason FROM publisher_licences WHERE account_id = ? ORDER BY id").bind(id).all<any>();
    const state = Object.fromEntries(after.results.map((r) => [r.id, r.revoked_at === null ? "active" : r.revoked_at === 600 ? "revoked before" : "revoked now"]));
    expect(state).toEqual({
      lic_dup000000001: "active",
      lic_dup000000002: "revoked now",
      lic_dup000000003: "revoked now",
      lic_dup000000004: "revoked before",
      lic_dup000000005: "active",
    });
    expect(after.results.find((r) => r.id === "lic_dup000000002").revoked_reason).toMatch(/duplicate grant/);
  });
});

describe("lists page with the opaque cursor", () => {
  it("pages licences and accounts without gaps or repeats, even when timestamps tie", async () => {
    const { id } = await verifiedAccount();
    // Five licences created in the same millisecond: only (createdAt, id) orders them.
    for (let i = 0; i < 5; i++) {
      await testEnv.DB.prepare(
        "INSERT INTO publisher_licences (id, account_id, scope, licence_number, issuer, expires_at, created_at, created_by) VALUES (?, ?, '[\"political_news\"]', ?, 'CAC', ?, 1000, 'key_test')",
      )
        .bind(`lic_page00000${i}`, id, `P-${i}`, Date.now() + DAY)
        .run();
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(`/v1/publishers?accountId=${id}&limit=2${cursor ? `&cursor=${cursor}` : ""}`, { role: "operator" });
      const page = (await res.json()) as { licences: { id: string }[]; nextCursor: string | null };
      seen.push(...page.licences.map((l) => l.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(["lic_page000004", "lic_page000003", "lic_page000002", "lic_page000001", "lic_page000000"]);

    const first = (await (await call("/v1/accounts?limit=1", { role: "operator" })).json()) as any;
    expect(first.accounts).toHaveLength(1);
    const second = (await (await call(`/v1/accounts?limit=1&cursor=${first.nextCursor}`, { role: "operator" })).json()) as any;
    expect(second.accounts[0].id).not.toBe(first.accounts[0].id);

    for (const bad of ["garbage", "W10", btoa(JSON.stringify(["x", "acc_1"])).replace(/=+$/, "")]) {
      expect((await problem(await call(`/v1/publishers?cursor=${bad}`, { role: "operator" }))).code).toBe("invalid_cursor");
      expect((await problem(await call(`/v1/accounts?cursor=${bad}`, { role: "operator" }))).code).toBe("invalid_cursor");
    }
  });
  it("finds an account by its exact handle, case-insensitively, and refuses a malformed handle", async () => {
    const { id, body } = await verifiedAccount();
    const found = (await (await call(`/v1/accounts?handle=${encodeURIComponent(`  ${body.handle.toUpperCase()} `)}`, { role: "operator" })).json()) as any;
    expect(found.accounts.map((a: { id: string }) => a.id)).toEqual([id]);
    expect(found.nextCursor).toBeNull();
    const withStatus = (await (await call(`/v1/accounts?handle=${body.handle}&status=closed`, { role: "operator" })).json()) as any;
    expect(withStatus.accounts).toEqual([]);
    const none = (await (await call("/v1/accounts?handle=nobody_has_this", { role: "operator" })).json()) as any;
    expect(none).toEqual({ accounts: [], nextCursor: null });
    for (const bad of ["ab", "1abc", "a-b-c", "x".repeat(31), "%E2%80%AEabc"]) {
      const p = await problem(await call(`/v1/accounts?handle=${bad}`, { role: "operator" }));
      expect(p).toMatchObject({ status: 422, code: "validation_failed" });
    }
  });
});
