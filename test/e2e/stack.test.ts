import { describe, expect, it } from "vitest";
import { adminKey, http, newKey, problemCode } from "./client";

describe("the running stack (npm start)", () => {
  it("reports every worker and D1 healthy", async () => {
    const res = await http("/v1/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: "ok",
      checks: { gateway: "ok", d1: "ok", registration: "ok", screening: "ok", reposts: "ok", moderation: "ok" },
    });
  });

  it("serves one OpenAPI 3.1 document assembled from every worker, and the docs page", async () => {
    const res = await http("/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown>; components: { securitySchemes: Record<string, unknown> } };
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.paths).toHaveProperty(["/v1/keys"]);
    expect(doc.paths).toHaveProperty(["/v1/health"]);
    expect(doc.components.securitySchemes).toHaveProperty("bearer");
    const docs = await http("/docs");
    expect(docs.status).toBe(200);
    expect(docs.headers.get("content-type")).toContain("text/html");
    expect(await docs.text()).toContain("/openapi.json");
  });

  it("runs the key lifecycle over HTTP: create, use, list, revoke, refuse", async () => {
    const admin = await newKey("admin");
    const list = await http("/v1/keys", { key: admin.key });
    expect(list.status).toBe(200);
    const keys = ((await list.json()) as { keys: { id: string }[] }).keys;
    expect(keys.map((k) => k.id)).toContain(admin.id);
    expect((await http(`/v1/keys/${admin.id}`, { method: "DELETE", key: adminKey() })).status).toBe(200);
    const refused = await http("/v1/keys", { key: admin.key });
    expect(refused.status).toBe(401);
    expect(await problemCode(refused)).toBe("revoked_key");
  });
});

describe("forwarding to function workers", () => {
  it("answers unknown routes inside a worker's prefix at the gateway, and passes its own request id on", async () => {
    const unknown = await http("/v1/review-queue/nothing/here");
    expect(unknown.status).toBe(404);
    expect(await problemCode(unknown)).toBe("route_not_found");
    const anonymous = await http("/v1/review-queue/rvw_0000000000000000");
    expect(anonymous.status).toBe(401);
    expect(await problemCode(anonymous)).toBe("missing_credentials");
    const { key } = await newKey("operator");
    const res = await http("/v1/review-queue/rvw_0000000000000000", { key, headers: { "x-request-id": "e2e-request-0001" } });
    expect(res.status).toBe(404);
    const ours = res.headers.get("x-request-id");
    expect(ours).toMatch(/^[0-9a-f-]{36}$/);
    // The worker answered with the gateway's id; the client's is kept beside it.
    const body = (await res.json()) as { code: string; requestId: string; clientRequestId: string };
    expect(body).toMatchObject({ code: "review_item_not_found", requestId: ours, clientRequestId: "e2e-request-0001" });
  });

  it("rejects malformed JSON and wrong media types before they reach a worker", async () => {
    const { key } = await newKey("app");
    const malformed = await http("/v1/accounts", { key, body: "{nope", contentType: "application/json" });
    expect(malformed.status).toBe(400);
    expect(await problemCode(malformed)).toBe("malformed_json");
    const wrongType = await http("/v1/accounts", { key, body: "<xml/>", contentType: "application/xml" });
    expect(wrongType.status).toBe(415);
    expect(await problemCode(wrongType)).toBe("unsupported_media_type");
    const tooLarge = await http("/v1/accounts", { key, body: JSON.stringify({ pad: "x".repeat(1_100_000) }) });
    expect(tooLarge.status).toBe(413);
    expect(await problemCode(tooLarge)).toBe("body_too_large");
  });

  it("never lets a client choose its own principal", async () => {
    const { key } = await newKey("app");
    const res = await http("/v1/keys", { key, headers: { "x-gatehouse-principal": "admin:bootstrap-admin" } });
    expect(res.status).toBe(403);
    expect(await problemCode(res)).toBe("forbidden_role");
  });

  it("answers unknown top-level routes with 404 without a key", async () => {
    const res = await http("/v1/definitely-not-a-route");
    expect(res.status).toBe(404);
    expect(await problemCode(res)).toBe("route_not_found");
  });
});

describe("limits and credentials over HTTP", () => {
  it("refuses unknown keys and malformed Authorization headers", async () => {
    const unknown = await http("/v1/keys", { key: "gh_" + "B".repeat(43) });
    expect(unknown.status).toBe(401);
    expect(await problemCode(unknown)).toBe("invalid_key");
    const malformed = await http("/v1/keys", { headers: { authorization: "Token abc" } });
    expect(malformed.status).toBe(401);
    expect(await problemCode(malformed)).toBe("invalid_authorization_header");
  });

  it("rate-limits a standard-tier key past its limit with Retry-After, leaving other keys alone", async () => {
    const busy = await newKey("operator");
    const quiet = await newKey("operator");
    let limited: Response | undefined;
    // The e2e stack allows a standard-tier (operator) key 120 requests per 10 s
    // (GATEHOUSE_RATE_LIMIT); windows are aligned, so a boundary crossed mid-loop can need twice that.
    for (let i = 0; i < 300 && !limited; i++) {
      const res = await http("/v1/review-queue?limit=1", { key: busy.key });
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(200);
    }
    expect(limited, "no 429 within 300 requests").toBeDefined();
    expect(Number(limited!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await problemCode(limited!)).toBe("rate_limited");
    expect((await http("/v1/review-queue?limit=1", { key: quiet.key })).status).toBe(200);
  });
});
