import { Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { requestContext } from "../../../pkg/app";
import { log } from "../../../pkg/log";
import { PROBLEMS } from "../../../pkg/problems";
import { CONSOLE_CSS, CONSOLE_JS } from "./assets";
import type { ConsoleApp, Ctx } from "./context";
import { LANGS, pickLang, translator, type Lang } from "./i18n";
import { BASE, Page } from "./layout";
import { accountRoutes } from "./routes/accounts";
import { appealRoutes } from "./routes/appeals";
import { auditRoutes } from "./routes/audit";
import { itemRoutes } from "./routes/items";
import { keyRoutes } from "./routes/keys";
import { policyRoutes } from "./routes/policy";
import { queueRoutes } from "./routes/queue";
import { signInRoutes } from "./routes/sign-in";
import { spreadRoutes } from "./routes/spread";
import { webhookRoutes } from "./routes/webhooks";
import { PageError, requireSession, securityHeaders } from "./web";

/**
 * The operator console: server-rendered pages under /console, forwarded by the gateway. It signs
 * people in with their operator or admin API key, keeps a session in D1, and does everything
 * through the function workers' own routes over service bindings (same roles, same audit).
 */
const app = new Hono<ConsoleApp>().basePath(BASE);

app.use("*", requestContext("console", { trustIncoming: true }));
app.use("*", securityHeaders);

/** The language: `?lang=` (remembered in a cookie), the cookie, else Accept-Language. */
app.use("*", async (c, next) => {
  const asked = c.req.query("lang");
  let lang: Lang;
  if (asked && (LANGS as readonly string[]).includes(asked)) {
    lang = asked as Lang;
    setCookie(c, "lang", lang, { path: BASE, secure: true, sameSite: "Strict", httpOnly: true, maxAge: 365 * 86_400 });
  } else {
    lang = pickLang(getCookie(c, "lang"), c.req.header("accept-language"));
  }
  c.set("lang", lang);
  c.set("t", translator(lang));
  await next();
});

const assetHeaders = { "cache-control": "public, max-age=300", "x-content-type-options": "nosniff" };
app.get("/assets/console.js", (c) => c.body(CONSOLE_JS, 200, { ...assetHeaders, "content-type": "text/javascript; charset=utf-8" }));
app.get("/assets/console.css", (c) => c.body(CONSOLE_CSS, 200, { ...assetHeaders, "content-type": "text/css; charset=utf-8" }));

app.route("/", signInRoutes);

// Every other page needs a live session.
app.use("*", requireSession);
app.get("/", (c) => c.redirect(`${BASE}/queue`, 303));
app.route("/", queueRoutes);
app.route("/", itemRoutes);
app.route("/", appealRoutes);
app.route("/", auditRoutes);
app.route("/", accountRoutes);
app.route("/", policyRoutes);
app.route("/", spreadRoutes);
app.route("/", keyRoutes);
app.route("/", webhookRoutes);

function ErrorPage(props: { c: Ctx; status: number; code: string; text: string }) {
  return (
    <Page c={props.c} title={props.c.get("t")("errorTitle")} flash={{ kind: "bad", text: props.text }}>
      <p class="muted">
        {props.status} · <code data-testid="problem-code">{props.code}</code> · {props.c.get("requestId")}
      </p>
    </Page>
  );
}

app.notFound((c) => c.html(<ErrorPage c={c} status={404} code="route_not_found" text={c.get("t")?.("notFound") ?? "Not found"} />, 404));

app.onError((err, c) => {
  if (err instanceof PageError) {
    const t = c.get("t");
    const text =
      err.code === "csrf_token_invalid"
        ? t("csrfInvalid")
        : err.code === "forbidden_role"
          ? t("forbidden", { role: c.get("session")?.principal.role ?? "—" })
          : PROBLEMS[err.code].title;
    for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
    return c.html(<ErrorPage c={c} status={err.status} code={err.code} text={text} />, err.status);
  }
  log("error", "unhandled", { worker: "console", requestId: c.get("requestId"), error: err.name });
  return c.html(<ErrorPage c={c} status={500} code="internal_error" text={PROBLEMS.internal_error.title} />, 500);
});

export default app;
