import { describe, expect, it } from "vitest";
import { call, latestCode, problem, register, registration, residentId, testEnv, verifiedAccount } from "./helpers";

// The guards and the identity-slot insert run in one runAtomic batch (pkg/batch.ts): when one
// fails, nothing of its request is written. Each case fires the same change 20 times at once.
const n = async (sql: string, ...binds: unknown[]) => (await testEnv.DB.prepare(sql).bind(...binds).first<{ n: number }>())!.n;
const codeOf = async (r: Response) => (r.ok ? r.status : (await problem(r)).code);

describe("all-or-nothing under concurrency", () => {
  it("20 concurrent registrations of one identity: one account, 19 identity_limit, no partial rows", async () => {
    const documentNumber = residentId("510104", "19790909", "318");
    const before = await Promise.all(["accounts", "identity_vault", "account_state", "audit_log"].map((t) => n(`SELECT COUNT(*) AS n FROM ${t}`)));
    const results = await Promise.all(Array.from({ length: 20 }, () => call("/v1/accounts", { role: "app", body: registration({ documentNumber }) })));
    const codes = await Promise.all(results.map(codeOf));
    expect(codes.filter((c) => c === 201)).toHaveLength(1);
    expect(codes.filter((c) => c === "identity_limit")).toHaveLength(19);
    const after = await Promise.all(["accounts", "identity_vault", "account_state", "audit_log"].map((t) => n(`SELECT COUNT(*) AS n FROM ${t}`)));
    expect(after).toEqual(before.map((x) => x + 1));
  });

  it("20 concurrent suspensions of one account: one applies, one audit entry", async () => {
    const { id } = await verifiedAccount();
    const results = await Promise.all(Array.from({ length: 20 }, () => call(`/v1/accounts/${id}/actions`, { role: "operator", body: { action: "suspend", reason: "abuse wave" } })));
    const codes = await Promise.all(results.map(codeOf));
    expect(codes.filter((c) => c === 200)).toHaveLength(1);
    expect(codes.every((c) => c === 200 || c === "invalid_transition" || c === "concurrent_change")).toBe(true);
    expect(await n("SELECT COUNT(*) AS n FROM audit_log WHERE subject_id = ? AND action = 'account.suspend'", id)).toBe(1);
    expect(await n("SELECT COUNT(*) AS n FROM account_state WHERE account_id = ? AND status_before_suspension = 'verified'", id)).toBe(1);
  });

  it("20 concurrent verifications with the right code: the code works once", async () => {
    const { id, body } = await register(registration());
    const code = await latestCode(body.phone);
    const results = await Promise.all(Array.from({ length: 20 }, () => call(`/v1/accounts/${id}/phone/verify`, { role: "app", body: { code } })));
    const codes = await Promise.all(results.map(codeOf));
    expect(codes.filter((c) => c === 200)).toHaveLength(1);
    expect(codes.every((c) => c === 200 || c === "code_not_active" || c === "invalid_transition" || c === "concurrent_change")).toBe(true);
    expect(await n("SELECT COUNT(*) AS n FROM audit_log WHERE subject_id = ? AND action = 'account.phone_verified'", id)).toBe(1);
  });
});
