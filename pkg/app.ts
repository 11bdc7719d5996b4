import { OpenAPIHono, type Hook } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { ApiError, notFound, onError, type FieldError } from "./errors";
import { REQUEST_ID_HEADER } from "./headers";
import { log } from "./log";
import type { Principal } from "./principal";

/** Per-request values every worker sets (`c.get("requestId")`, `c.get("principal")`). */
export interface AppVariables {
  requestId: string;
  principal?: Principal;
}
export type AppEnv<Bindings extends object> = { Bindings: Bindings; Variables: AppVariables };

declare module "hono" {
  interface ContextVariableMap {
    requestId: string;
    principal?: Principal;
  }
}

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{8,128}$/;

/** Honours a well-formed incoming `X-Request-Id`, else makes one; echoes it and logs the request. */
export function requestContext(worker: string): MiddlewareHandler {
  return async (c, next) => {
    const incoming = c.req.header(REQUEST_ID_HEADER);
    const requestId = incoming && REQUEST_ID_RE.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", requestId);
    const started = Date.now();
    await next();
    c.res.headers.set(REQUEST_ID_HEADER, requestId);
    // Path only, never the query string: queries can carry phone numbers and handles.
    log(c.res.status >= 500 ? "error" : "info", "request", {
      worker,
      requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Date.now() - started,
    });
  };
}

const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;

/**
 * Rejects a body in the wrong media type (415) or malformed JSON (400) before any route
 * runs, so handlers and validators only ever see parsed JSON. `alsoAccept` lists extra
 * media types for paths matching a pattern (CSV term imports).
 */
export function bodyGuard(alsoAccept: { path: RegExp; types: string[] }[] = []): MiddlewareHandler {
  return async (c, next) => {
    if (!BODY_METHODS.has(c.req.method)) return next();
    const contentType = c.req.header("content-type");
    const length = c.req.header("content-length");
    const text = await c.req.text();
    if (text.length === 0 && (length === undefined || length === "0")) return next();
    const mediaType = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
    if (JSON_TYPE.test(mediaType)) {
      try {
        JSON.parse(text);
      } catch {
        throw new ApiError(400, "malformed_json", "The request body is not valid JSON.");
      }
      return next();
    }
    const path = c.req.path;
    if (alsoAccept.some((a) => a.path.test(path) && a.types.includes(mediaType))) return next();
    throw new ApiError(415, "unsupported_media_type", `Send the body as application/json${mediaType ? `, not ${mediaType}` : " (Content-Type header missing)"}.`);
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
 * The Hono app of a function worker (and the gateway): OpenAPI-aware routes, one error
 * model, request ids, structured logs. Resources are mounted on it with `app.route`.
 */
export function createApp<Bindings extends object>(
  worker: string,
  options: { alsoAccept?: { path: RegExp; types: string[] }[] } = {},
): OpenAPIHono<AppEnv<Bindings>> {
  const app = new OpenAPIHono<AppEnv<Bindings>>({ defaultHook: validationHook });
  app.use("*", requestContext(worker));
  app.use("/v1/*", bodyGuard(options.alsoAccept));
  app.onError(onError);
  app.notFound(notFound);
  return app;
}

/** A sub-app for one resource, sharing the validation hook; mount with `app.route("/", sub)`. */
export function createRouter<Bindings extends object>(): OpenAPIHono<AppEnv<Bindings>> {
  return new OpenAPIHono<AppEnv<Bindings>>({ defaultHook: validationHook });
}

