import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { and, eq, isNull, lt, or } from "drizzle-orm";
import { apiKeys } from "../../../db/schema";
import { type AppVariables, CLIENT_REQUEST_ID_HEADER, createApp } from "../../../pkg/app";
import { BODY_METHODS, bodyTooLarge, checkBody, readBodyWithin } from "../../../pkg/body";
import { createDb } from "../../../pkg/db";
import { ApiError, methodNotAllowed, notFound, PROBLEM_CONTENT_TYPE, problemResponse } from "../../../pkg/errors";
import { PRINCIPAL_HEADER, QUERY_LOG_HEADER, REQUEST_ID_HEADER } from "../../../pkg/headers";
import { log } from "../../../pkg/log";
import { openApiDocument } from "../../../pkg/internal-routes";
import { encodePrincipal } from "../../../pkg/principal";
import type { Env } from "./env";
import { authenticate } from "./keys";
import { authBlockedFor, hitLimit, recordAuthFailure, type LimitName } from "./limits";
import { matchRoute, type RouteEntry } from "./route-table";
import { assembleOpenApi, docsRoutes } from "./routes/docs";
import { healthRoutes } from "./routes/health";
import { keysRoutes } from "./routes/keys";
import { ownerOf } from "./upstreams";

/**
 * The gateway: the only public worker. Every `/v1` request passes these checks in this order,
 * each before anything of the next is done (no key is looked up for an unknown route, no byte
 * of a body is read for an unauthenticated or over-limit caller):
 *   route (404/405) → authentication (401) → rate limit (429) → declared size (413) →
 *   streamed size (413) → media type (415) → JSON (400) → the worker.
 * The body is read once, here, and the same bytes are forwarded.
 */
type GatewayVariables = { route: RouteEntry; body?: Uint8Array; tierLimit?: LimitName };
type GatewayEnv = { Bindings: Env; Variables: AppVariables & GatewayVariables };

const CSV_IMPORT = { path: /^\/v1\/term-lists\/[^/]+\/terms$/, types: ["text/csv"] };

const app = createApp<Env, GatewayVariables>("gateway", { edge: true });

app.use(
  "*",
  secureHeaders({
    contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    strictTransportSecurity: "max-age=63072000; includeSubDomains",
    referrerPolicy: "no-referrer",
    xFrameOptions: "DENY",
    // A route that sets its own header keeps it: /docs has a CSP of its own.
    overwrite: false,
  }),
);

/** The address a limit counts keyless calls and failed authentications against. */
const clientAddress = (c: { req: { header(name: string): string | undefined } }) => c.req.header("cf-connecting-ip") ?? "unknown";

/** 1. Route: unknown paths are 404 and known paths with another method 405, before anything else. */
const route: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  const match = matchRoute(c.req.method, c.req.path);
  if (match.kind === "not_found") return notFound(c);
  if (match.kind === "method_not_allowed") return methodNotAllowed(c, match.allowed);
  c.set("route", match.route);
  await next();
};

/** 2. Authentication of the bearer key, except on public routes. Failed attempts are limited per address. */
const authenticateCaller: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  if (c.get("route").public) return next();
  const challenge = { "www-authenticate": 'Bearer realm="gatehouse"' };
  const address = clientAddress(c);
  const refuse = async (code: "missing_credentials" | "invalid_authorization_header" | "invalid_key" | "revoked_key", detail: string) => {
    // A call without a key guesses nothing and costs no lookup: only presented keys count.
    const blockedFor = code === "missing_credentials" ? 0 : await recordAuthFailure(c.env, address);
    if (blockedFor > 0) throw tooManyFailures(blockedFor);
    throw new ApiError(401, code, detail, { headers: challenge });
  };
  // A client over its failure budget is refused before its key costs a lookup.
  const blockedFor = authBlockedFor(address);
  if (blockedFor > 0) throw tooManyFailures(blockedFor);
  const header = c.req.header("authorization");
  if (!header) return refuse("missing_credentials", "This endpoint needs an API key: send `Authorization: Bearer <key>`.");
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) return refuse("invalid_authorization_header", "The Authorization header must be `Bearer <key>`.");
  const db = createDb(c.env.DB);
  const result = await authenticate(db, match[1]!, c.env.ADMIN_KEY);
  if (!result.ok) {
    return result.code === "revoked_key" ? refuse("revoked_key", "This API key has been revoked.") : refuse("invalid_key", "This API key is not valid.");
  }
  c.set("principal", result.principal);
  if (result.tier !== "unlimited") c.set("tierLimit", result.tier);
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

const tooManyFailures = (retryAfter: number) =>
  new ApiError(429, "rate_limited", "Too many failed authentications from this address; retry after the indicated time.", {
    headers: { "retry-after": String(retryAfter) },
  });

/** 3. Rate limit: per key by its tier; keyless calls per client address, in a namespace of their own. */
const rateLimit: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  const principal = c.get("principal");
  const decision = principal
    ? c.get("tierLimit")
      ? await hitLimit(c.env, c.get("tierLimit")!, principal.keyId)
      : { allowed: true, retryAfter: 0 }
    : await hitLimit(c.env, "keyless", clientAddress(c));
  if (!decision.allowed) {
    throw new ApiError(429, "rate_limited", principal ? "Too many requests for this key; slow down and retry after the indicated time." : "Too many requests from this address; retry after the indicated time.", {
      headers: { "retry-after": String(decision.retryAfter) },
    });
  }
  await next();
};

/** 4–7. The body: declared size, streamed size, media type, JSON — read once, kept for forwarding. */
const checkRequestBody: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  if (!BODY_METHODS.has(c.req.method)) return next();
  const path = c.req.path;
  const limit = Number(CSV_IMPORT.path.test(path) ? (c.env.TERM_IMPORT_MAX_BODY_BYTES ?? 16_777_216) : (c.env.MAX_BODY_BYTES ?? 1_048_576));
  const declared = c.req.header("content-length");
  if (declared !== undefined && Number(declared) > limit) throw bodyTooLarge(limit);
  const bytes = await readBodyWithin(c.req.raw, limit);
  const text = new TextDecoder().decode(bytes);
  checkBody(text, c.req.header("content-type"), path, [CSV_IMPORT]);
  c.set("body", bytes);
  // The gateway's own routes validate from Hono's body cache (its json() reads the cached text),
  // never from the consumed stream; no copy of the bytes is made for forwarded requests.
  (c.req.bodyCache as Record<string, Promise<unknown>>).text = Promise.resolve(text);
  await next();
};

/**
 * The operator console (workers/console) has its own sign-in, sessions and CSRF checks: its
 * pages are forwarded as they come, before and apart from the API's checks (no route table,
 * no bearer key). Nothing of a caller's own principal header passes.
 */
const toConsole: MiddlewareHandler<GatewayEnv> = async (c) => {
  const headers = new Headers(c.req.raw.headers);
  headers.delete(PRINCIPAL_HEADER);
  headers.delete(CLIENT_REQUEST_ID_HEADER);
  headers.set(REQUEST_ID_HEADER, c.get("requestId"));
  const clientRequestId = c.get("clientRequestId");
  if (clientRequestId) headers.set(CLIENT_REQUEST_ID_HEADER, clientRequestId);
  let res: Response;
  try {
    res = await c.env.CONSOLE.fetch(new Request(c.req.raw.url, { method: c.req.method, headers, body: c.req.raw.body, redirect: "manual" }));
  } catch (err) {
    log("error", "upstream_unreachable", { requestId: c.get("requestId"), upstream: "CONSOLE", error: (err as Error).name });
    return problemResponse(c, "upstream_unavailable", "The console did not answer; retry shortly.");
  }
  return new Response(res.body, res);
};
app.all("/console", toConsole);
app.all("/console/*", toConsole);

app.use("/v1/*", route, authenticateCaller, rateLimit, checkRequestBody);

app.route("/", healthRoutes);
app.route("/", keysRoutes);
app.route("/", docsRoutes);

app.get("/openapi.json", async (c) => c.json(await assembleOpenApi(c.env, openApiDocument(app, "gateway") as never)));

app.get("/", (c) => c.redirect("/docs"));

/** Everything else under `/v1` belongs to a function worker: forward it over its service binding. */
app.all("/v1/*", async (c) => {
  const url = new URL(c.req.url);
  const owner = ownerOf(url.pathname);
  // The table says the route exists, but the gateway serves no such method itself (e.g. HEAD
  // of a gateway route): nothing to forward to.
  if (!owner) return notFound(c);
  const headers = new Headers(c.req.raw.headers);
  headers.delete("authorization");
  headers.delete(PRINCIPAL_HEADER);
  headers.delete(CLIENT_REQUEST_ID_HEADER);
  headers.delete(QUERY_LOG_HEADER);
  if (c.env.D1_QUERY_LOG === "1") headers.set(QUERY_LOG_HEADER, "1");
  const principal = c.get("principal");
  if (principal) headers.set(PRINCIPAL_HEADER, encodePrincipal(principal));
  headers.set(REQUEST_ID_HEADER, c.get("requestId"));
  const clientRequestId = c.get("clientRequestId");
  if (clientRequestId) headers.set(CLIENT_REQUEST_ID_HEADER, clientRequestId);
  const body = c.get("body");
  if (body) headers.set("content-length", String(body.byteLength));
  const upstreamRequest = new Request(`https://${owner.toLowerCase()}.internal${url.pathname}${url.search}`, {
    method: c.req.method,
    headers,
    body: body && body.byteLength > 0 ? body : undefined,
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
