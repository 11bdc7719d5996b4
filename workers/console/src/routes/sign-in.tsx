import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { findApiKey } from "../../../../pkg/api-keys";
import { auditStatement } from "../../../../pkg/audit";
import { runAtomic } from "../../../../pkg/batch";
import { createDb } from "../../../../pkg/db";
import { timingSafeEqualStr } from "../../../../pkg/ids";
import type { ConsoleApp, Ctx } from "../context";
import { BASE, Page, type Flash } from "../layout";
import { closeSession, loadSession, openSession, randomToken, SESSION_COOKIE, sessionLimits } from "../sessions";
import { signInBlockedFor, recordSignInFailure } from "../sign-in-limits";
import { checkedForm, checkOrigin, flashNext, formOf, PageError, requireSession, takeFlash, text } from "../web";

/** The pre-session CSRF cookie of the sign-in form (double submit: cookie and hidden field). */
const PRE_COOKIE = "gh_console_pre";
const cookieBase = { httpOnly: true, secure: true, sameSite: "Strict" as const };

export const signInRoutes = new Hono<ConsoleApp>();

function SignInPage(props: { c: Ctx; token: string; flash: Flash; status?: number }) {
  const { c } = props;
  const t = c.get("t");
  const { idleMinutes, absoluteHours } = sessionLimits(c.env);
  return (
    <Page c={c} title={t("signInTitle")} flash={props.flash}>
      <p>{t("signInIntro", { idle: idleMinutes, absolute: absoluteHours })}</p>
      <form method="post" action={`${BASE}/sign-in`} autocomplete="off">
        <input type="hidden" name="csrf" value={props.token} />
        <div class="field">
          <label for="key">{t("apiKey")}</label>
          <input id="key" name="key" type="password" required autocomplete="off" spellcheck={false} size={60} />
        </div>
        <button type="submit">{t("signIn")}</button>
      </form>
    </Page>
  );
}

function preToken(c: Ctx): string {
  const existing = getCookie(c, PRE_COOKIE);
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const token = randomToken();
  setCookie(c, PRE_COOKIE, token, { ...cookieBase, path: `${BASE}/sign-in`, maxAge: 3600 });
  return token;
}

const address = (c: Ctx) => c.req.header("cf-connecting-ip") ?? "unknown";

signInRoutes.get("/sign-in", async (c) => {
  if (await loadSession(c.env, getCookie(c, SESSION_COOKIE))) return c.redirect(`${BASE}/queue`, 303);
  return c.html(<SignInPage c={c} token={preToken(c)} flash={takeFlash(c)} />);
});

signInRoutes.post("/sign-in", async (c) => {
  checkOrigin(c);
  const t = c.get("t");
  const refuse = (status: 401 | 403 | 429, text: string, headers: Record<string, string> = {}) => {
    for (const [k, v] of Object.entries(headers)) c.header(k, v);
    return c.html(<SignInPage c={c} token={preToken(c)} flash={{ kind: "bad", text }} />, status);
  };
  const blockedFor = signInBlockedFor(address(c));
  if (blockedFor > 0) return refuse(429, t("signInLimited", { seconds: blockedFor }), { "retry-after": String(blockedFor) });
  const form = await formOf(c);
  const expected = getCookie(c, PRE_COOKIE);
  const got = text(form, "csrf");
  if (!expected || !got || !timingSafeEqualStr(got, expected)) throw new PageError(403, "csrf_token_invalid");

  const key = await findApiKey(createDb(c.env.DB), text(form, "key").trim());
  const requestId = c.get("requestId");
  if (!key || key.revokedAt !== null) {
    const code = key ? "revoked_key" : "invalid_key";
    // Recorded without the presented token or the caller's address (personal data).
    await runAtomic(c.env.DB, [
      auditStatement({ keyId: "console", role: "system" }, requestId, { action: "console.sign_in_failed", subjectType: "api_key", subjectId: key?.id ?? "unknown", details: { code } }),
    ]);
    const blocked = await recordSignInFailure(c.env, address(c));
    if (blocked > 0) return refuse(429, t("signInLimited", { seconds: blocked }), { "retry-after": String(blocked) });
    return refuse(401, t(key ? "signInRevoked" : "signInInvalid"));
  }
  if (key.role !== "operator" && key.role !== "admin") {
    await runAtomic(c.env.DB, [
      auditStatement({ keyId: key.id, role: key.role }, requestId, { action: "console.sign_in_failed", subjectType: "api_key", subjectId: key.id, details: { code: "forbidden_role" } }),
    ]);
    return refuse(403, t("signInRole"));
  }
  const session = await openSession(c.env, { keyId: key.id, role: key.role }, requestId);
  setCookie(c, SESSION_COOKIE, session.id, { ...cookieBase, path: BASE, maxAge: session.maxAgeSeconds });
  deleteCookie(c, PRE_COOKIE, { path: `${BASE}/sign-in`, secure: true });
  return c.redirect(`${BASE}/queue`, 303);
});

signInRoutes.post("/sign-out", requireSession, async (c) => {
  await checkedForm(c);
  await closeSession(c.env, c.get("session")!, c.get("requestId"));
  deleteCookie(c, SESSION_COOKIE, { path: BASE, secure: true });
  flashNext(c, { kind: "ok", text: c.get("t")("signedOut") });
  return c.redirect(`${BASE}/sign-in`, 303);
});
