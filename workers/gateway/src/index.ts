import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { and, eq, isNull, lt, or } from "drizzle-orm";
import { apiKeys } from "../../../db/schema";
import { bodyGuard, createApp } from "../../../pkg/app";
import { createDb } from "../../../pkg/db";
import { ApiError, notFound, PROBLEM_CONTENT_TYPE, problemResponse } from "../../../pkg/errors";
import { PRINCIPAL_HEADER, REQUEST_ID_HEADER } from "../../../pkg/headers";
import { log } from "../../../pkg/log";
import { encodePrincipal } from "../../../pkg/principal";
import type { Env } from "./env";
import { authenticate } from "./keys";
import { checkRateLimit } from "./rate-limit";
import { assembleOpenApi, docsRoutes } from "./routes/docs";
import { healthRoutes } from "./routes/health";
import { keysRoutes } from "./routes/keys";
import { firstSegment, PUBLIC_SEGMENTS, ROUTE_OWNERS } from "./upstreams";

/** `/v1/<segment>`s the gateway answers itself. */
const GATEWAY_SEGMENTS = new Set(["keys", "health"]);
const CSV_IMPORT = { path: /^\/v1\/term-lists\/[^/]+\/terms$/, types: ["text/csv"] };

const app = createApp<Env>("gateway", { alsoAccept: [CSV_IMPORT] });

app.use(
  "*",
  secureHeaders({
    contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    strictTransportSecurity: "max-age=63072000; includeSubDomains",
    referrerPolicy: "no-referrer",
    xFrameOptions: "DENY",
  }),
);

/** Unknown `/v1` routes are 404 before anything else, so probing needs no key to learn nothing. */
const knownRoute: MiddlewareHandler = async (c, next) => {
  const segment = firstSegment(c.req.path);
  if (segment === undefined || (!GATEWAY_SEGMENTS.has(segment) && !(segment in ROUTE_OWNERS))) {
    return notFound(c);
  }
  await next();
};

/** Rejects oversized bodies from the declared length, or from the bytes when no length is declared. */
const bodySizeLimit: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  if (c.req.method === "GET" || c.req.method === "HEAD") return next();
  const path = c.req.path;
  const limit = Number(CSV_IMPORT.path.test(path) ? c.env.TERM_IMPORT_MAX_BODY_BYTES ?? 16_777_216 : c.env.MAX_BODY_BYTES ?? 1_048_576);
  const declared = c.req.header("content-length");
  const tooLarge = () => new ApiError(413, "body_too_large", `The request body is larger than ${limit} bytes, the limit of this endpoint.`);
  if (declared !== undefined && Number(declared) > limit) throw tooLarge();
  if ((await c.req.arrayBuffer()).byteLength > limit) throw tooLarge();
  await next();
};

/** Bearer-key authentication for everything but health and public segments. */
const authenticateCaller: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const segment = firstSegment(c.req.path)!;
  if (segment === "health" || PUBLIC_SEGMENTS.has(segment)) return next();
  const header = c.req.header("authorization");
  const challenge = { headers: { "www-authenticate": 'Bearer realm="gatehouse"' } };
  if (!header) throw new ApiError(401, "missing_credentials", "This endpoint needs an API key: send `Authorization: Bearer <key>`.", challenge);
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new ApiError(401, "invalid_authorization_header", "The Authorization header must be `Bearer <key>`.", challenge);
  const db = createDb(c.env.DB);
  const result = await authenticate(db, match[1]!, c.env.ADMIN_KEY);
  if (!result.ok) {
    throw result.code === "revoked_key"
      ? new ApiError(401, "revoked_key", "This API key has been revoked.", challenge)
      : new ApiError(401, "invalid_key", "This API key is not valid.", challenge);
  }
  c.set("principal", result.principal);
  if (result.recordUse) {
    // At most once a minute per key and isolate, off the request path; the guard in SQL keeps
    // many isolates from rewriting it within the minute.
    const now = Date.now();
    c.executionCtx.waitUntil(
      db
        .update(apiKeys)
        .set({ lastUsedAt: now })
        .where(and(eq(apiKeys.id, result.principal.keyId), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, now - 60_000))))
        .run()
        .catch(() => undefined),
    );
  }
  await next();
};

/** Per-key limit (per client address for unauthenticated calls). */
const rateLimit: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const principal = c.get("principal");
  const key = principal ? `key:${principal.keyId}` : `ip:${c.req.header("cf-connecting-ip") ?? "local"}`;
  // `wrangler dev`'s simulated binding never refuses, so local development uses the
  // in-isolate window with the same limit (one gateway isolate locally: exact there).
  const binding = c.env.ENVIRONMENT === "development" ? undefined : c.env.RATE_LIMITER;
  const decision = await checkRateLimit(binding, Number(c.env.RATE_LIMIT_PER_MINUTE ?? 600), key);
  if (!decision.allowed) {
    throw new ApiError(429, "rate_limited", "Too many requests for this key; slow down and retry after the indicated time.", {
      headers: { "retry-after": String(decision.retryAfter) },
    });
  }
  await next();
};

app.use("/v1/*", knownRoute, bodySizeLimit, authenticateCaller, rateLimit, bodyGuard([CSV_IMPORT]));

app.route("/", healthRoutes);
app.route("/", keysRoutes);
app.route("/", docsRoutes);

app.get("/openapi.json", async (c) => {
  const own = app.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "gateway", version: "1" } });
  return c.json(await assembleOpenApi(c.env, own as never));
});

app.get("/", (c) => c.redirect("/docs"));

/** Everything else under `/v1` belongs to a function worker: forward it over its service binding. */
app.all("/v1/*", async (c) => {
  const url = new URL(c.req.url);
  const owner = ROUTE_OWNERS[firstSegment(url.pathname)!]!;
  const headers = new Headers(c.req.raw.headers);
  headers.delete("authorization");
  headers.delete(PRINCIPAL_HEADER);
  const principal = c.get("principal");
  if (principal) headers.set(PRINCIPAL_HEADER, encodePrincipal(principal));
  headers.set(REQUEST_ID_HEADER, c.get("requestId"));
  const hasBody = c.req.method !== "GET" && c.req.method !== "HEAD";
  const upstreamRequest = new Request(`https://${owner.toLowerCase()}.internal${url.pathname}${url.search}`, {
    method: c.req.method,
    headers,
    body: hasBody ? await c.req.arrayBuffer() : undefined,
  });
  let res: Response;
  try {
    res = await c.env[owner].fetch(upstreamRequest);
  } catch (err) {
    log("error", "upstream_unreachable", { requestId: c.get("requestId"), upstream: owner, error: (err as Error).name });
    return problemResponse(c, "upstream_unavailable", "A Gatehouse service did not answer; retry shortly.");
  }
  // A platform failure (exceeded limits, a crash page) is not one of our problem documents:
  // never pass its body on.
  if (res.status >= 500 && !(res.headers.get("content-type") ?? "").startsWith(PROBLEM_CONTENT_TYPE)) {
    log("error", "upstream_failed", { requestId: c.get("requestId"), upstream: owner, status: res.status });
    await res.body?.cancel();
    return problemResponse(c, "upstream_unavailable", "A Gatehouse service did not answer; retry shortly.");
  }
  // Re-wrap so the gateway's own headers (security, request id) can be set on it.
  return new Response(res.body, res);
});

export default app;
