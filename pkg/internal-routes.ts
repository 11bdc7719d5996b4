import type { OpenAPIHono } from "@hono/zod-openapi";
import { createDb } from "./db";
import { checkD1 } from "./health";
import type { AppEnv } from "./app";

/**
 * Routes every function worker answers for the gateway only (they are outside `/v1`, so the
 * gateway never forwards a client to them): `GET /health` and `GET /openapi.json`, this
 * worker's share of the public OpenAPI document, which the gateway merges.
 */
export function mountInternalRoutes<B extends { DB: D1Database }>(app: OpenAPIHono<AppEnv<B>>, worker: string): void {
  app.get("/health", async (c) => {
    const d1 = await checkD1(createDb(c.env.DB));
    return c.json({ status: d1 === "ok" ? "ok" : "degraded", worker, checks: { d1 } }, d1 === "ok" ? 200 : 503);
  });
  app.get("/openapi.json", (c) => c.json(openApiDocument(app, `gatehouse-${worker}`)));
}

type OpenApiOperation = Record<string, unknown>;

/**
 * A worker's OpenAPI document, each operation marked with the roles that may call it
 * (`x-gatehouse-roles`, read from its `requireRole` middleware; `[]` where no key is needed),
 * so the role matrix test and clients read who may call what from one place.
 */
export function openApiDocument(app: OpenAPIHono<any>, title: string) {
  const doc = app.getOpenAPI31Document({ openapi: "3.1.0", info: { title, version: "1" } });
  for (const def of app.openAPIRegistry.definitions) {
    if (def.type !== "route") continue;
    const operation = (doc.paths?.[def.route.path] as Record<string, OpenApiOperation> | undefined)?.[def.route.method];
    if (!operation) continue;
    const middleware = [(def.route as { middleware?: unknown }).middleware ?? []].flat() as { roles?: readonly string[] }[];
    operation["x-gatehouse-roles"] = middleware.find((m) => Array.isArray(m.roles))?.roles ?? [];
  }
  return doc;
}
