import { createExecutionContext, createMessageBatch, createScheduledController, env, getQueueResult } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { describe, expect, inject, it } from "vitest";
import { newId } from "../../../pkg/ids";
import { outboxStatement } from "../../../pkg/outbox";
import { runAtomic } from "../../../pkg/batch";
import { sealWebhookSecret, webhookKeys } from "../../../pkg/webhook-secrets";
import { backoffSeconds, deliver } from "../src/deliver";
import type { Env } from "../src/env";
import worker from "../src/index";
import { signedHeaders } from "../src/signing";

/**
 * The events worker in workerd against receivers on loopback (test/receiver-setup.ts). Messages
 * the worker sends to its own queues are consumed by it as in production, so waits poll D1.
 */
const testEnv = env as unknown as Env;
const receiver = (name: string, query = "") => `${inject("receiverUrl")}/${name}${query}`;
const SECRET = `whsec_${btoa(String.fromCharCode(...new Uint8Array(32).fill(7)))}`;

type Received = { headers: Record<string, string>; body: string; status: number }[];
async function received(name: string): Promise<Received> {
  return (await (await fetch(`${inject("receiverUrl")}/log/${name}`)).json()) as Received;
}

async function until<T>(probe: () => Promise<T | undefined | null | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** An endpoint row with SECRET sealed as moderation stores it (`storedSecret: "plain"`: as stored before sealing). */
async function endpoint(
  url: string,
  eventTypes: string[] = ["post.removed"],
  extra: { createdAt?: number; enabled?: boolean; failingSince?: number; storedSecret?: "sealed" | "plain" } = {},
): Promise<string> {
  const id = newId("whk");
  const at = extra.createdAt ?? Date.now() - 1000;
  const stored = extra.storedSecret === "plain" ? SECRET : await sealWebhookSecret(await webhookKeys(testEnv), id, SECRET);
  await testEnv.DB.batch([
    testEnv.DB.prepare(
      "INSERT INTO webhook_endpoints (id, url, event_types, enabled, failing_since, secret_version, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, 'key_test', ?, ?)",
    ).bind(id, url, JSON.stringify(eventTypes), extra.enabled === false ? 0 : 1, extra.failingSince ?? null, at, at),
    testEnv.DB.prepare("INSERT INTO webhook_secrets (id, endpoint_id, secret, created_at) VALUES (?, ?, ?, ?)").bind(newId("whs"), id, stored, at),
  ]);
  return id;
}

async function event(type: "post.removed" | "review.decided" = "post.removed", occurredAt = Date.now()): Promise<string> {
  const w = outboxStatement({ type, subject: { type: "post", id: "post-1" }, payload: { decisionId: "dcs_1" }, occurredAt }, "req-1");
  await runAtomic(testEnv.DB, [w.statement]);
  return w.id;
}

/** A delivery row written directly (no queue message): the test drives `deliver` itself. */
async function delivery(endpointId: string, eventId: string): Promise<string> {
  const id = newId("dlv");
  await testEnv.DB.prepare(
    "INSERT INTO webhook_deliveries (id, event_id, endpoint_id, event_type, status, attempts, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, 'post.removed', 'pending', 0, ?, ?, ?)",
  )
    .bind(id, eventId, endpointId, Date.now(), Date.now(), Date.now())
    .run();
  return id;
}

const row = <T>(q: string, ...binds: unknown[]) => testEnv.DB.prepare(q).bind(...binds).first<T>();

describe("signatures", () => {
  it("verify with the standardwebhooks package, one per live secret", async () => {
    const other = `whsec_${btoa("another secret of 32 bytes long!")}`;
    const body = JSON.stringify({ type: "post.removed" });
    const ts = Math.floor(Date.now() / 1000);
    const headers = await signedHeaders([SECRET, other], "evt_1", ts, body);
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=* v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(SECRET).verify(body, headers)).toEqual({ type: "post.removed" });
    expect(new Webhook(other).verify(body, headers)).toEqual({ type: "post.removed" });
    expect(() => new Webhook(`whsec_${btoa("x".repeat(32))}`).verify(body, headers)).toThrow();
    expect(() => new Webhook(SECRET).verify(body + " ", headers)).toThrow();
  });

  it("backs off exponentially up to the cap", () => {
    const s = { retryBaseSeconds: 30, retryCapSeconds: 21_600 };
    expect([1, 2, 3, 4, 10, 20].map((n) => backoffSeconds(n, s))).toEqual([30, 60, 120, 240, 15_360, 21_600]);
  });
});

describe("fan-out", () => {
  it("creates one delivery per subscribed endpoint however often and concurrently the event message arrives", async () => {
    const subscribed = await endpoint(receiver("fan-a"));
    const second = await endpoint(receiver("fan-b"), ["post.removed", "review.decided"]);
    const other = await endpoint(receiver("fan-c"), ["review.decided"]);
    const disabled = await endpoint(receiver("fan-d"), ["post.removed"], { enabled: false });
    const id = await event();
    const later = await endpoint(receiver("fan-e"), ["post.removed"], { createdAt: Date.now() + 5_000 });
    const batches = Array.from({ length: 5 }, (_, b) =>
      createMessageBatch("gatehouse-events", Array.from({ length: 10 }, (_, i) => ({ id: `m${b}-${i}`, timestamp: new Date(), attempts: 1, body: { kind: "event", eventId: id } }))),
    );
    const results = await Promise.all(
      batches.map(async (batch) => {
        const ctx = createExecutionContext();
        await worker.queue(batch as never, testEnv, ctx);
        return getQueueResult(batch, ctx);
      }),
    );
    for (const r of results) expect(r.explicitAcks).toHaveLength(10);
    const { results: rows } = await testEnv.DB.prepare("SELECT endpoint_id FROM webhook_deliveries WHERE event_id = ?").bind(id).all<{ endpoint_id: string }>();
    expect(rows.map((r) => r.endpoint_id).sort()).toEqual([subscribed, second].sort());
    for (const e of [other, disabled, later]) expect(rows.some((r) => r.endpoint_id === e)).toBe(false);
    // The queued delivery messages are consumed by this worker: each receiver gets the event once.
    await until(async () => (await received("fan-a")).length === 1 && (await received("fan-b")).length === 1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await received("fan-a")).toHaveLength(1);
    const [got] = await received("fan-b");
    expect(new Webhook(SECRET).verify(got!.body, got!.headers)).toMatchObject({ id, type: "post.removed", subject: { type: "post", id: "post-1" }, data: { decisionId: "dcs_1" } });
    expect(got!.headers["webhook-id"]).toBe(id);
  });
});

describe("delivery", () => {
  it("retries a failing receiver with backoff and logs every attempt; the success ends it", async () => {
    const ep = await endpoint(receiver("flaky", "?fail=2"));
    const d = await delivery(ep, await event());
    const first = await deliver(testEnv, d);
    expect(first).toEqual({ ack: false, delaySeconds: 1 });
    expect(await row<{ failing_since: number | null }>("SELECT failing_since FROM webhook_endpoints WHERE id = ?", ep)).toMatchObject({ failing_since: expect.any(Number) });
    expect(await deliver(testEnv, d)).toEqual({ ack: false, delaySeconds: 2 });
    expect(await deliver(testEnv, d)).toEqual({ ack: true, result: "succeeded" });
    // Finished: another copy of the message sends nothing.
    expect(await deliver(testEnv, d)).toEqual({ ack: true, result: "not_due" });
    const { results: attempts } = await testEnv.DB.prepare("SELECT attempt, status_code, error_class, response_excerpt, next_retry_at FROM webhook_delivery_attempts WHERE delivery_id = ? ORDER BY attempt")
      .bind(d)
      .all<{ attempt: number; status_code: number; error_class: string | null; response_excerpt: string | null; next_retry_at: number | null }>();
    expect(attempts.map((a) => [a.attempt, a.status_code, a.error_class])).toEqual([
      [1, 500, "http_status"],
      [2, 500, "http_status"],
      [3, 204, null],
    ]);
    // Printable characters only: the NUL and the bidi override are gone.
    expect(attempts[0]!.response_excerpt).toBe("receiver down for maintenance");
    expect(attempts[0]!.next_retry_at).toEqual(expect.any(Number));
    expect(attempts[2]!.next_retry_at).toBeNull();
    expect(await row("SELECT status, attempts FROM webhook_deliveries WHERE id = ?", d)).toEqual({ status: "succeeded", attempts: 3 });
    expect(await row("SELECT failing_since FROM webhook_endpoints WHERE id = ?", ep)).toEqual({ failing_since: null });
    const log = await received("flaky");
    expect(log.map((r) => r.status)).toEqual([500, 500, 204]);
    // The same webhook-id on every attempt, a fresh timestamp, and a valid signature each time.
    for (const r of log) expect(new Webhook(SECRET).verify(r.body, r.headers)).toBeTruthy();
    expect(new Set(log.map((r) => r.headers["webhook-id"])).size).toBe(1);
  });

  it("sends one POST when 20 copies of a message are consumed at once", async () => {
    const ep = await endpoint(receiver("once", "?slow=200"));
    const d = await delivery(ep, await event());
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => deliver(testEnv, d)));
    expect(outcomes.filter((o) => o.ack && o.result === "succeeded")).toHaveLength(1);
    expect(await received("once")).toHaveLength(1);
    expect(await row("SELECT COUNT(*) AS n FROM webhook_delivery_attempts WHERE delivery_id = ?", d)).toEqual({ n: 1 });
  });

  it("gives up on a receiver slower than WEBHOOK_TIMEOUT_MS (timeout)", async () => {
    const ep = await endpoint(receiver("slow", "?slow=1500"));
    const d = await delivery(ep, await event());
    expect((await deliver(testEnv, d)).ack).toBe(false);
    expect(await row("SELECT error_class, status_code FROM webhook_delivery_attempts WHERE delivery_id = ?", d)).toEqual({ error_class: "timeout", status_code: null });
  });

  it("disables an endpoint failing for WEBHOOK_DISABLE_AFTER_HOURS and skips what waited for it", async () => {
    const ep = await endpoint(receiver("dead-end", "?fail=100"), ["post.removed"], { failingSince: Date.now() - 73 * 3_600_000 });
    const d1 = await delivery(ep, await event());
    const d2 = await delivery(ep, await event());
    expect(await deliver(testEnv, d1)).toEqual({ ack: true, result: "skipped" });
    expect(await row("SELECT enabled, disabled_reason FROM webhook_endpoints WHERE id = ?", ep)).toEqual({ enabled: 0, disabled_reason: "failing" });
    expect(await row("SELECT status, last_error FROM webhook_deliveries WHERE id = ?", d2)).toEqual({ status: "skipped", last_error: "endpoint_disabled" });
    expect(await deliver(testEnv, d2)).toEqual({ ack: true, result: "not_due" });
    expect(await received("dead-end")).toHaveLength(1);
  });

  it("signs with the secret sealed in D1, which holds nothing a receiver could verify with", async () => {
    const ep = await endpoint(receiver("sealed"));
    const stored = await row<{ secret: string }>("SELECT secret FROM webhook_secrets WHERE endpoint_id = ?", ep);
    expect(stored!.secret).toMatch(/^sealed:/);
    expect(stored!.secret).not.toContain(SECRET.slice(6, 20));
    expect(await deliver(testEnv, await delivery(ep, await event()))).toEqual({ ack: true, result: "succeeded" });
    const [got] = await received("sealed");
    expect(new Webhook(SECRET).verify(got!.body, got!.headers)).toMatchObject({ type: "post.removed" });
  });

  it("still signs with a secret stored before sealing (plain whsec_)", async () => {
    const ep = await endpoint(receiver("plain"), ["post.removed"], { storedSecret: "plain" });
    expect(await deliver(testEnv, await delivery(ep, await event()))).toEqual({ ack: true, result: "succeeded" });
    const [got] = await received("plain");
    expect(new Webhook(SECRET).verify(got!.body, got!.headers)).toBeTruthy();
  });

  it.each([
    ["webhook keys missing", "unsigned-a", { WEBHOOK_MASTER_KEYS: undefined }],
    ["the secret's key rotated away", "unsigned-b", { WEBHOOK_MASTER_KEYS: JSON.stringify({ wh2: btoa("k".repeat(32)) }), WEBHOOK_ACTIVE_KID: "wh2" }],
  ])("%s: nothing is sent, the attempt says signing_unavailable, the delivery retries and the endpoint is not failing", async (_name, name, keys) => {
    const ep = await endpoint(receiver(name));
    const d = await delivery(ep, await event());
    expect(await deliver({ ...testEnv, ...keys } as Env, d)).toEqual({ ack: false, delaySeconds: 1 });
    expect(await received(name)).toHaveLength(0);
    expect(await row("SELECT error_class, status_code FROM webhook_delivery_attempts WHERE delivery_id = ?", d)).toEqual({ error_class: "signing_unavailable", status_code: null });
    expect(await row("SELECT status, last_error FROM webhook_deliveries WHERE id = ?", d)).toEqual({ status: "retrying", last_error: "signing_unavailable" });
    expect(await row("SELECT failing_since, enabled FROM webhook_endpoints WHERE id = ?", ep)).toEqual({ failing_since: null, enabled: 1 });
    // With the keys back, the next attempt goes out signed.
    expect(await deliver(testEnv, d)).toEqual({ ack: true, result: "succeeded" });
    expect(await received(name)).toHaveLength(1);
  });

  it("an endpoint without a live secret is the endpoint's failure (endpoint_unavailable), whatever the state of the keys", async () => {
    const ep = await endpoint(receiver("no-secret"));
    await testEnv.DB.prepare("UPDATE webhook_secrets SET expires_at = ? WHERE endpoint_id = ?").bind(Date.now() - 1, ep).run();
    const d = await delivery(ep, await event());
    // No keys: still endpoint_unavailable (the keys are not read), counted against the endpoint.
    const result = await deliver({ ...testEnv, WEBHOOK_MASTER_KEYS: undefined } as unknown as Env, d);
    expect(result).toMatchObject({ ack: false });
    expect(await received("no-secret")).toHaveLength(0);
    expect(await row("SELECT error_class FROM webhook_delivery_attempts WHERE delivery_id = ?", d)).toEqual({ error_class: "endpoint_unavailable" });
    expect(await row<{ failing_since: number | null }>("SELECT failing_since FROM webhook_endpoints WHERE id = ?", ep)).not.toEqual({ failing_since: null });
  });

  it("a dead letter marks its delivery dead", async () => {
    const ep = await endpoint(receiver("dlq", "?fail=100"));
    const d = await delivery(ep, await event());
    await deliver(testEnv, d);
    const batch = createMessageBatch("gatehouse-deliveries-dlq", [{ id: "dl1", timestamp: new Date(), attempts: 1, body: { kind: "delivery", deliveryId: d } }]);
    const ctx = createExecutionContext();
    await worker.queue(batch as never, testEnv, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["dl1"]);
    expect(await row("SELECT status FROM webhook_deliveries WHERE id = ?", d)).toEqual({ status: "dead" });
    expect(await row("SELECT next_retry_at FROM webhook_delivery_attempts WHERE delivery_id = ?", d)).toEqual({ next_retry_at: null });
  });
});

describe("the cron sweeper", () => {
  it("relays outbox rows left unrelayed for 30 s, and only those", async () => {
    const ep = await endpoint(receiver("swept"), ["post.removed"], { createdAt: Date.now() - 120_000 });
    const old = await event("post.removed", Date.now() - 60_000);
    const fresh = await event("post.removed");
    const ctx = createExecutionContext();
    await worker.scheduled!(createScheduledController({ cron: "* * * * *" }), testEnv, ctx);
    await getQueueResult(createMessageBatch("gatehouse-events", []), ctx);
    expect(await row("SELECT relayed_at IS NOT NULL AS relayed FROM event_outbox WHERE id = ?", old)).toEqual({ relayed: 1 });
    expect(await row("SELECT relayed_at IS NOT NULL AS relayed FROM event_outbox WHERE id = ?", fresh)).toEqual({ relayed: 0 });
    // The relayed event reaches the endpoint through the real queues.
    const got = await until(async () => (await received("swept")).find((r) => r.headers["webhook-id"] === old));
    expect(new Webhook(SECRET).verify(got.body, got.headers)).toMatchObject({ id: old });
    expect(await row("SELECT status FROM webhook_deliveries WHERE endpoint_id = ? AND event_id = ?", ep, old)).toEqual({ status: "succeeded" });
  });
});
