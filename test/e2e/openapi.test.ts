import { readFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { lintOpenApi } from "../../scripts/openapi/document.mjs";
import { generateClientTypes } from "../../scripts/openapi/generate.mjs";
import { http } from "./client";
import { ROUTES } from "../../workers/gateway/src/routes.generated";

type Operation = { operationId?: string; security?: unknown[]; requestBody?: { content: Record<string, { schema: { $ref?: string } }> } };
type Doc = {
  info: { license?: { name: string; identifier?: string; url?: string } };
  servers?: { url: string }[];
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, { enum?: string[] }> }> };
};

const METHODS = ["get", "put", "post", "delete", "patch"];
let doc: Doc;
let operations: { method: string; path: string; op: Operation }[];

beforeAll(async () => {
  doc = (await (await http("/openapi.json")).json()) as Doc;
  operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ method, path, op })),
  );
});

/** What client generators need from the assembled document, and Redocly's recommended rules. */
describe("/openapi.json for client generators", () => {
  it("names every operation with a unique, URL-safe operationId", () => {
    expect(operations.length).toBeGreaterThan(50);
    const ids = operations.map((o) => o.op.operationId);
    for (const [i, id] of ids.entries()) expect(id, `${operations[i]!.method} ${operations[i]!.path}`).toMatch(/^[a-z][A-Za-z0-9]+$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("derives the same readable ids on every assembly", () => {
    const id = (method: string, path: string) => doc.paths[path]?.[method]?.operationId;
    expect(id("post", "/v1/accounts")).toBe("createAccount");
    expect(id("get", "/v1/accounts")).toBe("listAccounts");
    expect(id("get", "/v1/accounts/{id}")).toBe("getAccount");
    expect(id("get", "/v1/review-queue/{id}")).toBe("getReviewQueueItem");
    expect(id("post", "/v1/screen")).toBe("postScreen");
  });

  it("declares no key for exactly the routes the gateway serves without one", () => {
    const open = operations.filter((o) => Array.isArray(o.op.security) && o.op.security.length === 0).map((o) => `${o.method} ${o.path}`);
    expect(open).toContain("get /v1/health");
    expect(open).toContain("get /v1/public/accounts/{handle}");
    expect(open.some((o) => o.includes("/v1/webhooks/"))).toBe(true);
    expect(open).toContain("get /v1/audit/public-key");
    // Exactly what the gateway's route table serves without a key.
    const keyless = ROUTES.filter((r) => r.public).map((r) => `${r.method.toLowerCase()} ${r.path}`);
    expect([...open].sort()).toEqual(keyless.sort());
    for (const o of operations.filter((o) => !open.includes(`${o.method} ${o.path}`))) expect(o.op.security).toEqual([{ bearer: [] }]);
  });

  it("has a license, a server and a description for every declared tag", () => {
    expect(doc.info.license?.name).toBeTruthy();
    expect(doc.info.license?.identifier ?? doc.info.license?.url).toBeTruthy();
    expect(doc.servers?.length).toBeGreaterThan(0);
    for (const tag of doc.tags ?? []) expect(tag.description, tag.name).toBeTruthy();
  });

  it("keeps two workers' same-named schemas apart (registration's and moderation's ReviewDecision)", () => {
    const bodySchema = (path: string) => {
      const ref = doc.paths[path]!.post!.requestBody!.content["application/json"]!.schema.$ref!;
      return doc.components.schemas[ref.split("/").at(-1)!]!;
    };
    expect(bodySchema("/v1/accounts/{id}/review").properties?.decision?.enum).toEqual(["approve", "reject"]);
    expect(bodySchema("/v1/review-queue/{id}/decision").properties?.decision?.enum).toEqual(["dismiss", "remove_post"]);
  });

  it("passes Redocly's recommended rules with no error and no warning", () => {
    const dir = mkdtempSync(join(tmpdir(), "gatehouse-openapi-"));
    try {
      writeFileSync(join(dir, "openapi.json"), JSON.stringify(doc));
      const { errors, warnings, problems } = lintOpenApi(join(dir, "openapi.json"));
      expect(problems).toEqual([]);
      expect(errors + warnings).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("matches the checked-in generated client types (run `npm run openapi:client` after changing a route)", async () => {
    const checkedIn = readFileSync(new URL("../../pkg/api.gen.ts", import.meta.url), "utf8").split("\n");
    const generated = (await generateClientTypes(doc)).split("\n");
    const line = generated.findIndex((text, i) => text !== checkedIn[i]);
    const drift = line < 0 && generated.length === checkedIn.length ? undefined : `api.gen.ts line ${line + 1}: ${JSON.stringify(checkedIn[line])}, live: ${JSON.stringify(generated[line])}`;
    expect(drift, "pkg/api.gen.ts differs from the live /openapi.json: run `npm run openapi:client`").toBeUndefined();
  });
});
