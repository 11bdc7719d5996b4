import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { log } from "./log";
import { REQUEST_ID_HEADER } from "./headers";

/** One field-level problem inside a 422 (`errors` member of the problem document). */
export interface FieldError {
  /** JSON pointer-ish path of the field, e.g. "identity.documentNumber". */
  field: string;
  /** Stable machine code, e.g. "ID_CHECKSUM". */
  code: string;
  message: string;
}

/**
 * An error the caller can act on. Thrown anywhere in a worker; the shared `onError`
 * turns it into an RFC 9457 `application/problem+json` response with a stable `code`.
 */
export class ApiError extends HTTPException {
  constructor(
    readonly httpStatus: ContentfulStatusCode,
    readonly code: string,
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string>; [k: string]: unknown } = {},
  ) {
    super(httpStatus, { message: detail });
  }
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export function problemResponse(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  detail: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response {
  const requestId = c.get("requestId") ?? c.req.header(REQUEST_ID_HEADER) ?? undefined;
  const body = {
    type: `https://gatehouse.dev/problems/${code}`,
    title: TITLES[status] ?? "Error",
    status,
    detail,
    code,
    requestId,
    ...extra,
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      "content-type": PROBLEM_CONTENT_TYPE,
      ...(requestId ? { [REQUEST_ID_HEADER]: requestId } : {}),
      ...headers,
    },
  });
}

/** The one error handler of every worker: callers' mistakes get their 4xx, the rest a bare 500. */
export function onError(err: Error, c: Context): Response {
  if (err instanceof ApiError) {
    const { headers, ...extra } = err.extra;
    return problemResponse(c, err.httpStatus, err.code, err.detail, extra, headers);
  }
  if (err instanceof HTTPException) {
    // Hono's own errors (body limit, validator content-type checks...).
    const status = err.status as ContentfulStatusCode;
    const code = status === 413 ? "body_too_large" : status === 415 ? "unsupported_media_type" : status === 400 ? "bad_request" : `http_${status}`;
    return problemResponse(c, status, code, status === 413 ? "The request body is larger than this endpoint accepts." : "The request could not be processed.");
  }
  // Log the error class and message only: messages of our own code carry no personal data,
  // and stack traces never leave the worker.
  log("error", "unhandled_error", { requestId: c.get("requestId"), error: err.name, message: String(err.message).slice(0, 200) });
  return problemResponse(c, 500, "internal_error", "Something went wrong on our side. Quote the request id if you contact support.");
}

export function notFound(c: Context): Response {
  return problemResponse(c, 404, "route_not_found", `No route for ${c.req.method} ${c.req.path}.`);
}
