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

/** A worker's OpenAPI document (each operation carries `x-gatehouse-roles`: see `createRouter`). */
export function openApiDocument(app: OpenAPIHono<any>, title: string) {
  return app.getOpenAPI31Document({ openapi: "3.1.0", info: { title, version: "1" } });
}
