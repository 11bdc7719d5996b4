import { swaggerUI } from "@hono/swagger-ui";
import { Hono } from "hono";
import type { AppEnv } from "../../../../pkg/app";
import { UPSTREAMS, type Env } from "../env";

type OpenApiDoc = {
  openapi: string;
  info: Record<string, unknown>;
  paths?: Record<string, unknown>;
  components?: Record<string, Record<string, unknown>>;
  [k: string]: unknown;
};

const DOC_CACHE_MS = 60_000;
let cached: { doc: OpenApiDoc; until: number } | undefined;

/**
 * The public OpenAPI 3.1 document: the gateway's own routes plus each function worker's
 * `/openapi.json` (generated from its zod route schemas), merged path by path.
 * A worker that does not answer is left out rather than failing the whole document.
 */
export async function assembleOpenApi(env: Env, own: OpenApiDoc): Promise<OpenApiDoc> {
  const now = Date.now();
  if (cached && cached.until > now) return cached.doc;
  const parts = await Promise.all(
    UPSTREAMS.map(async (u) => {
      try {
        const res = await env[u].fetch("https://internal/openapi.json");
        return res.ok ? ((await res.json()) as OpenApiDoc) : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  const doc: OpenApiDoc = {
    openapi: "3.1.0",
    info: {
      title: "Gatehouse API",
      version: "1",
      description: "Trust-and-safety edge API for messaging platforms: identity-verified registration, post screening, spread counting and moderation. Errors are application/problem+json (RFC 9457) with a stable `code`.",
    },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }],
    paths: { ...(own.paths ?? {}) },
    components: { ...(own.components ?? {}), securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "Gatehouse API key (gh_...)" } } },
  };
  for (const part of parts) {
    if (!part) continue;
    Object.assign(doc.paths!, part.paths ?? {});
    for (const [section, entries] of Object.entries(part.components ?? {})) {
      doc.components![section] = { ...(doc.components![section] ?? {}), ...entries };
    }
  }
  const complete = parts.every(Boolean);
  if (complete) cached = { doc, until: now + DOC_CACHE_MS };
  return doc;
}

/** `/docs`: interactive Swagger UI over `/openapi.json`. Its assets come from a CDN, so its CSP allows that. */
export const docsRoutes = new Hono<AppEnv<Env>>().get(
  "/docs",
  async (c, next) => {
    await next();
    c.res.headers.set(
      "content-security-policy",
      "default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://cdn.jsdelivr.net; connect-src 'self'",
    );
  },
  swaggerUI({ url: "/openapi.json", title: "Gatehouse API" }),
);
