import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { PROBLEMS } from "../../pkg/problems";
import { routeTableSource } from "../../scripts/openapi/route-table.mjs";
import { adminKey, http } from "./client";

/**
 * The API contract as the gateway states it in /openapi.json, checked against what the stack
 * does: its route table, its 404s and 405s, the roles of every operation, and the registry of
 * problem codes (README and document alike).
 */
type Operation = { "x-gatehouse-roles"?: string[]; security?: unknown[]; responses?: Record<string, { description?: string }> };
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, { properties?: Record<string, { enum?: string[] }> }> } };

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
const root = new URL("../../", import.meta.url);
let doc: Doc;

beforeAll(async () => {
  doc = (await (await http("/openapi.json")).json()) as Doc;
});

const v1Paths = () => Object.keys(doc.paths).filter((p) => p.startsWith("/v1/"));
const methodsOf = (path: string) => Object.keys(doc.paths[path]!).map((m) => m.toUpperCase()).filter((m) => (METHODS as readonly string[]).includes(m));
/** A concrete path for a template: every parameter a plausible but absent value. */
const concrete = (template: string) => template.replace(/\{[^}]+\}/g, "zz_00000000000000");

describe("route table", () => {
  it("is the one generated from the live document (run `npm run openapi:routes` after changing a route)", () => {
    const onDisk = readFileSync(new URL("workers/gateway/src/routes.generated.ts", root), "utf8");
    expect(onDisk).toBe(routeTableSource(doc));
  });

  it("answers 405 with Allow for every method a documented path lacks, without a key", async () => {
    for (const path of v1Paths()) {
      const documented = methodsOf(path);
      for (const method of METHODS.filter((m) => !documented.includes(m))) {
        const res = await http(concrete(path), { method });
        const label = `${method} ${path}`;
        expect(res.status, label).toBe(405);
        const allow = [...documented, ...(documented.includes("GET") ? ["HEAD"] : [])].sort().join(", ");
        expect(res.headers.get("allow"), label).toBe(allow);
        expect(((await res.json()) as { code: string }).code, label).toBe("method_not_allowed");
      }
    }
  });

  it("answers 404 for a trailing slash, an extra segment or an unknown segment of every documented path", async () => {
    const documented = v1Paths().map((t) => new RegExp(`^${t.replace(/\{[^}]+\}/g, "[^/]+")}$`));
    for (const path of v1Paths()) {
      // (A variant that another template serves, e.g. /v1/keys/x for /v1/keys/{id}, is not unknown.)
      for (const variant of [`${concrete(path)}/`, `${concrete(path)}/extra-segment`].filter((v) => !documented.some((re) => re.test(v)))) {
        const res = await http(variant, { method: methodsOf(path)[0] });
        expect(res.status, variant).toBe(404);
        expect(((await res.json()) as { code: string }).code, variant).toBe("route_not_found");
      }
    }
    for (const segment of ["nope", "KEYS", "health.json", "keys%2F"]) {
      expect((await http(`/v1/${segment}`)).status, segment).toBe(404);
    }
  });
});

describe("role matrix (roles read from each operation's x-gatehouse-roles)", () => {
  const keys: Record<string, string> = {};
  beforeAll(async () => {
    for (const role of ["app", "operator", "admin"]) {
      const res = await http("/v1/keys", { key: adminKey(), json: { role, name: `role matrix ${role}`, tier: "unlimited" } });
      keys[role] = ((await res.json()) as { key: string }).key;
    }
  });

  // Operations whose effect would change what later tests see are called with a body that
  // fails validation after the role check (an allowed role then gets 422, never a change).
  const body = (method: string) => (method === "GET" || method === "DELETE" ? undefined : { __matrix: true });

  it("lets exactly the listed roles past the role check of every operation", async () => {
    const checked: string[] = [];
    for (const path of v1Paths()) {
      for (const method of methodsOf(path)) {
        const op = doc.paths[path]![method.toLowerCase()]!;
        const roles = op["x-gatehouse-roles"];
        expect(roles, `${method} ${path} declares its roles`).toBeDefined();
        const isPublic = Array.isArray(op.security) && op.security.length === 0;
        expect(isPublic, `${method} ${path}: public exactly when no role is required`).toBe(roles!.length === 0);
        if (method === "DELETE" || path === "/v1/webhooks/identity") continue; // checked below / signature first
        for (const caller of ["anonymous", "app", "operator", "admin"]) {
          const res = await http(concrete(path), { method, json: body(method), key: keys[caller] });
          const label = `${caller} → ${method} ${path} (${res.status})`;
          const { code } = res.status >= 400 ? ((await res.json()) as { code: string }) : { code: "" };
          if (isPublic || roles!.includes(caller)) {
            // Past the role check: the dummy ids and body may then be refused, but never for
            // who is calling, never as an unknown route, never with a 5xx.
            expect(["missing_credentials", "forbidden_role", "route_not_found", "method_not_allowed", "rate_limited"], label).not.toContain(code);
            expect(res.status, label).toBeLessThan(500);
          } else {
            expect(res.status, label).toBe(caller === "anonymous" ? 401 : 403);
            expect(code, label).toBe(caller === "anonymous" ? "missing_credentials" : "forbidden_role");
          }
          if (!res.bodyUsed) await res.body?.cancel();
        }
        checked.push(`${method} ${path}`);
      }
    }
    expect(checked.length).toBeGreaterThan(40);
  });

  it("refuses DELETE operations to roles not listed, and lets listed roles reach the resource", async () => {
    for (const path of v1Paths().filter((p) => methodsOf(p).includes("DELETE"))) {
      const roles = doc.paths[path]!.delete!["x-gatehouse-roles"]!;
      for (const caller of ["anonymous", "app", "operator", "admin"]) {
        const res = await http(concrete(path), { method: "DELETE", key: keys[caller] });
        const { code } = (await res.json()) as { code: string };
        const label = `${caller} → DELETE ${path} (${res.status} ${code})`;
        if (roles.includes(caller)) expect(["route_not_found", "missing_credentials", "forbidden_role"], label).not.toContain(code);
        else expect(code, label).toBe(caller === "anonymous" ? "missing_credentials" : "forbidden_role");
      }
    }
  });
});

describe("problem registry", () => {
  it("is what the document's Problem.code lists, and every documented status names only registered codes of that status", () => {
    expect([...(doc.components.schemas.Problem!.properties!.code!.enum ?? [])].sort()).toEqual(Object.keys(PROBLEMS).sort());
    for (const path of Object.keys(doc.paths)) {
      for (const [method, op] of Object.entries(doc.paths[path]!)) {
        for (const [status, response] of Object.entries(op.responses ?? {})) {
          if (Number(status) < 400) continue;
          for (const [, code] of (response.description ?? "").matchAll(/`([a-z0-9_]+)`/g)) {
            expect(PROBLEMS[code as keyof typeof PROBLEMS]?.status, `${method} ${path} ${status} lists ${code}`).toBe(Number(status));
          }
        }
      }
    }
  });

  it("is what README's error table lists, code by code with its status", () => {
    const readme = readFileSync(new URL("README.md", root), "utf8");
    const section = readme.slice(readme.indexOf("## Errors"), readme.indexOf("\n## ", readme.indexOf("## Errors") + 1));
    const listed: Record<string, number> = {};
    for (const [, status, codes] of section.matchAll(/^\| (\d{3}) \| ([^|]+) \|/gm)) {
      for (const [, code] of codes!.matchAll(/`([a-z0-9_]+)`/g)) listed[code!] = Number(status);
    }
    expect(listed).toEqual(Object.fromEntries(Object.entries(PROBLEMS).map(([code, p]) => [code, p.status])));
  });
});

describe("rate-limit namespaces", () => {
  it("match workers/gateway/src/limits.ts in every environment of wrangler.toml", async () => {
    const { LIMITS } = await import("../../workers/gateway/src/limits");
    const toml = readFileSync(new URL("wrangler.toml", root), "utf8");
    const blocks = [...toml.matchAll(/\[\[(env\.(\w+)\.)?ratelimits\]\]\s*\nname = "(\w+)"\s*\nnamespace_id = "(\d+)"\s*\nsimple = \{ limit = (\d+), period = (\d+) \}/g)];
    const byEnv: Record<string, Record<string, { limit: number; period: number }>> = {};
    const namespaces = new Set<string>();
    for (const [, , env = "production", name, namespace, limit, period] of blocks) {
      (byEnv[env!] ??= {})[name!] = { limit: Number(limit), period: Number(period) };
      expect(namespaces.has(namespace!), `namespace ${namespace} used once`).toBe(false);
      namespaces.add(namespace!);
    }
    const expected = Object.fromEntries(Object.values(LIMITS).map((l) => [l.binding, { limit: l.limit, period: l.period }]));
    expect(Object.keys(byEnv).sort()).toEqual(["production", "staging"]);
    for (const env of Object.keys(byEnv)) expect(byEnv[env], env).toEqual(expected);
  });
});
