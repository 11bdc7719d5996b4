import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { REQUEST_ID_HEADER } from "./headers";
import { log } from "./log";
import { PROBLEMS, type ProblemCode, type StatusOf } from "./problems";

/** One field-level problem inside a 422 (`errors` member of the problem document). */
export interface FieldError {
  /** JSON pointer-ish path of the field, e.g. "identity.documentNumber". */
  field: string;
  /** Stable machine code, e.g. "ID_CHECKSUM". */
  code: string;
  message: string;
}

export type ProblemExtra = { errors?: FieldError[]; headers?: Record<string, string>; [k: string]: unknown };

/**
 * An error the caller can act on. Thrown anywhere in a worker; the shared `onError` turns it
 * into an RFC 9457 `application/problem+json` response. Only registered codes compile, and
 * only with the status they are registered with (`pkg/problems.ts`).
 */
export class ApiError<C extends ProblemCode = ProblemCode> extends HTTPException {
  constructor(
    readonly httpStatus: StatusOf<C>,
    readonly code: C,
    readonly detail: string,
    readonly extra: ProblemExtra = {},
  ) {
    super(httpStatus as ContentfulStatusCode, { message: detail });
  }
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** The problem response of a registered code: status and title come from the registry. */
export function problemResponse(c: Context, code: ProblemCode, detail: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  const { status, title } = PROBLEMS[code];
  const requestId = c.get("requestId") ?? undefined;
  const clientRequestId = c.get("clientRequestId");
  const body = { type: `https://gatehouse.dev/problems/${code}`, title, status, detail, code, requestId, ...(clientRequestId ? { clientRequestId } : {}), ...extra };
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      "content-type": PROBLEM_CONTENT_TYPE,
      ...(requestId ? { [REQUEST_ID_HEADER]: requestId } : {}),
      ...headers,
    },
  });
}

/** Hono's own HTTPExceptions (validator parse errors, body limits) mapped to registered codes. */
const HONO_STATUS_CODES: Partial<Record<number, [ProblemCode, string]>> = {
  400: ["malformed_body", "The request body could not be parsed."],
  413: ["body_too_large", "The request body is larger than this endpoint accepts."],
  415: ["unsupported_media_type", "This endpoint does not accept the body's media type."],
};

/** The one error handler of every worker: callers' mistakes get their 4xx, the rest a bare 500. */
export function onError(err: Error, c: Context): Response {
  if (err instanceof ApiError) {
    const { headers, ...extra } = err.extra;
    return problemResponse(c, err.code, err.detail, extra, headers);
  }
  if (err instanceof HTTPException && HONO_STATUS_CODES[err.status]) {
    const [code, detail] = HONO_STATUS_CODES[err.status]!;
    return problemResponse(c, code, detail);
  }
  // Log the error class and message only: messages of our own code carry no personal data,
  // and stack traces never leave the worker.
  log("error", "unhandled_error", { requestId: c.get("requestId"), error: err.name, message: String(err.message).slice(0, 200) });
  return problemResponse(c, "internal_error", "Something went wrong on our side. Quote the request id if you contact support.");
}

/** 404 for a path no route serves. The detail never echoes the path (it may carry ids or personal data). */
export function notFound(c: Context): Response {
  return problemResponse(c, "route_not_found", "No route serves this path; see /openapi.json for the API.");
}

/** 405 for a path served by other methods, with `Allow` listing them. */
export function methodNotAllowed(c: Context, allowed: readonly string[]): Response {
  return problemResponse(c, "method_not_allowed", `This path accepts ${allowed.join(", ")}.`, { allowed }, { allow: allowed.join(", ") });
}
