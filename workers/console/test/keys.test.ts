import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../../pkg/ids";
import { db, get, post, session, signIn } from "./helpers";

const keyAudit = async (action: string, subject: string) =>
  ((await db().prepare("SELECT actor_key_id FROM audit_log WHERE action = ? AND subject_id = ?").bind(action, subject).all()).results as { actor_key_id: string }[]);

describe("keys page (admin)", () => {
  it("creates a key shown once, stored only as its hash, audited as the admin; the key signs in", async () => {
    const admin = await session("admin");
    const res = await post("/console/keys", { csrf: admin.csrf, name: "night shift", role: "operator", tier: "" }, admin.cookie);
    expect(res.status).toBe(200);
    const html = await res.text();
    const key = /id="new-key" readonly="" value="(gh_[A-Za-z0-9_-]{43})"/.exec(html)?.[1];
    expect(key).toBeDefined();
    const row = (await db().prepare("SELECT * FROM api_keys WHERE name = 'night shift'").first()) as Record<string, unknown>;
    expect(row.key_hash).toBe(await sha256Hex(key!));
    expect(row.limit_tier).toBe("standard");
    expect(JSON.stringify(row)).not.toContain(key);
    expect(await keyAudit("key.created", String(row.id))).toEqual([{ actor_key_id: admin.keyId }]);
    // Listed without the key; the next page load never shows it again.
    const list = await (await get("/console/keys", admin.cookie)).text();
    expect(list).toContain("night shift");
    expect(list).not.toContain(key);
    expect((await signIn(key!, "192.0.2.40")).res.status).toBe(303);
  });

  it("refuses a bad name with the field's message and creates nothing", async () => {
    const admin = await session("admin");
    const res = await post("/console/keys", { csrf: admin.csrf, name: "evil\u202Ename", role: "operator", tier: "" }, admin.cookie);
    expect(await res.text()).toContain("validation_failed");
    expect((await db().prepare("SELECT count(*) AS n FROM api_keys WHERE name LIKE 'evil%'").first<{ n: number }>())!.n).toBe(0);
  });

  it("revoking a key ends its console sessions at once; 20 revocations at once are one revocation and one audit entry", async () => {
    const admin = await session("admin");
    const victim = await session("operator");
    expect((await get("/console/queue", victim.cookie)).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(`/console/keys/${victim.keyId}/revoke`, { csrf: admin.csrf }, admin.cookie)));
    for (const r of answers) expect(r.status).toBe(303);
    expect(await keyAudit("key.revoked", victim.keyId)).toEqual([{ actor_key_id: admin.keyId }]);
    expect((await get("/console/queue", victim.cookie)).status).toBe(303);
  });

  it("changes a key's tier through pkg/api-keys (the gateway's PATCH): 20 changes at once are one change and one audit entry; revoked keys and bad tiers refused", async () => {
    const admin = await session("admin");
    const target = await session("operator");
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(`/console/keys/${target.keyId}/tier`, { csrf: admin.csrf, tier: "unlimited", reason: "bulk import" }, admin.cookie)));
    for (const r of answers) expect(r.status).toBe(303);
    expect((await db().prepare("SELECT limit_tier FROM api_keys WHERE id = ?").bind(target.keyId).first<{ limit_tier: string }>())!.limit_tier).toBe("unlimited");
    const audit = (await db().prepare("SELECT actor_key_id, reason, details FROM audit_log WHERE action = 'key.tier_changed' AND subject_id = ?").bind(target.keyId).all()).results;
    expect(audit).toEqual([{ actor_key_id: admin.keyId, reason: "bulk import", details: JSON.stringify({ from: "standard", to: "unlimited" }) }]);

    const bad = await post(`/console/keys/${target.keyId}/tier`, { csrf: admin.csrf, tier: "infinite" }, admin.cookie);
    expect(await (await get("/console/keys", `${admin.cookie}; ${bad.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ")}`)).text()).toContain("validation_failed");
    await post(`/console/keys/${target.keyId}/revoke`, { csrf: admin.csrf }, admin.cookie);
    const revoked = await post(`/console/keys/${target.keyId}/tier`, { csrf: admin.csrf, tier: "high" }, admin.cookie);
    expect(await (await get("/console/keys", `${admin.cookie}; ${revoked.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ")}`)).text()).toContain("key_revoked");
    expect((await db().prepare("SELECT limit_tier FROM api_keys WHERE id = ?").bind(target.keyId).first<{ limit_tier: string }>())!.limit_tier).toBe("unlimited");
  });

  it("is refused to operators, and needs the session's CSRF token", async () => {
    const operator = await session("operator");
    expect((await get("/console/keys", operator.cookie)).status).toBe(403);
    const admin = await session("admin");
    expect((await post("/console/keys", { name: "x1", role: "admin" }, admin.cookie)).status).toBe(403);
    expect((await post("/console/keys", { csrf: operator.csrf, name: "x2", role: "admin" }, operator.cookie)).status).toBe(403);
    expect((await db().prepare("SELECT count(*) AS n FROM api_keys WHERE name IN ('x1', 'x2')").first<{ n: number }>())!.n).toBe(0);
  });
});
