import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { PRINCIPAL_HEADER } from "../../../pkg/headers";
import { encodePrincipal } from "../../../pkg/principal";
import { openWebhookSecret, webhookKeys, type WebhookSecretKeys } from "../../../pkg/webhook-secrets";
import { call, problem } from "../../../test/support/call";
import worker from "../src/index";
import { testEnv } from "./fixtures";

/**
 * The webhook registry with the production setting (`WEBHOOK_ALLOW_LOCAL` "0" in wrangler.toml):
 * the URL table, secrets shown once, rotation, audit, paging, roles. Delivery is the events
 * worker's; end to end in test/e2e/webhooks.test.ts.
 */
type Webhook = { id: string; url: string; eventTypes: string[]; enabled: boolean; disabledReason: string | null; secret?: string };

async function create(body: Record<string, unknown>, role: "admin" | "operator" | "app" = "admin") {
  return call("/v1/webhooks", { role, keyId: "key_admin1", body });
}

async function created(url = "https://hooks.example.com/gatehouse", eventTypes = ["post.removed"]): Promise<Webhook> {
  const res = await create({ url, eventTypes, description: "ops channel" });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Webhook;
}

describe("webhook URLs (production setting)", () => {
  const refused: [string, string][] = [
    ["not a url", "webhook_url_invalid"],
    ["ftp://hooks.example.com/x", "webhook_url_invalid"],
    ["https://user:pass@hooks.example.com/x", "webhook_url_invalid"],
    ["https://hooks.example.com/x#frag", "webhook_url_invalid"],
    ["http://hooks.example.com/x", "webhook_url_insecure"],
    ["https://127.0.0.1/x", "webhook_url_forbidden"],
    ["https://2130706433/x", "webhook_url_forbidden"], // 127.0.0.1 spelled as one number
    ["https://0x7f.0.0.1/x", "webhook_url_forbidden"],
    ["https://10.0.0.5/x", "webhook_url_forbidden"],
    ["https://192.168.1.1/x", "webhook_url_forbidden"],
    ["https://172.16.0.1/x", "webhook_url_forbidden"],
    ["https://169.254.169.254/latest/meta-data", "webhook_url_forbidden"],
    ["https://93.184.216.34/x", "webhook_url_forbidden"], // a public literal: names only
    ["https://[::1]/x", "webhook_url_forbidden"],
    ["https://[fe80::1]/x", "webhook_url_forbidden"],
    ["https://[::ffff:127.0.0.1]/x", "webhook_url_forbidden"],
    ["https://[fd00:ec2::254]/x", "webhook_url_forbidden"],
    ["https://localhost/x", "webhook_url_forbidden"],
    ["https://api.localhost/x", "webhook_url_forbidden"],
    ["https://printer.local/x", "webhook_url_forbidden"],
    ["https://metadata.google.internal/x", "webhook_url_forbidden"],
    ["https://intranet/x", "webhook_url_forbidden"],
    ["https://router.home.arpa/x", "webhook_url_forbidden"],
  ];
  for (const [url, code] of refused) {
    it(`refuses ${url} (${code})`, async () => {
      const res = await create({ url, eventTypes: ["post.removed"] });
      expect(res.status).toBe(422);
      expect((await problem(res)).code).toBe(code);
    });
  }

  it("accepts a public https URL and normalises it", async () => {
    const hook = await created("https://Hooks.Example.com:8443/in?team=trust");
    expect(hook.url).toBe("https://hooks.example.com:8443/in?team=trust");
  });

  it("refuses unknown event types, an empty list and text with controls", async () => {
    for (const body of [
      { url: "https://hooks.example.com/x", eventTypes: ["post.exploded"] },
      { url: "https://hooks.example.com/x", eventTypes: [] },
      { url: "https://hooks.example.com/x", eventTypes: ["post.removed"], description: "a\u202Eb" },
      { url: "https://hooks.example.com/x", eventTypes: ["post.removed"], secret: "mine" },
    ]) {
      const res = await create(body);
      expect(res.status).toBe(422);
      expect((await problem(res)).code).toBe("validation_failed");
    }
  });
});

describe("the registry", () => {
  it("shows the secret once, in the Standard Webhooks form, and audits the creation in the same batch", async () => {
    const hook = await created();
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const read = (await (await call(`/v1/webhooks/${hook.id}`, { role: "admin" })).json()) as Webhook;
    expect(read.secret).toBeUndefined();
    expect(read).toMatchObject({ id: hook.id, enabled: true, disabledReason: null, eventTypes: ["post.removed"] });
    const audit = await testEnv.DB.prepare("SELECT action, details FROM audit_log WHERE subject_id = ?").bind(hook.id).all<{ action: string; details: string }>();
    expect(audit.results.map((r) => r.action)).toEqual(["webhook.created"]);
    // The host only: a path or query could carry the receiver's token.
    expect(JSON.parse(audit.results[0]!.details)).toEqual({ host: "hooks.example.com", eventTypes: ["post.removed"] });
  });

  it("is admin only", async () => {
    for (const role of ["app", "operator"] as const) {
      expect((await create({ url: "https://hooks.example.com/x", eventTypes: ["post.removed"] }, role)).status).toBe(403);
      expect((await call("/v1/webhooks", { role })).status).toBe(403);
    }
    expect((await call("/v1/webhooks")).status).toBe(401);
  });

  it("updates, disables and re-enables, each audited; refuses an empty change", async () => {
    const hook = await created();
    let res = await call(`/v1/webhooks/${hook.id}`, { method: "PATCH", role: "admin", body: { enabled: false } });
    expect(((await res.json()) as Webhook).disabledReason).toBe("disabled_by_admin");
    res = await call(`/v1/webhooks/${hook.id}`, { method: "PATCH", role: "admin", body: { enabled: true, eventTypes: ["review.decided", "post.removed"] } });
    expect(await res.json()).toMatchObject({ enabled: true, disabledReason: null, eventTypes: ["post.removed", "review.decided"] });
    res = await call(`/v1/webhooks/${hook.id}`, { method: "PATCH", role: "admin", body: { url: "http://hooks.example.com/x" } });
    expect((await problem(res)).code).toBe("webhook_url_insecure");
    res = await call(`/v1/webhooks/${hook.id}`, { method: "PATCH", role: "admin", body: {} });
    expect((await problem(res)).code).toBe("validation_failed");
    const actions = await testEnv.DB.prepare("SELECT action FROM audit_log WHERE subject_id = ? ORDER BY at").bind(hook.id).all<{ action: string }>();
    expect(actions.results.map((r) => r.action)).toEqual(["webhook.created", "webhook.updated", "webhook.updated"]);
  });

  it("deletes once: the secrets are erased, a second delete and later reads are 404", async () => {
    const hook = await created();
    expect((await call(`/v1/webhooks/${hook.id}`, { method: "DELETE", role: "admin" })).status).toBe(204);
    expect((await problem(await call(`/v1/webhooks/${hook.id}`, { method: "DELETE", role: "admin" }))).code).toBe("webhook_not_found");
    expect((await problem(await call(`/v1/webhooks/${hook.id}`, { role: "admin" }))).code).toBe("webhook_not_found");
    const secrets = await testEnv.DB.prepare("SELECT COUNT(*) AS n FROM webhook_secrets WHERE endpoint_id = ?").bind(hook.id).first<{ n: number }>();
    expect(secrets!.n).toBe(0);
  });

  it("pages with the shared cursor", async () => {
    for (let i = 0; i < 3; i++) await created(`https://hooks.example.com/page-${i}`);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(`/v1/webhooks?limit=2${cursor ? `&cursor=${cursor}` : ""}`, { role: "admin" });
      const body = (await res.json()) as { webhooks: Webhook[]; nextCursor: string | null };
      seen.push(...body.webhooks.map((w) => w.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect((await problem(await call("/v1/webhooks?cursor=nope", { role: "admin" }))).code).toBe("invalid_cursor");
  });
});

describe("secret rotation", () => {
  it("keeps the previous secret for the overlap and ends an older one at once", async () => {
    const hook = await created();
    const first = await call(`/v1/webhooks/${hook.id}/rotate-secret`, { role: "admin", body: { overlapSeconds: 3600 } });
    expect(first.status).toBe(200);
    const one = (await first.json()) as Webhook & { previousSecretExpiresAt: string };
    expect(one.secret).not.toBe(hook.secret);
    expect(Date.parse(one.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(3500_000);
    // Without a body: the default overlap.
    const second = (await (await call(`/v1/webhooks/${hook.id}/rotate-secret`, { method: "POST", role: "admin" })).json()) as Webhook;
    const rows = await testEnv.DB.prepare("SELECT secret, expires_at FROM webhook_secrets WHERE endpoint_id = ? ORDER BY created_at").bind(hook.id).all<{ secret: string; expires_at: number | null }>();
    const now = Date.now();
    const keys = await webhookKeys(env as WebhookSecretKeys);
    const live = await Promise.all(rows.results.filter((r) => r.expires_at === null || r.expires_at > now).map((r) => openWebhookSecret(keys, hook.id, r.secret)));
    expect(live.sort()).toEqual([one.secret, second.secret].sort());
  });

  it("one of many concurrent rotations wins; the others are 409 concurrent_change", async () => {
    const hook = await created();
    const answers = await Promise.all(Array.from({ length: 20 }, () => call(`/v1/webhooks/${hook.id}/rotate-secret`, { role: "admin", body: { overlapSeconds: 60 } })));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    for (const r of answers.filter((r) => r.status !== 200)) expect((await problem(r)).code).toBe("concurrent_change");
    const current = await testEnv.DB.prepare("SELECT COUNT(*) AS n FROM webhook_secrets WHERE endpoint_id = ? AND expires_at IS NULL").bind(hook.id).first<{ n: number }>();
    expect(current!.n).toBe(1);
    const audits = await testEnv.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE subject_id = ? AND action = 'webhook.secret_rotated'").bind(hook.id).first<{ n: number }>();
    expect(audits!.n).toBe(statuses.filter((s) => s === 200).length);
  });

  it("refuses an overlap over a week", async () => {
    const hook = await created();
    const res = await call(`/v1/webhooks/${hook.id}/rotate-secret`, { role: "admin", body: { overlapSeconds: 8 * 86400 } });
    expect((await problem(res)).code).toBe("validation_failed");
  });
});

describe("secrets at rest", () => {
  it("D1 holds each secret sealed to its endpoint: not the secret, and not openable as another endpoint's", async () => {
    const hook = await created();
    const rotated = (await (await call(`/v1/webhooks/${hook.id}/rotate-secret`, { role: "admin", body: { overlapSeconds: 60 } })).json()) as Webhook;
    const rows = await testEnv.DB.prepare("SELECT secret FROM webhook_secrets WHERE endpoint_id = ?").bind(hook.id).all<{ secret: string }>();
    expect(rows.results).toHaveLength(2);
    const keys = await webhookKeys(env as WebhookSecretKeys);
    for (const { secret: stored } of rows.results) {
      expect(stored).toMatch(/^sealed:/);
      for (const shown of [hook.secret!, rotated.secret!]) expect(stored).not.toContain(shown.slice(6, 26));
      await expect(openWebhookSecret(keys, "whk_another", stored)).rejects.toThrow();
    }
    expect((await Promise.all(rows.results.map((r) => openWebhookSecret(keys, hook.id, r.secret)))).sort()).toEqual([hook.secret, rotated.secret].sort());
  });

  async function withKeys(env: Record<string, unknown>, path: string, body: unknown): Promise<Response> {
    const ctx = createExecutionContext();
    const req = new Request(`https://worker.test${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", [PRINCIPAL_HEADER]: encodePrincipal({ role: "admin", keyId: "key_admin1" }) },
      body: JSON.stringify(body),
    });
    const res = await worker.fetch(req, { ...testEnv, ...env } as never, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  }

  it.each([
    ["missing keys", { WEBHOOK_MASTER_KEYS: undefined }],
    ["malformed keys", { WEBHOOK_MASTER_KEYS: "{not json" }],
    ["an active kid that is not configured", { WEBHOOK_ACTIVE_KID: "nope" }],
  ])("%s: create and rotate are 503 webhook_signing_unavailable, and nothing is written", async (_name, env) => {
    const before = await testEnv.DB.prepare("SELECT (SELECT COUNT(*) FROM webhook_endpoints) AS e, (SELECT COUNT(*) FROM webhook_secrets) AS s, (SELECT COUNT(*) FROM audit_log) AS a").first();
    const res = await withKeys(env, "/v1/webhooks", { url: "https://hooks.example.com/unsealed", eventTypes: ["post.removed"] });
    expect(res.status).toBe(503);
    const p = await problem(res);
    expect(p.code).toBe("webhook_signing_unavailable");
    const { requestId: _requestId, ...answer } = p;
    expect(JSON.stringify(answer)).not.toMatch(/wh1|CQkJ/); // no kid, no key (32 bytes of 9)
    const hook = await created();
    const after = await testEnv.DB.prepare("SELECT (SELECT COUNT(*) FROM webhook_endpoints) AS e, (SELECT COUNT(*) FROM webhook_secrets) AS s, (SELECT COUNT(*) FROM audit_log) AS a").first<{ e: number; s: number; a: number }>();
    // Only the endpoint created with the keys in place: one endpoint, one secret, one audit entry.
    expect(after).toEqual({ e: (before as { e: number }).e + 1, s: (before as { s: number }).s + 1, a: (before as { a: number }).a + 1 });
    const rotate = await withKeys(env, `/v1/webhooks/${hook.id}/rotate-secret`, { overlapSeconds: 60 });
    expect((await problem(rotate)).code).toBe("webhook_signing_unavailable");
    const secrets = await testEnv.DB.prepare("SELECT COUNT(*) AS n, MAX(expires_at) AS x FROM webhook_secrets WHERE endpoint_id = ?").bind(hook.id).first();
    expect(secrets).toEqual({ n: 1, x: null });
  });
});

describe("deliveries", () => {
  it("lists a delivery with its attempts and queues a manual retry, audited", async () => {
    const hook = await created();
    const now = Date.now();
    await testEnv.DB.batch([
      testEnv.DB.prepare(
        "INSERT INTO webhook_deliveries (id, event_id, endpoint_id, event_type, status, attempts, next_attempt_at, last_status_code, last_error, created_at, updated_at) VALUES ('dlv_test00000001', 'evt_test00000001', ?, 'post.removed', 'dead', 2, NULL, 500, 'http_status', ?, ?)",
      ).bind(hook.id, now, now),
      testEnv.DB.prepare(
        "INSERT INTO webhook_delivery_attempts (id, delivery_id, attempt, started_at, status_code, latency_ms, error_class, response_excerpt, next_retry_at) VALUES ('att_1', 'dlv_test00000001', 1, ?, 500, 12, 'http_status', 'oops', ?), ('att_2', 'dlv_test00000001', 2, ?, 500, 9, 'http_status', 'oops', NULL)",
      ).bind(now, now + 1000, now + 1000),
    ]);
    const list = (await (await call(`/v1/webhooks/${hook.id}/deliveries`, { role: "admin" })).json()) as { deliveries: { id: string; status: string; attempts: { attempt: number; statusCode: number; nextRetryAt: string | null }[] }[] };
    expect(list.deliveries).toHaveLength(1);
    expect(list.deliveries[0]!.attempts.map((a) => [a.attempt, a.statusCode])).toEqual([
      [1, 500],
      [2, 500],
    ]);
    const retry = await call(`/v1/webhooks/${hook.id}/deliveries/dlv_test00000001/retry`, { method: "POST", role: "admin" });
    expect(retry.status).toBe(202);
    expect(((await retry.json()) as { status: string }).status).toBe("pending");
    const audit = await testEnv.DB.prepare("SELECT details FROM audit_log WHERE subject_id = ? AND action = 'webhook.delivery_retried'").bind(hook.id).first<{ details: string }>();
    expect(JSON.parse(audit!.details)).toEqual({ deliveryId: "dlv_test00000001" });
    const other = await created("https://hooks.example.com/other");
    expect((await problem(await call(`/v1/webhooks/${other.id}/deliveries/dlv_test00000001/retry`, { method: "POST", role: "admin" }))).code).toBe("delivery_not_found");
  });
});
