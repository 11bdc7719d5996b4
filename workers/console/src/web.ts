import { getCookie, setCookie, deleteCookie } from "hono/cookie";
import type { MiddlewareHandler } from "hono";
import { timingSafeEqualStr } from "../../../pkg/ids";
import type { ProblemCode } from "../../../pkg/problems";
import type { ConsoleApp, Ctx } from "./context";
import { BASE, type Flash } from "./layout";
import { loadSession } from "./sessions";
import { SESSION_COOKIE } from "./sessions";
import type { Problem } from "./upstream";

/** Largest form body the console accepts (a CSV term import is the biggest). */
export const MAX_FORM_BYTES = 2 * 1024 * 1024;

/**
 * What the browser may do with a console page: this origin's script and stylesheet only, no
 * framing, forms posted only here, no referrer to other sites, nothing cached.
 */
export const securityHeaders: MiddlewareHandler<ConsoleApp> = async (c, next) => {
  await next();
  const h = c.res.headers;
  h.set("content-security-policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'");
  h.set("x-content-type-options", "nosniff");
  // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on form posts, and the origin check needs ours.
  h.set("referrer-policy", "same-origin");
  h.set("x-frame-options", "DENY");
  if (!h.has("cache-control")) h.set("cache-control", "no-store");
};

/** Loads the session of the cookie; pages behind it redirect to sign-in without one. */
export const requireSession: MiddlewareHandler<ConsoleApp> = async (c, next) => {
  const session = await loadSession(c.env, getCookie(c, SESSION_COOKIE));
  if (!session) {
    deleteCookie(c, SESSION_COOKIE, { path: BASE, secure: true });
    return c.redirect(`${BASE}/sign-in`, 303);
  }
  c.set("session", session);
  await next();
};

/** The form fields of a POST (urlencoded or multipart), refused above MAX_FORM_BYTES. */
export async function formOf(c: Ctx): Promise<Record<string, string | File>> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > MAX_FORM_BYTES) throw new PageError(413, "body_too_large");
  const type = c.req.header("content-type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded") && !type.startsWith("multipart/form-data")) throw new PageError(415, "unsupported_media_type");
  const body = await c.req.parseBody();
  const out: Record<string, string | File> = {};
  for (const [k, v] of Object.entries(body)) out[k] = Array.isArray(v) ? (v[0] as string | File) : (v as string | File);
  return out;
}

export function text(form: Record<string, string | File>, name: string): string {
  const v = form[name];
  return typeof v === "string" ? v : "";
}

/**
 * A POST from a signed-in page: it must come from this origin (Origin header, when sent) and
 * carry the session's CSRF token. Returns the form.
 */
export async function checkedForm(c: Ctx): Promise<Record<string, string | File>> {
  checkOrigin(c);
  const form = await formOf(c);
  const expected = c.get("session")?.csrfToken;
  const got = text(form, "csrf");
  if (!expected || !got || !timingSafeEqualStr(got, expected)) throw new PageError(403, "csrf_token_invalid");
  return form;
}

export function checkOrigin(c: Ctx): void {
  const origin = c.req.header("origin");
  if (origin && origin !== new URL(c.req.url).origin) throw new PageError(403, "csrf_token_invalid");
}

/** A refusal rendered as an HTML error page with its registered problem code. */
export class PageError extends Error {
  constructor(
    readonly status: 401 | 403 | 404 | 413 | 415 | 429,
    readonly code: Extract<ProblemCode, "csrf_token_invalid" | "forbidden_role" | "route_not_found" | "body_too_large" | "unsupported_media_type" | "rate_limited">,
    readonly headers: Record<string, string> = {},
  ) {
    super(code);
  }
}

const FLASH_COOKIE = "gh_flash";

/** A message for the next page (post/redirect/get), in a short-lived cookie. */
export function flashNext(c: Ctx, flash: NonNullable<Flash>): void {
  const value = btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(flash))));
  setCookie(c, FLASH_COOKIE, value, { path: BASE, httpOnly: true, secure: true, sameSite: "Strict", maxAge: 60 });
}

export function takeFlash(c: Ctx): Flash {
  const raw = getCookie(c, FLASH_COOKIE);
  if (!raw) return null;
  deleteCookie(c, FLASH_COOKIE, { path: BASE, secure: true });
  try {
    const parsed = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(raw), (ch) => ch.charCodeAt(0)))) as Flash;
    return parsed && (parsed.kind === "ok" || parsed.kind === "bad") && typeof parsed.text === "string" ? parsed : null;
  } catch {
    return null;
  }
}

/** The refusal of a function worker as one line for the operator. */
export function problemText(c: Ctx, p: Problem): string {
  const fields = p.errors?.length ? ` — ${p.errors.map((e) => `${e.field}: ${e.message}`).join("; ")}` : "";
  return c.get("t")("failed", { detail: `${p.detail}${fields}`, code: p.code });
}

/** Redirects back to a console page named by the form (`back`), else to `fallback`. */
export function back(c: Ctx, form: Record<string, string | File>, fallback: string) {
  const to = text(form, "back");
  return c.redirect(to.startsWith(`${BASE}/`) && !to.startsWith("//") ? to : fallback, 303);
}
