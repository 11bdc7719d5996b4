import { describe, expect, it } from "vitest";
import { problem } from "../../../test/support/call";
import { FixedWindowLimiter } from "../src/rate-limit";
import { ADMIN_KEY, createKey, gw } from "./helpers";

describe("authentication (errors)", () => {
  it("needs a key on protected routes", async () => {
    const res = await gw("/v1/keys");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
    expect((await problem(res)).code).toBe("missing_credentials");
  });

  it("rejects a malformed Authorization header", async () => {
    const res = await gw("/v1/keys", { headers: { authorization: "Basic dXNlcjpwYXNz" } });
    expect(res.status).toBe(401);
    expect((await problem(res)).code).toBe("invalid_authorization_header");
  });

  it.each(["gh_" + "A".repeat(43), "not-a-key", ADMIN_KEY + "x"])("rejects the unknown key %s", async (key) => {
    const res = await gw("/v1/keys", { key });
    expect(res.status).toBe(401);
    expect((await problem(res)).code).toBe("invalid_key");
  });
});

describe("request errors", () => {
  it("answers unknown routes with 404 before asking for a key", async () => {
    for (const path of ["/v1/nope", "/v2/keys", "/v1/"]) {
      const res = await gw(path);
      expect(res.status, path).toBe(404);
      expect((await problem(res)).code).toBe("route_not_found");
    }
  });

  it("rejects malformed JSON with 400 malformed_json", async () => {
    const res = await gw("/v1/keys", { key: ADMIN_KEY, body: '{"role": "app", "name": ', contentType: "application/json" });
    expect(res.status).toBe(400);
    expect((await problem(res)).code).toBe("malformed_json");
  });

  it("rejects a body that is not JSON with 415", async () => {
    const res = await gw("/v1/keys", { key: ADMIN_KEY, body: "role=app&name=x", contentType: "application/x-www-form-urlencoded" });
    expect(res.status).toBe(415);
    expect((await problem(res)).code).toBe("unsupported_media_type");
  });

  it("rejects a body over the size limit with 413, declared or not", async () => {
    const big = JSON.stringify({ role: "app", name: "x".repeat(1_100_000) });
    const res = await gw("/v1/keys", { key: ADMIN_KEY, body: big });
    expect(res.status).toBe(413);
    expect((await problem(res)).code).toBe("body_too_large");
    // A streamed body has no Content-Length: the gateway counts the bytes.
    const stream = new Blob([big]).stream();
    const streamed = await gw("/v1/keys", { key: ADMIN_KEY, body: stream });
    expect(streamed.status).toBe(413);
  });

  it("answers every error as RFC 9457 problem+json with the request id and no stack", async () => {
    const res = await gw("/v1/keys", { headers: { "x-request-id": "req-test-12345" } });
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 401, title: "Unauthorized", code: "missing_credentials", requestId: "req-test-12345" });
    expect(typeof body.type).toBe("string");
    expect(typeof body.detail).toBe("string");
    expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+/);
  });
});

describe("request ids and headers", () => {
  it("honours a well-formed X-Request-Id and generates one otherwise", async () => {
    const honoured = await gw("/v1/health", { headers: { "x-request-id": "abc-12345678" } });
    expect(honoured.headers.get("x-request-id")).toBe("abc-12345678");
    const generated = await gw("/v1/health", { headers: { "x-request-id": "bad id with spaces" } });
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
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

describe("rate limiting", () => {
  it("answers 429 with Retry-After once a key exceeds its limit, per key", async () => {
    const a = await createKey("admin", "busy");
    const b = await createKey("admin", "quiet");
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push((await gw("/v1/keys", { key: a.key })).status);
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(20)).toEqual([429, 429]);
    const limited = await gw("/v1/keys", { key: a.key });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await problem(limited)).code).toBe("rate_limited");
    expect((await gw("/v1/keys", { key: b.key })).status).toBe(200);
  });

  it("falls back to a fixed one-minute window with the same limit", () => {
    let now = 120_000;
    const limiter = new FixedWindowLimiter(3, () => now);
    expect([1, 2, 3, 4].map(() => limiter.limit("k").allowed)).toEqual([true, true, true, false]);
    expect(limiter.limit("other").allowed).toBe(true);
    now += 45_000;
    expect(limiter.limit("k")).toEqual({ allowed: false, retryAfter: 15 });
    now += 15_000;
    expect(limiter.limit("k").allowed).toBe(true);
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

  it("does not accept a short bootstrap key even if configured", async () => {
    const res = await gw("/v1/keys", { key: "short" });
    expect(res.status).toBe(401);
  });
});
