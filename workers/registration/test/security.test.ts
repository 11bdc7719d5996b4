import { describe, expect, it, vi } from "vitest";
import { buildApp } from "../src/app";
import { call, caller, latestCode, problem, register, registration, residentId, testEnv, verifiedAccount } from "./helpers";

type Role = "app" | "operator" | "admin" | undefined;
const ROLES: Role[] = [undefined, "app", "operator", "admin"];

describe("role matrix", () => {
  const id = "acc_0000000000000000";
  const lic = "lic_0000000000000000";
  const matrix: [string, string, Role[], unknown?][] = [
    ["POST", "/v1/accounts", ["app"], registration()],
    ["GET", `/v1/accounts/${id}`, ["app", "operator", "admin"]],
    ["GET", "/v1/accounts", ["operator", "admin"]],
    ["POST", `/v1/accounts/${id}/phone/verify`, ["app"], { code: "123456" }],
    ["POST", `/v1/accounts/${id}/phone/resend`, ["app"]],
    ["POST", `/v1/accounts/${id}/review`, ["operator", "admin"], { decision: "approve", reason: "ok ok" }],
    ["POST", `/v1/accounts/${id}/identity/reveal`, ["operator", "admin"], { reason: "investigation 12" }],
    ["DELETE", `/v1/accounts/${id}/identity`, ["operator", "admin"], { reason: "erasure" }],
    ["POST", `/v1/accounts/${id}/actions`, ["operator", "admin"], { action: "warn", reason: "spam" }],
    ["POST", "/v1/accounts/actions/bulk", ["operator", "admin"], { action: "warn", reason: "spam", accountIds: [id] }],
    ["POST", "/v1/accounts/vault/rotate", ["admin"], {}],
    ["POST", "/v1/publishers", ["operator", "admin"], { accountId: id, scope: ["political_news"], licenceNumber: "L", issuer: "I", expiresAt: "2099-01-01T00:00:00Z" }],
    ["GET", "/v1/publishers", ["operator", "admin"]],
    ["POST", `/v1/publishers/${lic}/revoke`, ["operator", "admin"], { reason: "revoke" }],
    ["GET", `/v1/publishers/${lic}/history`, ["operator", "admin"]],
    ["POST", "/v1/dev/sms", ["admin"], { phone: "+8613800138000" }],
    ["GET", "/v1/public/accounts/nobody", [undefined, "app", "operator", "admin"]],
  ];
  const cases = matrix.flatMap(([method, path, allowed, body]) => ROLES.map((role) => [method, path, role ?? "anonymous", allowed.includes(role), body] as const));
  it.each(cases)("%s %s as %s → allowed=%s", async (method, path, roleName, allowed, body) => {
    const role = roleName === "anonymous" ? undefined : (roleName as Role);
    const res = await call(path, { method, role, body });
    if (allowed) expect([401, 403]).not.toContain(res.status);
    else {
      expect(res.status).toBe(role ? 403 : 401);
      expect((await problem(res)).code).toBe(role ? "forbidden_role" : "missing_credentials");
    }
  });

  it("webhooks need no key but a signature", async () => {
    const res = await call("/v1/webhooks/identity", { body: { eventId: "e", checkId: "c", reference: "r", result: "match" } });
    expect((await problem(res)).code).toBe("webhook_signature_missing");
  });
});

describe("no plaintext personal data at rest or in logs", () => {
  it("keeps names, document numbers and phones out of every D1 row and every log line", async () => {
    const lines: string[] = [];
    const spies = (["log", "info", "warn", "error", "debug"] as const).map((m) =>
      vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(" "));
      }),
    );
    const people = [
      registration({ name: "赵敏", documentNumber: residentId("330106", "19880808", "246"), phone: "+8613711112222" }),
      registration({ name: "Zhou Zhiruo", documentType: "passport", documentNumber: "EA7654321", phone: "+8613633334444" }),
      registration({ name: "周芷若", documentType: "mainland_travel_permit", documentNumber: "H87654321", phone: "+8613555556666" }),
    ];
    try {
      const ids: string[] = [];
      for (const p of people) {
        const { id } = await register(p);
        ids.push(id);
        await call(`/v1/accounts/${id}/phone/verify`, { role: "app", body: { code: "000000" } });
        await call(`/v1/accounts/${id}/phone/verify`, { role: "app", body: { code: await latestCode(p.phone) } });
        await call(`/v1/accounts/${id}/review`, { role: "operator", body: { decision: "approve", reason: "checked" } });
        await call(`/v1/accounts/${id}/identity/reveal`, { role: "operator", body: { reason: "investigation 77" } });
        await call(`/v1/accounts/${id}`, { role: "app" });
      }
      // Failures too: duplicates and bad input.
      await call("/v1/accounts", { role: "app", body: people[0] });
      await call("/v1/accounts", { role: "app", body: { ...people[0], identity: { ...people[0]!.identity, documentNumber: people[0]!.identity.documentNumber.slice(0, 17) } } });
      await call(`/v1/accounts/${ids[1]}/identity`, { method: "DELETE", role: "operator", body: { reason: "erasure request" } });
      await call("/v1/dev/sms", { role: "admin", body: { phone: people[2]!.phone } });
    } finally {
      for (const s of spies) s.mockRestore();
    }

    const tables = await testEnv.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'").all<{ name: string }>();
    let dump = "";
    for (const { name } of tables.results) dump += JSON.stringify((await testEnv.DB.prepare(`SELECT * FROM "${name}"`).all()).results);
    expect(dump.length).toBeGreaterThan(1000);
    // Whole values and telling fragments: national number, last 8 digits, birth date + sequence of an id.
    const secrets = people.flatMap((p) => [
      p.identity.name,
      ...[p.identity.documentNumber, p.phone, p.phone.slice(3), p.phone.slice(-8), p.identity.documentNumber.slice(6, 17)].filter((s) => s.length >= 6),
    ]);
    expect(secrets).toContain("赵敏");
    const logs = lines.join("\n");
    expect(lines.length).toBeGreaterThan(10);
    for (const s of secrets) {
      expect(dump, `D1 holds ${s}`).not.toContain(s);
      expect(logs, `logs hold ${s}`).not.toContain(s);
    }
    // Masked forms are not stored either: they are computed from the decrypted fields.
    expect(dump).not.toContain("****");
  });
});

describe("public profile", () => {
  it("shows only handle, display name and badges", async () => {
    const { body } = await verifiedAccount(registration({ name: "欧阳锋", phone: "+8613888889999" }));
    const res = await call(`/v1/public/accounts/${body.handle}`);
    const text = await res.text();
    expect(Object.keys(JSON.parse(text)).sort()).toEqual(["badges", "displayName", "handle"]);
    for (const s of ["欧阳", "欧*", body.identity.documentNumber.slice(0, 6), "8889999", "+86", "identity", "acc_", "status", "document"]) expect(text).not.toContain(s);
  });

  it("does not exist for closed accounts and unknown handles alike", async () => {
    const { id, body } = await register();
    await call(`/v1/accounts/${id}/actions`, { role: "operator", body: { action: "close", reason: "closed by user" } });
    const closed = await problem(await call(`/v1/public/accounts/${body.handle}`));
    const unknown = await problem(await call("/v1/public/accounts/no_such_handle"));
    expect([closed.status, closed.code, closed.detail]).toEqual([unknown.status, unknown.code, unknown.detail]);
  });

  it("shows no verified badge before verification or while suspended", async () => {
    const { body } = await register();
    expect(((await (await call(`/v1/public/accounts/${body.handle}`)).json()) as any).badges).toEqual({ verified: false, newsPublisher: null });
    const v = await verifiedAccount();
    await call(`/v1/accounts/${v.id}/actions`, { role: "operator", body: { action: "suspend", reason: "abuse report" } });
    expect(((await (await call(`/v1/public/accounts/${v.body.handle}`)).json()) as any).badges.verified).toBe(false);
  });
});

describe("configuration", () => {
  it("has no /v1/dev routes when the HTTP SMS sender is configured", async () => {
    const prod = caller(buildApp({ devRoutes: false }), { SMS_SENDER: "http" });
    const res = await prod("/v1/dev/sms", { role: "admin", body: { phone: "+8613800138000" } });
    expect(res.status).toBe(404);
    expect((await problem(res)).code).toBe("route_not_found");
    const doc = (await (await prod("/openapi.json")).json()) as any;
    expect(Object.keys(doc.paths)).not.toContain("/v1/dev/sms");
    expect(Object.keys(doc.paths)).toContain("/v1/accounts");
  });

  it("answers 503, not 500, when the vault or SMS gateway is not configured", async () => {
    const noVault = caller(buildApp({ devRoutes: true }), { VAULT_MASTER_KEYS: undefined });
    const p = await problem(await noVault("/v1/accounts", { role: "app", body: registration() }));
    expect(p).toMatchObject({ status: 503, code: "vault_unavailable" });
    // Without gateway settings no account is created: nobody could verify its phone.
    const noSms = caller(buildApp({ devRoutes: false }), { SMS_SENDER: "http", SMS_GATEWAY_URL: undefined });
    const before = await testEnv.DB.prepare("SELECT COUNT(*) AS n FROM accounts").first<{ n: number }>();
    expect(await problem(await noSms("/v1/accounts", { role: "app", body: registration() }))).toMatchObject({ status: 503, code: "sms_unavailable" });
    expect(await testEnv.DB.prepare("SELECT COUNT(*) AS n FROM accounts").first<{ n: number }>()).toEqual(before);
  });

  it("sends codes through the HTTP SMS gateway when configured", async () => {
    const sent: any[] = [];
    const gateway = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = new Request(input, init);
      sent.push({ url: req.url, auth: req.headers.get("authorization"), body: await req.json() });
      return new Response(null, { status: 202 });
    }) as typeof fetch;
    const prod = caller(buildApp({ devRoutes: false, deps: { fetch: gateway } }), { SMS_SENDER: "http", SMS_GATEWAY_URL: "https://sms.test/send", SMS_GATEWAY_KEY: "sms-key" });
    const body = registration();
    const res = await prod("/v1/accounts", { role: "app", body });
    expect(((await res.json()) as any).phoneVerification).toEqual({ codeSent: true });
    expect(sent).toEqual([{ url: "https://sms.test/send", auth: "Bearer sms-key", body: { to: body.phone, body: expect.stringMatching(/\b\d{6}\b/) } }]);
    const code = /(\d{6})/.exec(sent[0].body.body)![1]!;
    expect((await prod(`/v1/accounts/${((await (await call(`/v1/accounts?status=pending_phone`, { role: "operator" })).json()) as any).accounts[0].id}/phone/verify`, { role: "app", body: { code } })).status).toBe(200);
  });
});
