import { describe, expect, it } from "vitest";
import { call, latestCode, register, registration, residentId, testEnv, verifiedAccount } from "./helpers";

describe("registration happy path", () => {
  it("registers, verifies the phone, goes to manual review, is approved and shows its badges", async () => {
    const body = registration({ name: "张三", documentNumber: "11010519491231002X", phone: "+8613800138000" });
    const res = await call("/v1/accounts", { role: "app", body });
    expect(res.status).toBe(201);
    const { account, phoneVerification } = (await res.json()) as any;
    expect(account.status).toBe("pending_phone");
    expect(account.identity).toEqual({ documentType: "cn_resident_id", name: "张*", documentNumber: "1101**********002X", phone: "+86 138****8000", erased: false });
    expect(phoneVerification).toEqual({ codeSent: true });

    const code = await latestCode(body.phone);
    const verify = await call(`/v1/accounts/${account.id}/phone/verify`, { role: "app", body: { code } });
    expect(verify.status).toBe(200);
    expect(await verify.json()).toEqual({ id: account.id, status: "under_review" });

    const queue = await testEnv.DB.prepare("SELECT source, reason_code, status FROM review_queue WHERE subject_id = ?").bind(account.id).first();
    expect(queue).toEqual({ source: "registration", reason_code: "manual_review", status: "open" });

    const review = await call(`/v1/accounts/${account.id}/review`, { role: "operator", body: { decision: "approve", reason: "documents match" } });
    expect(await review.json()).toEqual({ id: account.id, status: "verified" });
    const decided = await testEnv.DB.prepare("SELECT status, decision FROM review_queue WHERE subject_id = ?").bind(account.id).first();
    expect(decided).toEqual({ status: "decided", decision: "approve" });

    const get = await call(`/v1/accounts/${account.id}`, { role: "app" });
    const view = (await get.json()) as any;
    expect(view.status).toBe("verified");
    expect(view.verifiedAt).not.toBeNull();

    const profile = await call(`/v1/public/accounts/${body.handle.toUpperCase()}`);
    expect(await profile.json()).toEqual({ handle: body.handle, displayName: body.displayName, badges: { verified: true, newsPublisher: null } });

    const audit = await testEnv.DB.prepare("SELECT action FROM audit_log WHERE subject_id = ? ORDER BY at, rowid").bind(account.id).all();
    expect(audit.results.map((r) => r.action)).toEqual(["account.registered", "account.phone_verified", "identity.sent_to_review", "identity.approved"]);
  });

  it("upgrades a legacy 15-digit number and normalises full-width input to the same identity", async () => {
    // 110105491231003 is the 15-digit form of 11010519491231003 + check character.
    const full = residentId("110105", "19491231", "003");
    const legacy = await register(registration({ documentNumber: "110105491231003" }));
    expect(legacy.json.account.identity.documentNumber).toBe(`1101**********${full.slice(-4)}`);
    const fullWidth = Array.from(full, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0)).join("");
    const spaced = `${fullWidth.slice(0, 6)} ${fullWidth.slice(6, 14)}-${fullWidth.slice(14)}`.toLowerCase();
    const again = await call("/v1/accounts", { role: "app", body: registration({ documentNumber: spaced }) });
    expect(again.status).toBe(409);
    expect(((await again.json()) as any).code).toBe("identity_limit");
  });

  it("grants a news-publisher licence that shows on the public profile until revoked", async () => {
    const { id, body } = await verifiedAccount();
    const grant = await call("/v1/publishers", {
      role: "operator",
      body: { accountId: id, scope: ["political_news", "economic_news"], licenceNumber: "10120170001", issuer: "CAC", expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(grant.status).toBe(201);
    const licence = (await grant.json()) as any;
    expect(licence.active).toBe(true);
    let profile = (await (await call(`/v1/public/accounts/${body.handle}`)).json()) as any;
    expect(profile.badges.newsPublisher).toEqual({ scope: ["economic_news", "political_news"] });

    const revoke = await call(`/v1/publishers/${licence.id}/revoke`, { role: "operator", body: { reason: "licence withdrawn" } });
    expect(revoke.status).toBe(200);
    profile = (await (await call(`/v1/public/accounts/${body.handle}`)).json()) as any;
    expect(profile.badges.newsPublisher).toBeNull();

    const history = (await (await call(`/v1/publishers/${licence.id}/history`, { role: "operator" })).json()) as any;
    expect(history.events.map((e: any) => e.action)).toEqual(["publisher.licence_granted", "publisher.licence_revoked"]);
    const active = (await (await call(`/v1/publishers?accountId=${id}`, { role: "operator" })).json()) as any;
    expect(active.licences).toEqual([]);
    const all = (await (await call(`/v1/publishers?accountId=${id}&state=all`, { role: "operator" })).json()) as any;
    expect(all.licences).toHaveLength(1);
  });
});
