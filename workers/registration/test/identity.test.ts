import { describe, expect, it } from "vitest";
import { buildApp } from "../src/app";
import { signWebhook } from "../src/identity-verifier";
import { call, caller, latestCode, problem, register, registration, residentId, testEnv, verifiedAccount } from "./helpers";

describe("reveal", () => {
  it("returns the plaintext to an operator with a reason, audited before it is returned", async () => {
    const body = registration({ name: "李四", documentNumber: residentId("510107", "19960229", "111"), phone: "+8613912345678" });
    const { id } = await register(body);
    const res = await call(`/v1/accounts/${id}/identity/reveal`, { role: "operator", body: { reason: "court order 2026-114" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ id, documentType: "cn_resident_id", name: "李四", documentNumber: body.identity.documentNumber, phone: "+8613912345678" });
    const audit = await testEnv.DB.prepare("SELECT actor_role, reason, details FROM audit_log WHERE subject_id = ? AND action = 'identity.revealed'").bind(id).first();
    expect(audit).toEqual({ actor_role: "operator", reason: "court order 2026-114", details: JSON.stringify({ fields: ["name", "documentNumber", "phone"] }) });
  });
});

describe("erasure (crypto-shredding)", () => {
  it("destroys the data key: masked forms and reveal become unavailable, the identity and phone are freed", async () => {
    const body = registration();
    const { id } = await register(body);
    const before = await testEnv.DB.prepare("SELECT * FROM identity_vault WHERE account_id = ?").bind(id).first<Record<string, unknown>>();
    const res = await call(`/v1/accounts/${id}/identity`, { method: "DELETE", role: "operator", body: { reason: "user erasure request" } });
    expect(await res.json()).toEqual({ id, status: "closed", erased: true });

    const after = await testEnv.DB.prepare("SELECT * FROM identity_vault WHERE account_id = ?").bind(id).first<Record<string, unknown>>();
    expect(after).toMatchObject({ wrapped_key: null, kid: null, name_ct: null, document_ct: null, phone_ct: null, phone_bidx: null });
    expect(after!.erased_at).toEqual(expect.any(Number));
    expect(before!.wrapped_key).toEqual(expect.any(String));

    const view = (await (await call(`/v1/accounts/${id}`, { role: "operator" })).json()) as any;
    expect(view.identity).toEqual({ documentType: "cn_resident_id", name: null, documentNumber: null, phone: null, erased: true });
    expect((await problem(await call(`/v1/accounts/${id}/identity/reveal`, { role: "operator", body: { reason: "after erasure" } }))).code).toBe("identity_erased");
    expect((await problem(await call(`/v1/accounts/${id}/identity`, { method: "DELETE", role: "operator", body: { reason: "again" } }))).code).toBe("identity_already_erased");

    // A copy of the old row (as D1 Time Travel would keep) is useless without the key: the same identity and phone register afresh.
    expect((await call("/v1/accounts", { role: "app", body: registration({ documentNumber: body.identity.documentNumber, phone: body.phone }) })).status).toBe(201);
    const audit = await testEnv.DB.prepare("SELECT action FROM audit_log WHERE subject_id = ? AND action = 'identity.erased'").bind(id).all();
    expect(audit.results).toHaveLength(1);
  });
});

describe("key rotation", () => {
  it("re-wraps every data key under the new master key in resumable batches", async () => {
    const b64 = (byte: number) => btoa(String.fromCharCode(...new Uint8Array(32).fill(byte)));
    // Accounts registered by other tests of this file use the configured test keys.
    const existing = JSON.parse(testEnv.VAULT_MASTER_KEYS!) as Record<string, string>;
    const k1 = { VAULT_MASTER_KEYS: JSON.stringify({ ...existing, r1: b64(7) }), VAULT_ACTIVE_KID: "r1" };
    const both = { VAULT_MASTER_KEYS: JSON.stringify({ ...existing, r1: b64(7), r2: b64(8) }), VAULT_ACTIVE_KID: "r2" };
    const only2 = { VAULT_MASTER_KEYS: JSON.stringify({ r2: b64(8) }), VAULT_ACTIVE_KID: "r2" };
    const app = buildApp({ devRoutes: true });
    const old = caller(app, k1);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await old("/v1/accounts", { role: "app", body: registration() });
      ids.push(((await res.json()) as any).account.id);
    }
    const rotating = caller(app, both);
    const first = (await (await rotating("/v1/accounts/vault/rotate", { role: "admin", body: { batchSize: 3 } })).json()) as any;
    expect(first, JSON.stringify(first)).toMatchObject({ activeKid: "r2", rewrapped: 3, done: false });
    let next = (await (await rotating("/v1/accounts/vault/rotate", { role: "admin", body: { batchSize: 100 } })).json()) as any;
    while (!next.done) next = (await (await rotating("/v1/accounts/vault/rotate", { role: "admin", body: { batchSize: 100 } })).json()) as any;
    const kids = await testEnv.DB.prepare("SELECT DISTINCT kid FROM identity_vault WHERE wrapped_key IS NOT NULL").all();
    expect(kids.results).toEqual([{ kid: "r2" }]);
    // The old master key is gone; every identity still decrypts.
    const after = caller(app, only2);
    for (const id of ids) {
      const v = (await (await after(`/v1/accounts/${id}`, { role: "operator" })).json()) as any;
      expect(v.identity.name).toBe("张**");
    }
    expect((await problem(await old("/v1/accounts/vault/rotate", { role: "operator", body: {} }))).status).toBe(403);
    // Nothing left: a call without a body is a no-op that says so.
    expect(await (await after("/v1/accounts/vault/rotate", { role: "admin", method: "POST" })).json()).toEqual({ activeKid: "r2", rewrapped: 0, remaining: 0, done: true });
  });
});

describe("identity provider (HTTP adapter against a test double, webhook)", () => {
  const secret = testEnv.IDV_WEBHOOK_SECRET!;
  const checks: any[] = [];
  const provider = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    if (req.url !== "https://idv.test/checks") return new Response("", { status: 404 });
    checks.push(await req.json());
    return Response.json({ id: `chk_${checks.length}` });
  }) as typeof fetch;
  const app = buildApp({ devRoutes: true, deps: { fetch: provider } });
  const http = caller(app, { IDENTITY_VERIFIER: "http", IDV_URL: "https://idv.test/checks", IDV_KEY: "idv-test-key" });
  const webhook = async (event: object, sign = true) => {
    const raw = JSON.stringify(event);
    const headers: Record<string, string> = sign ? { "x-idv-signature": await signWebhook(secret, raw, Math.floor(Date.now() / 1000)) } : {};
    return call("/v1/webhooks/identity", { rawBody: raw, headers });
  };

  async function submitted(body = registration()) {
    const res = await http("/v1/accounts", { role: "app", body });
    const id = ((await res.json()) as any).account.id as string;
    const v = await http(`/v1/accounts/${id}/phone/verify`, { role: "app", body: { code: await latestCode(body.phone) } });
    expect(await v.json()).toEqual({ id, status: "pending_identity" });
    return { id, checkId: `chk_${checks.length}` };
  }

  it("sends name and number to the provider and verifies on a signed match", async () => {
    const body = registration({ name: "王五" });
    const { id, checkId } = await submitted(body);
    expect(checks.at(-1)).toEqual({ reference: id, name: "王五", documentType: "cn_resident_id", documentNumber: body.identity.documentNumber });
    const res = await webhook({ eventId: "evt_1", checkId, reference: id, result: "match" });
    expect(await res.json()).toEqual({ eventId: "evt_1", outcome: "verified" });
    expect(((await (await call(`/v1/accounts/${id}`, { role: "app" })).json()) as any).status).toBe("verified");
    // The same event again is a no-op.
    expect(await (await webhook({ eventId: "evt_1", checkId, reference: id, result: "match" })).json()).toEqual({ eventId: "evt_1", outcome: "duplicate" });
    const audit = await testEnv.DB.prepare("SELECT actor_role, actor_key_id FROM audit_log WHERE subject_id = ? AND action = 'identity.provider_matched'").bind(id).all();
    expect(audit.results).toEqual([{ actor_role: "system", actor_key_id: "identity-provider" }]);
  });

  it("de-duplicates concurrent deliveries of one event", async () => {
    const { id, checkId } = await submitted();
    const results = await Promise.all([1, 2, 3].map(() => webhook({ eventId: "evt_dup", checkId, reference: id, result: "match" })));
    const outcomes = await Promise.all(results.map(async (r) => ((await r.json()) as any).outcome));
    expect(outcomes.sort()).toEqual(["duplicate", "duplicate", "verified"]);
    expect(await testEnv.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE subject_id = ? AND action = 'identity.provider_matched'").bind(id).first()).toEqual({ n: 1 });
  });

  it("sends a no-match to manual review; ignores unknown and superseded checks", async () => {
    const { id, checkId } = await submitted();
    expect(await (await webhook({ eventId: "evt_nm", checkId, reference: id, result: "no_match" })).json()).toEqual({ eventId: "evt_nm", outcome: "under_review" });
    const q = await testEnv.DB.prepare("SELECT reason_code FROM review_queue WHERE subject_id = ?").bind(id).first();
    expect(q).toEqual({ reason_code: "provider_no_match" });
    expect(await (await webhook({ eventId: "evt_x", checkId: "chk_other", reference: id, result: "match" })).json()).toEqual({ eventId: "evt_x", outcome: "ignored" });
    expect(await (await webhook({ eventId: "evt_y", checkId: "chk_1", reference: "acc_nobody", result: "match" })).json()).toEqual({ eventId: "evt_y", outcome: "ignored" });
  });

  it("rejects unsigned, tampered and stale deliveries before reading them", async () => {
    const { id, checkId } = await submitted();
    const event = { eventId: "evt_sig", checkId, reference: id, result: "match" };
    expect((await problem(await webhook(event, false))).code).toBe("webhook_signature_missing");
    const raw = JSON.stringify(event);
    const sig = await signWebhook(secret, raw, Math.floor(Date.now() / 1000));
    const tampered = await call("/v1/webhooks/identity", { rawBody: raw.replace("match", "hatch"), headers: { "x-idv-signature": sig } });
    expect(tampered.status).toBe(401);
    expect((await problem(tampered)).code).toBe("webhook_signature_invalid");
    const stale = await call("/v1/webhooks/identity", { rawBody: raw, headers: { "x-idv-signature": await signWebhook(secret, raw, Math.floor(Date.now() / 1000) - 600) } });
    expect((await problem(stale)).code).toBe("webhook_timestamp_stale");
    // Signed but malformed: validated after the signature.
    const bad = JSON.stringify({ eventId: "e" });
    const malformed = await call("/v1/webhooks/identity", { rawBody: bad, headers: { "x-idv-signature": await signWebhook(secret, bad, Math.floor(Date.now() / 1000)) } });
    expect((await problem(malformed)).status).toBe(422);
    expect(((await (await call(`/v1/accounts/${id}`, { role: "app" })).json()) as any).status).toBe("pending_identity");
  });

  it("falls back to manual review when the provider is down, and always for passports", async () => {
    const down = caller(buildApp({ devRoutes: true, deps: { fetch: (async () => new Response("", { status: 503 })) as typeof fetch } }), {
      IDENTITY_VERIFIER: "http",
      IDV_URL: "https://idv.test/checks",
      IDV_KEY: "k",
    });
    const body = registration();
    const id = ((await (await down("/v1/accounts", { role: "app", body })).json()) as any).account.id;
    expect(await (await down(`/v1/accounts/${id}/phone/verify`, { role: "app", body: { code: await latestCode(body.phone) } })).json()).toEqual({ id, status: "under_review" });
    const passport = registration({ documentType: "passport", documentNumber: "E98765432" });
    const before = checks.length;
    const pid = ((await (await http("/v1/accounts", { role: "app", body: passport })).json()) as any).account.id;
    expect(await (await http(`/v1/accounts/${pid}/phone/verify`, { role: "app", body: { code: await latestCode(passport.phone) } })).json()).toEqual({ id: pid, status: "under_review" });
    expect(checks.length).toBe(before);
  });
});
