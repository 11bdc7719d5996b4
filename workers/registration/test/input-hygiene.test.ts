import { describe, expect, it } from "vitest";
import { call, problem, register, registration, testEnv, verifiedAccount } from "./helpers";

const count = async (sql: string, ...binds: unknown[]) => (await testEnv.DB.prepare(sql).bind(...binds).first<{ n: number }>())!.n;
const BIDI = "\u202E"; // RIGHT-TO-LEFT OVERRIDE
const ISOLATE = "\u2066"; // LEFT-TO-RIGHT ISOLATE

describe("free text hygiene", () => {
  it("refuses a lone surrogate in displayName (422 INVALID_TEXT) with every other field error, and writes nothing", async () => {
    const before = await count("SELECT COUNT(*) AS n FROM accounts");
    const lone = await problem(await call("/v1/accounts", { role: "app", body: registration({ displayName: "Daily \ud800 News" }) }));
    expect(lone.status).toBe(422);
    expect(lone.errors).toEqual([{ field: "displayName", code: "INVALID_TEXT", message: expect.any(String) }]);
    // Still all errors at once.
    const both = await problem(await call("/v1/accounts", { role: "app", body: registration({ displayName: `A${BIDI}B`, phone: "+861" }) }));
    expect(both.errors!.map((e) => [e.field, e.code])).toEqual([
      ["displayName", "INVALID_TEXT"],
      ["phone", expect.any(String)],
    ]);
    expect(await count("SELECT COUNT(*) AS n FROM accounts")).toBe(before);
    expect(await count("SELECT COUNT(*) AS n FROM accounts WHERE display_name LIKE ?", "%\uFFFD%")).toBe(0);
  });

  it("refuses bidi overrides and controls in reasons of actions, reviews, reveals, erasures and revocations, changing nothing", async () => {
    const { id } = await verifiedAccount();
    const pending = await register();
    const granted = (await (
      await call("/v1/publishers", {
        role: "operator",
        body: { accountId: id, scope: ["political_news"], licenceNumber: "L-HYG", issuer: "CAC", expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
      })
    ).json()) as any;
    const audits = await count("SELECT COUNT(*) AS n FROM audit_log");
    const cases: [string, string, Record<string, unknown>][] = [
      ["POST", `/v1/accounts/${id}/actions`, { action: "suspend", reason: `spam ${BIDI}txt.exe` }],
      ["POST", "/v1/accounts/actions/bulk", { action: "warn", reason: `spam ${ISOLATE}wave`, accountIds: [id] }],
      ["POST", `/v1/accounts/${pending.id}/review`, { decision: "reject", reason: "bad\u0000photo" }],
      ["POST", `/v1/accounts/${id}/identity/reveal`, { reason: `court order ${BIDI}2026-114` }],
      ["DELETE", `/v1/accounts/${id}/identity`, { reason: `erasure \ud83d request` }],
      ["POST", `/v1/publishers/${granted.id}/revoke`, { reason: `withdrawn ${BIDI}` }],
    ];
    for (const [method, path, body] of cases) {
      const p = await problem(await call(path, { method, role: "operator", body }));
      expect([path, p.status, p.errors]).toEqual([path, 422, [{ field: "reason", code: "INVALID_TEXT", message: expect.any(String) }]]);
    }
    expect(await count("SELECT COUNT(*) AS n FROM audit_log")).toBe(audits);
    expect(((await (await call(`/v1/accounts/${id}`, { role: "operator" })).json()) as any).status).toBe("verified");
    expect(await count("SELECT COUNT(*) AS n FROM publisher_licences WHERE id = ? AND revoked_at IS NULL", granted.id)).toBe(1);
  });

  it("allows line breaks in reasons but not in licence numbers or issuers", async () => {
    const { id } = await verifiedAccount();
    const warn = await call(`/v1/accounts/${id}/actions`, { role: "operator", body: { action: "warn", reason: "report 1\nreport 2" } });
    expect(warn.status).toBe(200);
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const p = await problem(
      await call("/v1/publishers", { role: "operator", body: { accountId: id, scope: ["political_news"], licenceNumber: `101${BIDI}20`, issuer: "CAC\nfake", expiresAt } }),
    );
    expect(p.errors!.map((e) => [e.field, e.code])).toEqual([
      ["licenceNumber", "INVALID_TEXT"],
      ["issuer", "INVALID_TEXT"],
    ]);
    expect(await count("SELECT COUNT(*) AS n FROM publisher_licences WHERE account_id = ?", id)).toBe(0);
  });
});
