import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import type { Ctx } from "./context";
import type { MessageKey } from "./i18n";

export const BASE = "/console";

export type Flash = { kind: "ok" | "bad"; text: string } | null;

interface NavEntry {
  href: string;
  label: MessageKey;
  admin?: boolean;
}
const NAV: NavEntry[] = [
  { href: `${BASE}/queue`, label: "navQueue" },
  { href: `${BASE}/appeals`, label: "navAppeals" },
  { href: `${BASE}/audit`, label: "navAudit" },
  { href: `${BASE}/accounts`, label: "navAccounts" },
  { href: `${BASE}/spread`, label: "navSpread" },
  { href: `${BASE}/policy`, label: "navPolicy", admin: true },
  { href: `${BASE}/keys`, label: "navKeys", admin: true },
  { href: `${BASE}/webhooks`, label: "navWebhooks", admin: true },
];

/** The hidden CSRF field every form of a signed-in page carries. */
export function Csrf(props: { c: Ctx }) {
  return <input type="hidden" name="csrf" value={props.c.get("session")?.csrfToken ?? ""} />;
}

/** The page shell: skip link, role-aware navigation, language switch, sign-out, flash message. */
export function Page(props: { c: Ctx; title: string; current?: string; flash?: Flash; children?: Child }) {
  const { c } = props;
  const t = c.get("t");
  const session = c.get("session");
  const here = new URL(c.req.url);
  // A page answering a POST (a reveal, an import) switches language on its section's page: the POST's path has no GET.
  const langLink = (lang: string) => {
    if (c.req.method !== "GET") return `${props.current ?? `${BASE}/sign-in`}?lang=${lang}`;
    const u = new URLSearchParams(here.search);
    u.set("lang", lang);
    return `${here.pathname}?${u.toString()}`;
  };
  return (
    <>
    {raw("<!DOCTYPE html>")}
    <html lang={c.get("lang")}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{`${props.title} · ${t("appName")}`}</title>
        <link rel="stylesheet" href={`${BASE}/assets/console.css`} />
        <script src={`${BASE}/assets/console.js`} defer></script>
      </head>
      <body>
        <a class="skip" href="#main">
          {t("skip")}
        </a>
        <header class="top">
          <a class="brand" href={session ? `${BASE}/queue` : `${BASE}/sign-in`}>
            {t("appName")}
          </a>
          {session && (
            <nav aria-label={t("nav")}>
              <ul>
                {NAV.filter((n) => !n.admin || session.principal.role === "admin").map((n) => (
                  <li>
                    <a href={n.href} aria-current={props.current === n.href ? "page" : undefined}>
                      {t(n.label)}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          <div class="who">
            <span class="langs" role="group" aria-label={t("language")}>
              <a href={langLink("en")} lang="en" hreflang="en" aria-current={c.get("lang") === "en" ? "true" : undefined}>
                English
              </a>
              <a href={langLink("zh-CN")} lang="zh-CN" hreflang="zh-CN" aria-current={c.get("lang") === "zh-CN" ? "true" : undefined}>
                简体中文
              </a>
            </span>
            {session && (
              <>
                <span data-testid="who">{t("signedInAs", { role: session.principal.role, keyId: session.principal.keyId })}</span>
                <form class="inline" method="post" action={`${BASE}/sign-out`}>
                  <Csrf c={c} />
                  <button type="submit">{t("signOut")}</button>
                </form>
              </>
            )}
          </div>
        </header>
        <main id="main" tabindex={-1}>
          <h1>{props.title}</h1>
          {props.flash && (
            <p class={`flash ${props.flash.kind}`} role={props.flash.kind === "bad" ? "alert" : "status"}>
              {props.flash.text}
            </p>
          )}
          {props.children}
        </main>
      </body>
    </html>
    </>
  );
}

/** Local time-independent rendering of an ISO instant: `2026-12-06 21:42 UTC`. */
export function when(iso: string | null | undefined): string {
  if (!iso) return "—";
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
