/** Events (pkg/outbox.ts) written with registration's changes: account.status_changed, publisher.licence_changed, review.opened/decided of identity review. */
import { describe, expect, it } from "vitest";
import { eventsOf } from "../../../test/support/events";
import { call, registration, testEnv, verifiedAccount } from "./helpers";

const DAY = 86_400_000;
const statusEvents = async (accountId: string) => (await eventsOf(testEnv.DB, "account.status_changed", accountId)).map((e) => e.payload);
const apply = (id: string, body: Record<string, unknown>) =>
  call(`/internal/accounts/${id}/actions`, { body: { reason: "decision on a review item", actor: { keyId: "key_mod1", role: "operator" }, ...body } });

describe("account.status_changed", () => {
  it("each step of registration writes one event with from/to and no identity data; identity review opens and decides its item with events", async () => {
    const body = registration();
    const { id } = await verifiedAccount(body);
    expect(await statusEvents(id)).toEqual([
      { accountId: id, from: "pending_phone", to: "pending_identity", event: "phone_verified", cause: "account.phone_verified" },
      { accountId: id, from: "pending_identity", to: "under_review", event: "to_review", cause: "identity.sent_to_review" },
      { accountId: id, from: "under_review", to: "verified", event: "approve", cause: "identity.approved" },
    ]);
    const all = JSON.stringify(await testEnv.DB.prepare("SELECT payload FROM event_outbox").all());
    for (const secret of [body.identity.name, body.identity.documentNumber, body.phone, body.phone.slice(3)]) expect(all).not.toContain(secret);
    const opened = (await eventsOf(testEnv.DB, "review.opened")).filter((e) => e.payload.subjectId === id);
    expect(opened).toHaveLength(1);
    expect(opened[0]!.payload).toMatchObject({ subjectType: "account", source: "registration" });
    expect(await eventsOf(testEnv.DB, "review.decided", opened[0]!.subjectId)).toMatchObject([{ payload: { reviewItemId: opened[0]!.subjectId, action: "approve", subjectId: id } }]);
    await expect.poll(async () => (await eventsOf(testEnv.DB, "account.status_changed", id)).every((e) => e.relayedAt !== null), { timeout: 5000 }).toBe(true);
  });

  it("operator actions: suspend and restore each write one; warn changes no status and writes none; a refused action (409) writes none", async () => {
    const { id } = await verifiedAccount();
    const before = (await statusEvents(id)).length;
    expect((await call(`/v1/accounts/${id}/actions`, { role: "operator", body: { action: "warn", reason: "first warning" } })).status).toBe(200);
    expect(await statusEvents(id)).toHaveLength(before);
    expect((await call(`/v1/accounts/${id}/actions`, { role: "operator", body: { action: "suspend", reason: "spam" } })).status).toBe(200);
    expect((await call(`/v1/accounts/${id}/actions`, { role: "operator", body: { action: "suspend", reason: "again" } })).status).toBe(409);
    expect((await call(`/v1/accounts/${id}/actions`, { role: "operator", body: { action: "restore", reason: "appeal" } })).status).toBe(200);
    expect((await statusEvents(id)).slice(before)).toEqual([
      { accountId: id, from: "verified", to: "suspended", event: "suspend", cause: "account.suspend" },
      { accountId: id, from: "suspended", to: "verified", event: "restore", cause: "account.restore" },
    ]);
  });

  it("bulk: one per changed account; 20 concurrent internal actions with one key write one, carrying the decision id", async () => {
    const a = await verifiedAccount();
    const b = await verifiedAccount();
    const bulk = await call("/v1/accounts/actions/bulk", { role: "operator", body: { action: "close", reason: "network", accountIds: [a.id, b.id, "acc_doesnotexist0"] } });
    expect(bulk.status).toBe(200);
    expect((await statusEvents(a.id)).at(-1)).toMatchObject({ to: "closed", event: "close" });
    expect((await statusEvents(b.id)).at(-1)).toMatchObject({ to: "closed", event: "close" });

    const { id } = await verifiedAccount();
    const before = (await statusEvents(id)).length;
    const results = await Promise.all(Array.from({ length: 20 }, () => apply(id, { action: "suspend", idempotencyKey: "dcs_evtsuspend01", details: { decisionId: "dcs_evtsuspend01" } })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect((await statusEvents(id)).slice(before)).toEqual([{ accountId: id, from: "verified", to: "suspended", event: "suspend", cause: "account.suspend", decisionId: "dcs_evtsuspend01" }]);
  });
});

describe("publisher.licence_changed", () => {
  it("a grant and a revoke each write one; 20 concurrent revokes write one; an ineligible grant (409) writes none", async () => {
    const { id } = await verifiedAccount();
    const expiresAt = new Date(Date.now() + 30 * DAY).toISOString();
    const res = await call("/v1/publishers", { role: "operator", body: { accountId: id, scope: ["political_news"], licenceNumber: "10120179901", issuer: "CAC", expiresAt } });
    expect(res.status).toBe(201);
    const licence = (await res.json()) as { id: string };
    // A retry of the same grant answers the licence and writes nothing new.
    expect((await call("/v1/publishers", { role: "operator", body: { accountId: id, scope: ["political_news"], licenceNumber: "10120179901", issuer: "CAC", expiresAt } })).status).toBe(200);
    const revokes = await Promise.all(Array.from({ length: 20 }, () => call(`/v1/publishers/${licence.id}/revoke`, { role: "operator", body: { reason: "licence withdrawn" } })));
    expect(revokes.filter((r) => r.status === 200)).toHaveLength(1);
    expect((await eventsOf(testEnv.DB, "publisher.licence_changed", licence.id)).map((e) => e.payload)).toEqual([
      { licenceId: licence.id, accountId: id, change: "granted", scope: ["political_news"], expiresAt },
      { licenceId: licence.id, accountId: id, change: "revoked" },
    ]);

    const personal = await verifiedAccount(registration({ kind: "personal" }));
    const count = async () => (await eventsOf(testEnv.DB, "publisher.licence_changed")).length;
    const n = await count();
    const refused = await call("/v1/publishers", { role: "operator", body: { accountId: personal.id, scope: ["political_news"], licenceNumber: "10120179902", issuer: "CAC", expiresAt } });
    expect(refused.status).toBe(409);
    expect(await count()).toBe(n);
  });
});
