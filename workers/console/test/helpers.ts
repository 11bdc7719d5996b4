import { env, exports } from "cloudflare:workers";
import { bytesToBase64Url } from "../../../pkg/encoding";
import { newId, sha256Hex } from "../../../pkg/ids";

export const ORIGIN = "https://console.test";
const fetcher = () => (exports as unknown as { default: Fetcher }).default;
export const db = () => (env as unknown as { DB: D1Database }).DB;

/** A stored API key of `role` (as the gateway's POST /v1/keys writes it); returns the key itself. */
export async function storedKey(role: "app" | "operator" | "admin"): Promise<{ id: string; key: string }> {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const key = `gh_${bytesToBase64Url(bytes)}`;
  const id = newId("key");
  await db()
    .prepare("INSERT INTO api_keys (id, name, role, key_hash, key_prefix, limit_tier, created_at) VALUES (?, ?, ?, ?, ?, 'standard', ?)")
    .bind(id, `test ${role}`, role, await sha256Hex(key), key.slice(0, 10), Date.now())
    .run();
  return { id, key };
}

/** A browser-like request: cookies kept by the caller, same-origin by default. */
export function get(path: string, cookies = "", headers: Record<string, string> = {}): Promise<Response> {
  return fetcher().fetch(`${ORIGIN}${path}`, { headers: { cookie: cookies, ...headers }, redirect: "manual" });
}

export function post(path: string, form: Record<string, string>, cookies = "", headers: Record<string, string> = {}): Promise<Response> {
  return fetcher().fetch(`${ORIGIN}${path}`, {
    method: "POST",
    headers: { cookie: cookies, "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, ...headers },
    body: new URLSearchParams(form).toString(),
    redirect: "manual",
  });
}

/** name=value pairs of a response's Set-Cookie headers (attributes dropped). */
export function cookiesOf(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(";");
    const i = pair!.indexOf("=");
    out[pair!.slice(0, i)] = pair!.slice(i + 1);
  }
  return out;
}

export const cookieHeader = (cookies: Record<string, string>) =>
  Object.entries(cookies)
    .filter(([, v]) => v !== "")
    .map(([k, v]) => `${k}=${v}`)
    .join("; ");

/** The hidden CSRF field of the first form on a page. */
export function csrfOf(html: string): string {
  const m = /name="csrf" value="([^"]*)"/.exec(html);
  if (!m) throw new Error("no csrf field on the page");
  return m[1]!;
}

/** Signs in with `key` as a browser would: GET the form (pre-session cookie), POST it. */
export async function signIn(key: string, address = "192.0.2.1"): Promise<{ res: Response; cookies: Record<string, string> }> {
  const page = await get("/console/sign-in");
  const pre = cookiesOf(page);
  const res = await post("/console/sign-in", { csrf: csrfOf(await page.text()), key }, cookieHeader(pre), { "cf-connecting-ip": address });
  return { res, cookies: { ...pre, ...cookiesOf(res) } };
}

/** A signed-in session: its cookie header and the CSRF token of its pages. */
export async function session(role: "operator" | "admin" = "operator"): Promise<{ cookie: string; csrf: string; keyId: string }> {
  const key = await storedKey(role);
  const { res, cookies } = await signIn(key.key);
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
  const cookie = `gh_console=${cookies.gh_console}`;
  const page = await get("/console/queue", cookie);
  return { cookie, csrf: csrfOf(await page.text()), keyId: key.id };
}

export async function auditActions(): Promise<{ action: string; subject_id: string; actor_key_id: string; details: string | null }[]> {
  const { results } = await db().prepare("SELECT action, subject_id, actor_key_id, details FROM audit_log WHERE action LIKE 'console.%' ORDER BY at").all();
  return results as never;
}
