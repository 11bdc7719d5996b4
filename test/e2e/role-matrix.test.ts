import { beforeAll, describe, expect, it } from "vitest";
import { adminKey, http, newKey } from "./client";

type Caller = "anonymous" | "app" | "operator" | "admin";

/**
 * Which role may call what, across every worker, through the gateway. A caller the route
 * refuses gets 401 (no key) or 403 (wrong role); an allowed one gets past the role check
 * (its empty or dummy body may then fail validation or find nothing — that is not a refusal).
 */
const MATRIX: { method: string; path: string; json?: unknown; allowed: Caller[] }[] = [
  { method: "GET", path: "/v1/keys", allowed: ["admin"] },
  { method: "POST", path: "/v1/keys", json: {}, allowed: ["admin"] },
  { method: "POST", path: "/v1/accounts", json: {}, allowed: ["app"] },
  { method: "POST", path: "/v1/accounts/acc_00000000000000/review", json: {}, allowed: ["operator", "admin"] },
  { method: "POST", path: "/v1/accounts/acc_00000000000000/identity/reveal", json: {}, allowed: ["operator", "admin"] },
  { method: "POST", path: "/v1/accounts/acc_00000000000000/actions", json: {}, allowed: ["operator", "admin"] },
  { method: "POST", path: "/v1/accounts/vault/rotate", json: {}, allowed: ["admin"] },
  { method: "POST", path: "/v1/publishers", json: {}, allowed: ["operator", "admin"] },
  { method: "GET", path: "/v1/public/accounts/nobody_here", allowed: ["anonymous", "app", "operator", "admin"] },
  { method: "POST", path: "/v1/screen", json: {}, allowed: ["app"] },
  { method: "POST", path: "/v1/term-lists", json: {}, allowed: ["admin"] },
  { method: "POST", path: "/v1/policy/publish", allowed: ["admin"] },
  { method: "GET", path: "/v1/policy/versions", allowed: ["admin"] },
  { method: "POST", path: "/v1/posts/post-none/reposts", json: {}, allowed: ["app"] },
  { method: "POST", path: "/v1/posts/post-none/views", json: {}, allowed: ["app"] },
  { method: "GET", path: "/v1/spread/top", allowed: ["operator", "admin"] },
  { method: "PUT", path: "/v1/spread/thresholds", json: {}, allowed: ["admin"] },
  { method: "POST", path: "/v1/reports", json: {}, allowed: ["app"] },
  { method: "GET", path: "/v1/review-queue", allowed: ["operator", "admin"] },
  { method: "GET", path: "/v1/audit", allowed: ["operator", "admin"] },
];

const keys: Partial<Record<Caller, string>> = {};

beforeAll(async () => {
  keys.app = (await newKey("app")).key;
  keys.operator = (await newKey("operator")).key;
  keys.admin = (await newKey("admin")).key;
});

describe("role matrix across the suite", () => {
  it.each(MATRIX)("$method $path", async ({ method, path, json, allowed }) => {
    for (const caller of ["anonymous", "app", "operator", "admin"] as const) {
      const res = await http(path, { method, json, key: caller === "anonymous" ? undefined : keys[caller] });
      const label = `${caller} → ${method} ${path} (${res.status})`;
      if (allowed.includes(caller)) {
        expect([401, 403], label).not.toContain(res.status);
      } else {
        expect(res.status, label).toBe(caller === "anonymous" ? 401 : 403);
        const body = (await res.json()) as { code: string };
        expect(body.code, label).toBe(caller === "anonymous" ? "missing_credentials" : "forbidden_role");
      }
      if (res.bodyUsed === false) await res.body?.cancel();
    }
  });

  it("keeps the bootstrap admin key working", async () => {
    expect((await http("/v1/keys", { key: adminKey() })).status).toBe(200);
  });
});
