import { describe, expect, it } from "vitest";
import { buildApp } from "../src/app";
import { call, caller, latestCode, problem, register, registration, residentId, testEnv, verifiedAccount } from "./helpers";

const count = async (table: string) => (await testEnv.DB.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>())!.n;

describe("registration errors", () => {
  it("lists every bad field at once with precise codes and stores nothing", async () => {
    const before = await Promise.all(["accounts", "identity_vault", "identity_bindings", "phone_codes", "audit_log"].map(count));
    const res = await call("/v1/accounts", {
      role: "app",
      body: { handle: "1x", displayName: " ", kind: "public", identity: { name: "张三1", documentType: "cn_resident_id", documentNumber: "11010519491231002" }, phone: "+861088886666" },
    });
    const p = await problem(res);
    expect(p.status).toBe(422);
    expect(p.errors!.map((e) => [e.field, e.code]).sort()).toEqual(
      [
        ["displayName", "DISPLAY_NAME_INVALID"],
        ["handle", "HANDLE_INVALID"],
        ["identity.documentNumber", "ID_LENGTH"],
        ["identity.name", "NAME_INVALID"],
        ["phone", "PHONE_NOT_MOBILE"],
      ].sort(),
    );
    // Messages never echo what was sent.
    expect(JSON.stringify(p)).not.toContain("11010519491231002");
    expect(JSON.stringify(p)).not.toContain("1088886666");
    const after = await Promise.all(["accounts", "identity_vault", "identity_bindings", "phone_codes", "audit_log"].map(count));
    expect(after).toEqual(before);
  });

  it.each([
    ["ID_CHECKSUM", residentId().slice(0, 17) + (residentId().endsWith("0") ? "1" : "0")],
    ["ID_BIRTHDATE", residentId("110105", "20010229")],
    ["ID_REGION", residentId("990105")],
    ["ID_FORMAT", "1101051949123100AX"],
    ["DOC_TYPE_MISMATCH", residentId("810000", "19900101")],
  ])("answers %s for such a document number", async (code, documentNumber) => {
    const p = await problem(await call("/v1/accounts", { role: "app", body: registration({ documentNumber }) }));
    expect(p.errors).toEqual([{ field: "identity.documentNumber", code, message: expect.any(String) }]);
  });

  it("answers PHONE_INVALID, DOC_TYPE_UNSUPPORTED and schema errors", async () => {
    let p = await problem(await call("/v1/accounts", { role: "app", body: registration({ phone: "+86 123" }) }));
    expect(p.errors!.map((e) => e.code)).toEqual(["PHONE_INVALID"]);
    p = await problem(await call("/v1/accounts", { role: "app", body: registration({ documentType: "library_card" }) }));
    expect(p.errors).toEqual([{ field: "identity.documentType", code: "DOC_TYPE_UNSUPPORTED", message: expect.any(String) }]);
    p = await problem(await call("/v1/accounts", { role: "app", body: { ...registration(), kind: "company" } }));
    expect(p).toMatchObject({ status: 422, code: "validation_failed" });
    expect(p.errors![0]!.field).toBe("kind");
    p = await problem(await call("/v1/accounts", { role: "app", body: { ...registration(), extra: 1 } }));
    expect(p.status).toBe(422);
    p = await problem(await call("/v1/accounts", { role: "app", rawBody: "{not json" }));
    expect(p).toMatchObject({ status: 400, code: "malformed_json" });
  });

  it("answers HANDLE_TAKEN (case-insensitively) and PHONE_TAKEN", async () => {
    const { body } = await register();
    const p = await problem(await call("/v1/accounts", { role: "app", body: registration({ handle: body.handle.toUpperCase() }) }));
    expect(p.errors).toEqual([{ field: "handle", code: "HANDLE_TAKEN", message: expect.any(String) }]);
    const phone = await problem(await call("/v1/accounts", { role: "app", body: registration({ phone: body.phone }) }));
    expect(phone).toMatchObject({ status: 409, code: "phone_taken" });
  });

  it("lets exactly one of two concurrent registrations of one identity win, naming no account", async () => {
    const documentNumber = residentId("320102", "19850615", "771");
    const [a, b] = await Promise.all([
      call("/v1/accounts", { role: "app", body: registration({ documentNumber }) }),
      call("/v1/accounts", { role: "app", body: registration({ documentNumber }) }),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    const loser = await problem(a.status === 409 ? a : b);
    expect(loser.code).toBe("identity_limit");
    const winner = (await (a.status === 201 ? a : b).json()) as any;
    expect(JSON.stringify(loser)).not.toContain(winner.account.id);
    expect(JSON.stringify(loser)).not.toContain(winner.account.handle);
    expect(await testEnv.DB.prepare("SELECT COUNT(*) AS n FROM accounts WHERE id NOT IN (SELECT account_id FROM identity_vault)").first()).toEqual({ n: 0 });
  });

  it("allows N accounts per identity when configured, and a personal account beside the public one", async () => {
    const documentNumber = residentId("440300", "19900307", "123");
    const two = caller(buildApp({ devRoutes: true }), { MAX_PUBLIC_ACCOUNTS_PER_IDENTITY: "2" });
    const results = await Promise.all([1, 2, 3].map(() => two("/v1/accounts", { role: "app", body: registration({ documentNumber }) })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 409]);
    const slots = await testEnv.DB.prepare("SELECT slot FROM identity_bindings WHERE kind = 'public' AND account_id IN (SELECT account_id FROM identity_vault) ORDER BY slot").all();
    expect(new Set(slots.results.map((r) => r.slot))).toEqual(new Set([1, 2]));
    expect((await call("/v1/accounts", { role: "app", body: registration({ documentNumber, kind: "personal" }) })).status).toBe(201);
    expect((await problem(await call("/v1/accounts", { role: "app", body: registration({ documentNumber, kind: "personal" }) }))).code).toBe("identity_limit");
  });

  it("frees the identity of a rejected account", async () => {
    const documentNumber = residentId("370102", "19770707", "555");
    const { id, body } = await register(registration({ documentNumber }));
    await call(`/v1/accounts/${id}/phone/verify`, { role: "app", body: { code: await latestCode(body.phone) } });
    const r = await call(`/v1/accounts/${id}/review`, { role: "operator", body: { decision: "reject", reason: "photo does not match" } });
    expect(await r.json()).toEqual({ id, status: "rejected" });
    expect((await call("/v1/accounts", { role: "app", body: registration({ documentNumber, phone: body.phone }) })).status).toBe(201);
  });
});

describe("state transitions over the API", () => {
  it("refuses illegal transitions with 409 INVALID_TRANSITION", async () => {
    const { id } = await register();
    const review = await problem(await call(`/v1/accounts/${id}/review`, { role: "operator", body: { decision: "approve", reason: "looks fine" } }));
    expect(review, JSON.stringify(review)).toMatchObject({ status: 409, code: "invalid_transition" });
    const restore = await problem(await call(`/v1/accounts/${id}/actions`, { role: "operator", body: { action: "restore", reason: "not suspended" } }));
    expect(restore.code).toBe("invalid_transition");
  });

  it("suspends, restores to the previous status, warns and closes, auditing each", async () => {
    const { id } = await verifiedAccount();
    const act = (action: string) => call(`/v1/accounts/${id}/actions`, { role: "operator", body: { action, reason: `test ${action}` } });
    expect(await (await act("suspend")).json()).toMatchObject({ ok: true, status: "suspended" });
    expect((await problem(await act("suspend"))).code).toBe("invalid_transition");
    expect(await (await act("restore")).json()).toMatchObject({ ok: true, status: "verified" });
    expect(await (await act("warn")).json()).toMatchObject({ ok: true, status: "verified" });
    expect(((await (await call(`/v1/accounts/${id}`, { role: "operator" })).json()) as any).warningCount).toBe(1);
    expect(await (await act("close")).json()).toMatchObject({ ok: true, status: "closed" });
    expect((await problem(await act("warn"))).code).toBe("invalid_transition");
    const audit = await testEnv.DB.prepare("SELECT action, reason, actor_role FROM audit_log WHERE subject_id = ? AND action LIKE 'account.%' ORDER BY at, rowid").bind(id).all();
    expect(audit.results.slice(-4)).toEqual([
      { action: "account.suspend", reason: "test suspend", actor_role: "operator" },
      { action: "account.restore", reason: "test restore", actor_role: "operator" },
      { action: "account.warn", reason: "test warn", actor_role: "operator" },
      { action: "account.close", reason: "test close", actor_role: "operator" },
    ]);
  });

  it("applies a bulk action, reporting accounts it cannot apply to", async () => {
    const a = await register();
    const b = await register();
    await call(`/v1/accounts/${b.id}/actions`, { role: "operator", body: { action: "close", reason: "dup account" } });
    const res = await call("/v1/accounts/actions/bulk", { role: "operator", body: { action: "suspend", reason: "spam wave", accountIds: [a.id, b.id, "acc_missing00000"] } });
    expect(res.status).toBe(200);
    const out = (await res.json()) as any;
    expect(out.applied).toBe(1);
    expect(out.results).toEqual([
      { accountId: a.id, ok: true, status: "suspended" },
      { accountId: b.id, ok: false, code: "invalid_transition", detail: expect.any(String) },
      { accountId: "acc_missing00000", ok: false, code: "account_not_found", detail: expect.any(String) },
    ]);
    const rows = await testEnv.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'account.suspend' AND reason = 'spam wave'").first();
    expect(rows).toEqual({ n: 1 });
    const tooMany = await problem(await call("/v1/accounts/actions/bulk", { role: "operator", body: { action: "warn", reason: "x y z", accountIds: Array.from({ length: 101 }, (_, i) => `acc_${String(i).padStart(10, "0")}`) } }));
    expect(tooMany.status).toBe(422);
  });

  it("needs a reason for actions, reviews and reveals", async () => {
    const { id } = await register();
    for (const [path, body] of [
      [`/v1/accounts/${id}/actions`, { action: "warn" }],
      [`/v1/accounts/${id}/review`, { decision: "approve" }],
      [`/v1/accounts/${id}/identity/reveal`, { reason: "short" }],
    ] as const) {
      const p = await problem(await call(path, { role: "operator", body }));
      expect(p).toMatchObject({ status: 422, code: "validation_failed" });
      expect(p.errors!.map((e) => e.field)).toContain("reason");
    }
  });
});

describe("publisher licences", () => {
  const licence = (accountId: string, expiresAt = new Date(Date.now() + 86_400_000).toISOString()) => ({ accountId, scope: ["political_news"], licenceNumber: "L-1", issuer: "CAC", expiresAt });

  it("only verified public accounts qualify", async () => {
    const pending = await register();
    expect((await problem(await call("/v1/publishers", { role: "operator", body: licence(pending.id) }))).code).toBe("publisher_not_eligible");
    const personal = await verifiedAccount(registration({ kind: "personal" }));
    expect((await problem(await call("/v1/publishers", { role: "operator", body: licence(personal.id) }))).code).toBe("publisher_not_eligible");
    expect((await problem(await call("/v1/publishers", { role: "operator", body: licence("acc_missing00000") }))).code).toBe("account_not_found");
  });

  it("refuses past expiry and bad scopes; an expired licence stops counting", async () => {
    const { id, body } = await verifiedAccount();
    const past = await problem(await call("/v1/publishers", { role: "operator", body: licence(id, new Date(Date.now() - 1000).toISOString()) }));
    expect(past.errors).toEqual([{ field: "expiresAt", code: "LICENCE_EXPIRED", message: expect.any(String) }]);
    const scope = await problem(await call("/v1/publishers", { role: "operator", body: { ...licence(id), scope: ["Political News"] } }));
    expect(scope.errors![0]!.field).toBe("scope.0");
    const granted = (await (await call("/v1/publishers", { role: "operator", body: licence(id) })).json()) as any;
    await testEnv.DB.prepare("UPDATE publisher_licences SET expires_at = ? WHERE id = ?").bind(Date.now() - 1, granted.id).run();
    const profile = (await (await call(`/v1/public/accounts/${body.handle}`)).json()) as any;
    expect(profile.badges.newsPublisher).toBeNull();
    // An expired licence can still be revoked (for the record).
    expect((await call(`/v1/publishers/${granted.id}/revoke`, { role: "operator", body: { reason: "expired anyway" } })).status).toBe(200);
  }, 30_000);

  it("refuses to revoke twice", async () => {
    const { id } = await verifiedAccount();
    const granted = (await (await call("/v1/publishers", { role: "operator", body: licence(id) })).json()) as any;
    expect((await call(`/v1/publishers/${granted.id}/revoke`, { role: "operator", body: { reason: "revoked now" } })).status).toBe(200);
    expect((await problem(await call(`/v1/publishers/${granted.id}/revoke`, { role: "operator", body: { reason: "revoked again" } }))).code).toBe("licence_already_revoked");
    expect((await problem(await call(`/v1/publishers/lic_missing000000/revoke`, { role: "operator", body: { reason: "nothing" } }))).code).toBe("licence_not_found");
  });
});

describe("stale unverified registrations", () => {
  it("release identity and phone to a newer registration after the TTL, and only then", async () => {
    const documentNumber = residentId("350102", "19720101", "909");
    const squatter = await register(registration({ documentNumber }));
    const fresh = registration({ documentNumber, phone: squatter.body.phone });
    expect((await problem(await call("/v1/accounts", { role: "app", body: fresh }))).code).toBe("phone_taken");
    await testEnv.DB.prepare("UPDATE accounts SET created_at = ? WHERE id = ?").bind(Date.now() - 25 * 3_600_000, squatter.id).run();
    const res = await call("/v1/accounts", { role: "app", body: fresh });
    expect(res.status).toBe(201);
    expect(((await (await call(`/v1/accounts/${squatter.id}`, { role: "operator" })).json()) as any).status).toBe("closed");
    const audit = await testEnv.DB.prepare("SELECT actor_role, action FROM audit_log WHERE subject_id = ? AND action = 'account.expired_unverified'").bind(squatter.id).first();
    expect(audit).toEqual({ actor_role: "system", action: "account.expired_unverified" });
  });

  it("never expire an account that verified its phone", async () => {
    const documentNumber = residentId("350102", "19720101", "910");
    const { id, body } = await register(registration({ documentNumber }));
    await call(`/v1/accounts/${id}/phone/verify`, { role: "app", body: { code: await latestCode(body.phone) } });
    await testEnv.DB.prepare("UPDATE accounts SET created_at = ? WHERE id = ?").bind(Date.now() - 48 * 3_600_000, id).run();
    expect((await problem(await call("/v1/accounts", { role: "app", body: registration({ documentNumber }) }))).code).toBe("identity_limit");
  });
});
