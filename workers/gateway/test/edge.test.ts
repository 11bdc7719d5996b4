import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { problem } from "../../../test/support/call";
import { createDb } from "../../../pkg/db";
import { authenticate } from "../src/keys";
import { FixedWindowLimiter } from "../src/limits";
import { matchRoute } from "../src/route-table";
import { ADMIN_KEY, createKey, gw } from "./helpers";

/** A request body that counts how many chunks the gateway pulled from it (64 KiB each). */
function countingStream(chunks: number) {
  const counter = { pulled: 0 };
  const chunk = new Uint8Array(65_536).fill(0x20);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (counter.pulled >= chunks) return controller.close();
      counter.pulled++;
      controller.enqueue(chunk);
    },
  });
  return { stream, counter };
}

describe("order of checks (errors)", () => {
  it("answers an unauthenticated request 401 before looking at its malformed body", async () => {
    const res = await gw("/v1/keys", { body: "{bad", contentType: "application/json" });
    expect(res.status).toBe(401);
    expect((await problem(res)).code).toBe("missing_credentials");
    // A function worker's route too (forwarding is not reached).
    expect((await gw("/v1/accounts", { body: "{bad", contentType: "application/json" })).status).toBe(401);
  });

  it("answers an unknown route 404 before authentication or the body", async () => {
    for (const [method, path] of [
      ["POST", "/v1/nope"],
      ["GET", "/v2/keys"],
      ["GET", "/v1/"],
      ["GET", "/v1/health/"],
      ["GET", "/v1/keys/"],
      ["GET", "/v1/accounts/acc_x/nothing-here"],
    ] as const) {
      const res = await gw(path, { method, body: method === "POST" ? "{bad" : undefined });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect((await problem(res)).code).toBe("route_not_found");
    }
  });

  it("answers a known path with another method 405 with Allow, before authentication", async () => {
    for (const [method, path, allow] of [
      ["POST", "/v1/health", "GET, HEAD"],
      ["PUT", "/v1/keys", "GET, HEAD, POST"],
      ["GET", "/v1/keys/key_0000000000000", "DELETE, PATCH"],
      ["DELETE", "/v1/screen", "POST"],
    ] as const) {
      const res = await gw(path, { method });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get("allow")).toBe(allow);
      expect((await problem(res)).code).toBe("method_not_allowed");
    }
  });

  it("never echoes the request path in a 404", async () => {
    const res = await gw("/v1/lookup/13800138000");
    expect((await problem(res)).detail).not.toContain("13800138000");
  });

  it("reads no body of an unauthenticated upload", async () => {
    const { stream, counter } = countingStream(1_600); // 100 MiB if read in full
    const res = await gw("/v1/accounts", { body: stream });
    expect(res.status).toBe(401);
    // workerd may buffer a little of a stream it never reads; nothing near the whole body.
    expect(counter.pulled).toBeLessThan(64);
  });

  it("counts the bytes of a body without a length and stops at the limit", async () => {
    const { stream, counter } = countingStream(1_600);
    const res = await gw("/v1/keys", { key: ADMIN_KEY, body: stream });
    expect(res.status).toBe(413);
    expect((await problem(res)).code).toBe("body_too_large");
    expect(counter.pulled).toBeLessThan(64); // 1 MiB limit: 16 chunks and a little read-ahead
  });

  it("refuses a declared oversized body with 413", async () => {
    const big = JSON.stringify({ role: "app", name: "x".repeat(1_100_000) });
    const res = await gw("/v1/keys", { key: ADMIN_KEY, body: big });
    expect(res.status).toBe(413);
    expect((await problem(res)).code).toBe("body_too_large");
  });

  it("checks the media type (415) before the JSON (400), and an empty JSON body is malformed", async () => {
    const form = await gw("/v1/keys", { key: ADMIN_KEY, body: "{bad", contentType: "application/x-www-form-urlencoded" });
    expect(form.status).toBe(415);
    expect((await problem(form)).code).toBe("unsupported_media_type");
    const bad = await gw("/v1/keys", { key: ADMIN_KEY, body: '{"role": "app", "name": ', contentType: "application/json" });
    expect(bad.status).toBe(400);
    expect((await problem(bad)).code).toBe("malformed_json");
    const empty = await gw("/v1/keys", { key: ADMIN_KEY, body: "", contentType: "application/json" });
    expect(empty.status).toBe(400);
    expect((await problem(empty)).code).toBe("malformed_json");
  });

  it("answers every error as RFC 9457 problem+json with the registry's title, the request id and no stack", async () => {
    const res = await gw("/v1/keys");
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 401, title: "Missing credentials", code: "missing_credentials", requestId: res.headers.get("x-request-id") });
    expect(body.type).toBe("https://gatehouse.dev/problems/missing_credentials");
    expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+/);
  });
});

describe("route table", () => {
  it("prefers a literal segment over a parameter and serves HEAD where GET is", () => {
    expect(matchRoute("POST", "/v1/accounts/vault/rotate")).toMatchObject({ kind: "found", route: { path: "/v1/accounts/vault/rotate" } });
    expect(matchRoute("HEAD", "/v1/health")).toMatchObject({ kind: "found", route: { path: "/v1/health", public: true } });
    expect(matchRoute("GET", "/v1/public/accounts/daily_news")).toMatchObject({ kind: "found", route: { public: true } });
    expect(matchRoute("GET", "/v1//keys")).toEqual({ kind: "not_found" });
    // A literal path answers for itself: other methods are 405, not the templated neighbour's GET.
    expect(matchRoute("GET", "/v1/review-queue/bulk-decision")).toEqual({ kind: "method_not_allowed", allowed: ["POST"] });
    expect(matchRoute("GET", "/v1/review-queue/rvw_1")).toMatchObject({ kind: "found", route: { path: "/v1/review-queue/{id}" } });
  });
});

describe("request ids (security)", () => {
  it("always uses its own request id and keeps the client's beside it", async () => {
    const res = await gw("/v1/keys", { headers: { "x-request-id": "client-chosen-id-1" } });
    const ours = res.headers.get("x-request-id")!;
    expect(ours).toMatch(/^[0-9a-f-]{36}$/);
    expect((await problem(res)).requestId).toBe(ours);
  });

  it("records its own id, not the client's, in the audit log", async () => {
    const res = await gw("/v1/keys", { key: ADMIN_KEY, json: { role: "app", name: "audited" }, headers: { "x-request-id": "client-chosen-id-2" } });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const row = await env.DB.prepare("SELECT request_id FROM audit_log WHERE subject_id = ? AND action = 'key.created'").bind(id).first<{ request_id: string }>();
    expect(row!.request_id).toBe(res.headers.get("x-request-id"));
  });

  it("sets secure response headers", async () => {
    const res = await gw("/v1/health");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("strict-transport-security")).toContain("max-age=");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
  });
});

describe("health", () => {
  it("reports the gateway and D1, and says which workers it cannot reach", async () => {
    const res = await gw("/v1/health");
    const body = (await res.json()) as { status: string; checks: Record<string, string> };
    expect(body.checks.gateway).toBe("ok");
    expect(body.checks.d1).toBe("ok");
    expect(Object.keys(body.checks).sort()).toEqual(["d1", "gateway", "moderation", "registration", "reposts", "screening"]);
    // No function workers run beside the gateway in this project, so it is degraded.
    expect(res.status).toBe(503);
    expect(body.status).toBe("degraded");
  });
});

describe("forwarding", () => {
  it("turns a function worker's non-problem failure into 502 upstream_unavailable", async () => {
    // In this project every function worker answers 503 with a plain-text body.
    const { key } = await createKey("app");
    const res = await gw("/v1/screen", { key, json: { accountId: "acc_x", kind: "post", text: "hi" } });
    expect(res.status).toBe(502);
    const body = await problem(res);
    expect(body.code).toBe("upstream_unavailable");
    expect(JSON.stringify(body)).not.toContain("not running");
  });
});

describe("rate limits (test limits per minute: standard 20, high 40, keyless 10, failed authentications 5)", () => {
  const burst = async (n: number, path: string, init: Parameters<typeof gw>[1]) => {
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) statuses.push((await gw(path, init)).status);
    return statuses;
  };

  it("limits a standard key at its tier with Retry-After, per key", async () => {
    const a = await createKey("admin", "busy");
    const b = await createKey("admin", "quiet");
    const statuses = await burst(22, "/v1/keys", { key: a.key });
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(20)).toEqual([429, 429]);
    const limited = await gw("/v1/keys", { key: a.key });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await problem(limited)).code).toBe("rate_limited");
    expect((await gw("/v1/keys", { key: b.key })).status).toBe(200);
  });

  it("gives keys the tier of their role unless the admin chooses, and an admin can change it", async () => {
    const created = await gw("/v1/keys", { key: ADMIN_KEY, json: { role: "admin", name: "script", tier: "high" } });
    const high = (await created.json()) as { id: string; key: string; tier: string };
    expect(high.tier).toBe("high");
    const statuses = await burst(42, "/v1/keys", { key: high.key });
    expect(statuses.slice(0, 40).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(40)).toEqual([429, 429]);

    const patched = await gw(`/v1/keys/${high.id}`, { method: "PATCH", key: ADMIN_KEY, json: { tier: "unlimited", reason: "bulk import" } });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as { tier: string }).tier).toBe("unlimited");
    expect((await burst(10, "/v1/keys", { key: high.key })).every((s) => s === 200)).toBe(true);
    const audit = await env.DB.prepare("SELECT details, reason FROM audit_log WHERE subject_id = ? AND action = 'key.tier_changed'").bind(high.id).all();
    expect(audit.results).toEqual([{ details: JSON.stringify({ from: "high", to: "unlimited" }), reason: "bulk import" }]);

    for (const [role, tier] of [["app", "high"], ["operator", "standard"], ["admin", "standard"]] as const) {
      const res = await gw("/v1/keys", { key: ADMIN_KEY, json: { role, name: `${role} default` } });
      expect(((await res.json()) as { tier: string }).tier, role).toBe(tier);
    }
  });

  it("limits failed authentications per address, then refuses that address without a key lookup", async () => {
    const address = "192.0.2.77";
    const statuses = await burst(7, "/v1/keys", { key: "gh_" + "B".repeat(43), headers: { "cf-connecting-ip": address } });
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    // Even a valid key from that address waits; another address is not affected.
    expect((await gw("/v1/keys", { key: ADMIN_KEY, headers: { "cf-connecting-ip": address } })).status).toBe(429);
    expect((await gw("/v1/keys", { key: ADMIN_KEY, headers: { "cf-connecting-ip": "192.0.2.78" } })).status).toBe(200);
  });

  it("limits keyless calls per address without touching keyed callers", async () => {
    const address = "192.0.2.99";
    const statuses = await burst(12, "/v1/health", { headers: { "cf-connecting-ip": address } });
    expect(statuses.slice(0, 10).every((s) => s !== 429)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    expect((await gw("/v1/health", { headers: { "cf-connecting-ip": "192.0.2.100" } })).status).not.toBe(429);
    expect((await gw("/v1/keys", { key: ADMIN_KEY, headers: { "cf-connecting-ip": address } })).status).toBe(200);
  });

  it("falls back to a fixed window with the same limit where no binding is present", () => {
    let now = 120_000;
    const limiter = new FixedWindowLimiter(3, 60_000, () => now);
    expect([1, 2, 3, 4].map(() => limiter.hit("k").allowed)).toEqual([true, true, true, false]);
    expect(limiter.hit("other").allowed).toBe(true);
    now += 45_000;
    expect(limiter.hit("k")).toEqual({ allowed: false, retryAfter: 15 });
    now += 15_000;
    expect(limiter.hit("k").allowed).toBe(true);
  });
});

describe("security", () => {
  it("ignores a principal header sent by a client", async () => {
    const res = await gw("/v1/keys", { headers: { "x-gatehouse-principal": "admin:key_forged" } });
    expect(res.status).toBe(401);
    const { key } = await createKey("app");
    const escalated = await gw("/v1/keys", { key, headers: { "x-gatehouse-principal": "admin:key_forged" } });
    expect(escalated.status).toBe(403);
  });

  it("does not accept a bootstrap key shorter than 16 characters, even when it is configured", async () => {
    const db = createDb(env.DB);
    expect(await authenticate(db, "short", "short")).toEqual({ ok: false, code: "invalid_key" });
    expect(await authenticate(db, "fifteen-chars-x", "fifteen-chars-x")).toEqual({ ok: false, code: "invalid_key" });
    expect(await authenticate(db, "sixteen-chars-xx", "sixteen-chars-xx")).toMatchObject({ ok: true, principal: { role: "admin" } });
  });
});
