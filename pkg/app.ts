import { OpenAPIHono, type Hook } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { type AlsoAccept, BODY_METHODS, checkBody } from "./body";
import { ApiError, notFound, onError, type FieldError } from "./errors";
import { QUERY_LOG_HEADER, REQUEST_ID_HEADER } from "./headers";
import { logQueries } from "./d1-query-log";
import { log } from "./log";
import { problemResponses } from "./schemas";
import type { Principal } from "./principal";

/** Per-request values every worker sets (`c.get("requestId")`, `c.get("principal")`). */
export interface AppVariables {
  requestId: string;
  clientRequestId?: string;
  principal?: Principal;
}
export type AppEnv<Bindings extends object> = { Bindings: Bindings; Variables: AppVariables };

declare module "hono" {
  interface ContextVariableMap {
    requestId: string;
    clientRequestId?: string;
    principal?: Principal;
  }
}

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{8,128}$/;
/** The header carrying a client's own request id from the gateway to the workers. */
export const CLIENT_REQUEST_ID_HEADER = "x-client-request-id";

/**
 * Request ids and the request log line. At the edge (`trustIncoming: false`, the gateway) the
 * id is always our own: a client's well-formed `X-Request-Id` is kept beside it as
 * `clientRequestId` (logged, passed on), never used as the id audit entries carry. Behind the
 * gateway (function workers, reached only over service bindings) the gateway's id is taken.
 */
export function requestContext(worker: string, options: { trustIncoming: boolean }): MiddlewareHandler {
  return async (c, next) => {
    const incoming = c.req.header(REQUEST_ID_HEADER);
    const wellFormed = incoming !== undefined && REQUEST_ID_RE.test(incoming) ? incoming : undefined;
    const requestId = options.trustIncoming && wellFormed ? wellFormed : crypto.randomUUID();
    const forwardedClientId = c.req.header(CLIENT_REQUEST_ID_HEADER);
    const clientRequestId = options.trustIncoming ? (forwardedClientId && REQUEST_ID_RE.test(forwardedClientId) ? forwardedClientId : undefined) : wellFormed;
    c.set("requestId", requestId);
    if (clientRequestId) c.set("clientRequestId", clientRequestId);
    const started = Date.now();
    await next();
    c.res.headers.set(REQUEST_ID_HEADER, requestId);
    // Path only, never the query string: queries can carry phone numbers and handles.
    log(c.res.status >= 500 ? "error" : "info", "request", {
      worker,
      requestId,
      ...(clientRequestId ? { clientRequestId } : {}),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Date.now() - started,
    });
  };
}

/**
 * Rejects a body in the wrong media type (415) or malformed JSON (400) before any route of a
 * function worker runs, so handlers and validators only ever see parsed JSON. (The gateway
 * runs the same `checkBody` itself, after routing, authentication and the size limit.)
 */
export function bodyGuard(alsoAccept: AlsoAccept[] = []): MiddlewareHandler {
  return async (c, next) => {
    if (!BODY_METHODS.has(c.req.method)) return next();
    checkBody(await c.req.text(), c.req.header("content-type"), c.req.path, alsoAccept);
    await next();
  };
}

/** Zod validation failures become one 422 listing every field error. */
export const validationHook: Hook<any, any, any, any> = (result, c) => {
  if (result.success) return;
  const errors: FieldError[] = result.error.issues.map((issue) => ({
    field: issue.path.map(String).join(".") || "(body)",
    // A refinement may name its own field code (`params.code`, e.g. INVALID_TEXT).
    code: issue.code === "custom" && typeof issue.params?.code === "string" ? issue.params.code : issue.code.toUpperCase(),
    message: issue.message,
  }));
  throw new ApiError(422, "validation_failed", "Some fields are missing or invalid; see `errors`.", { errors });
};

/**
 * The Hono app of a function worker (and, with `edge`, of the gateway): OpenAPI-aware routes,
 * one error model, request ids, structured logs. Resources are mounted on it with `app.route`.
 */
export function createApp<Bindings extends object, Variables extends object = {}>(
  worker: string,
  options: { alsoAccept?: AlsoAccept[]; edge?: boolean } = {},
): OpenAPIHono<{ Bindings: Bindings; Variables: AppVariables & Variables }> {
  const app = withContract(new OpenAPIHono<{ Bindings: Bindings; Variables: AppVariables & Variables }>({ defaultHook: validationHook }));
  app.use("*", requestContext(worker, { trustIncoming: !options.edge }));
  app.use("*", async (c, next) => {
    // At the edge the var turns it on; behind it, the gateway's header (pkg/headers.ts).
    const env = c.env as { DB?: D1Database; D1_QUERY_LOG?: string };
    if (env.D1_QUERY_LOG === "1" || (!options.edge && c.req.header(QUERY_LOG_HEADER) === "1")) logQueries(env);
    await next();
  });
  // At the edge the gateway checks bodies itself, after routing and authentication.
  if (!options.edge) app.use("/v1/*", bodyGuard(options.alsoAccept));
  app.onError(onError);
  app.notFound(notFound);
  return app;
}

/** A sub-app for one resource, sharing the validation hook; mount with `app.route("/", sub)`. */
export function createRouter<Bindings extends object>(): OpenAPIHono<AppEnv<Bindings>> {
  return withContract(new OpenAPIHono<AppEnv<Bindings>>({ defaultHook: validationHook }));
}

/**
 * Completes every operation registered on `app` with what the shared layers give it, so the
 * OpenAPI document says it without each route repeating it:
 * - `x-gatehouse-roles`: the roles that may call it, from its `requireRole` middleware (`[]` where
 *   no key is needed) — read by the role-matrix test and by clients. (`OpenAPIHono.openapi` drops
 *   a route's middleware before registering it, hence here.)
 * - 422 `validation_failed` when it validates path parameters, a query or a body (`validationHook`);
 * - 400 `malformed_json` and 415 `unsupported_media_type` when it takes a body (`bodyGuard`, and
 *   the gateway's same check in front of it).
 * A route's own description of one of these statuses is kept.
 */
function withContract<A extends OpenAPIHono<any>>(app: A): A {
  const register = app.openapi;
  app.openapi = ((route: { middleware?: unknown; request?: { params?: unknown; query?: unknown; body?: unknown }; responses: Record<string, unknown> }, ...rest: unknown[]) => {
    const middleware = [route.middleware ?? []].flat() as { roles?: readonly string[] }[];
    const roles = middleware.find((m) => Array.isArray(m.roles))?.roles ?? [];
    const request = route.request ?? {};
    const shared = problemResponses(...(request.body ? [400, 415] : []), ...(request.params || request.query || request.body ? [422] : []));
    return (register as (...args: unknown[]) => unknown)({ ...route, responses: { ...shared, ...route.responses }, "x-gatehouse-roles": roles }, ...rest);
  }) as A["openapi"];
  return app;
}
