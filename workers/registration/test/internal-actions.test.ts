import { describe, expect, it } from "vitest";
import { call, problem, testEnv, verifiedAccount } from "./helpers";

/** Registration's account actions for moderation's decisions: the same code as /v1/accounts/{id}/actions, made idempotent by a key. */
const apply = (id: string, body: Record<string, unknown>) =>
  call(`/internal/accounts/${id}/actions`, { body: { reason: "decision on a review item", actor: { keyId: "key_mod1", role: "operator" }, ...body } });

async function accountRow(id: string) {
  return testEnv.DB.prepare("SELECT a.status, s.warning_count, s.status_before_suspension FROM accounts a LEFT JOIN account_state s ON s.account_id = a.id WHERE a.id = ?")
    .bind(id)
    .first<{ status: string; warning_count: number | null; status_before_suspension: string | null }>();
}
const audits = async (id: string) =>
  (await testEnv.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE subject_id = ? AND action IN ('account.warn', 'account.suspend', 'account.restore', 'account.close')").bind(id).first<{ n: number }>())!.n;

describe("internal account actions (for moderation)", () => {
  it("applies an action once per idempotency key, however often and concurrently it is asked", async () => {
    const { id } = await verifiedAccount();
    const results = await Promise.all(Array.from({ length: 20 }, () => apply(id, { action: "warn", idempotencyKey: "dcs_warnonce0001", details: { decisionId: "dcs_warnonce0001" } })));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    const bodies = (await Promise.all(results.map((r) => r.json()))) as { status: string; replayed: boolean }[];
    expect(bodies.filter((b) => !b.replayed)).toHaveLength(1);
    expect(new Set(bodies.map((b) => b.status))).toEqual(new Set(["verified"]));
    expect((await accountRow(id))!.warning_count).toBe(1);
    expect(await audits(id)).toBe(1);
    const entry = await testEnv.DB.prepare("SELECT id, actor_key_id, details FROM audit_log WHERE subject_id = ? AND action = 'account.warn'").bind(id).first<{ id: string; actor_key_id: string; details: string }>();
    expect(entry).toMatchObject({ id: "aud_dcs_warnonce0001", actor_key_id: "key_mod1" });
    expect(JSON.parse(entry!.details)).toMatchObject({ decisionId: "dcs_warnonce0001", from: "verified", to: "verified" });
  });

  it("suspends and restores with separate keys; a replay answers the first result after the status moved on", async () => {
    const { id } = await verifiedAccount();
    expect(await (await apply(id, { action: "suspend", idempotencyKey: "dcs_suspend00001" })).json()).toMatchObject({ ok: true, status: "suspended", replayed: false });
    expect(await (await apply(id, { action: "restore", idempotencyKey: "lift_dcs_suspend00001", actor: { keyId: "suspension-expiry", role: "system" } })).json()).toMatchObject({ status: "verified" });
    // The suspension's key again: no second suspension, the first answer.
    expect(await (await apply(id, { action: "suspend", idempotencyKey: "dcs_suspend00001" })).json()).toMatchObject({ status: "suspended", replayed: true });
    expect((await accountRow(id))!.status).toBe("verified");
  });

  it("refuses what the state machine refuses, a reused key and malformed calls, writing nothing", async () => {
    const { id } = await verifiedAccount();
    const restore = await apply(id, { action: "restore", idempotencyKey: "dcs_restore00001" });
    expect(restore.status).toBe(409);
    expect(await problem(restore)).toMatchObject({ code: "invalid_transition", accountStatus: "verified" });
    expect((await apply(id, { action: "warn", idempotencyKey: "dcs_reused000001" })).status).toBe(200);
    const reused = await apply(id, { action: "close", idempotencyKey: "dcs_reused000001" });
    expect(reused.status).toBe(422);
    expect((await problem(reused)).code).toBe("idempotency_key_reused");
    const missing = await apply("acc_doesnotexist0", { action: "warn", idempotencyKey: "dcs_missing00001" });
    expect(missing.status).toBe(404);
    expect((await problem(missing)).code).toBe("account_not_found");
    const bad = await apply(id, { action: "ban", idempotencyKey: "X", actor: { keyId: "k", role: "app" } });
    expect(bad.status).toBe(422);
    expect((await problem(bad)).errors!.map((e) => e.field).sort()).toEqual(["action", "actor.role", "idempotencyKey"]);
    expect((await accountRow(id))!.status).toBe("verified");
    expect(await audits(id)).toBe(1);
  });

  it("plans actions for many accounts without acting", async () => {
    const { id } = await verifiedAccount();
    const res = await call("/internal/accounts/actions/plan", { body: { action: "restore", accountIds: [id, "acc_doesnotexist0"] } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { results: unknown[] }).results).toEqual([
      expect.objectContaining({ accountId: id, ok: false, code: "invalid_transition", accountStatus: "verified" }),
      expect.objectContaining({ accountId: "acc_doesnotexist0", ok: false, code: "account_not_found" }),
    ]);
    expect(await audits(id)).toBe(0);
  });

  it("is not part of the public API document", async () => {
    const doc = (await (await call("/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).some((p) => p.startsWith("/internal"))).toBe(false);
  });
});
