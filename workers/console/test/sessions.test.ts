import { describe, expect, it } from "vitest";
import { auditActions, cookieHeader, cookiesOf, csrfOf, db, get, post, session, signIn, storedKey } from "./helpers";

describe("sign-in", () => {
  it("opens a session for an operator key: HttpOnly, Secure, SameSite=Strict cookie; only the session id's hash and the key id are stored", async () => {
    const key = await storedKey("operator");
    const { res, cookies } = await signIn(key.key);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/console/queue");
    const line = res.headers.getSetCookie().find((l) => l.startsWith("gh_console="))!;
    expect(line).toMatch(/HttpOnly/);
    expect(line).toMatch(/Secure/);
    expect(line).toMatch(/SameSite=Strict/);
    expect(line).toMatch(/Path=\/console/);
    const rows = (await db().prepare("SELECT * FROM console_sessions").all()).results as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.key_id).toBe(key.id);
    expect(rows[0]!.role).toBe("operator");
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(cookies.gh_console);
    expect(stored).not.toContain(key.key);
    expect(Number(rows[0]!.expires_at)).toBeGreaterThan(Number(rows[0]!.idle_expires_at));
    const page = await get("/console/queue", `gh_console=${cookies.gh_console}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(key.id);
    expect((await auditActions()).filter((a) => a.subject_id === key.id).map((a) => a.action)).toEqual(["console.sign_in"]);
  });

  it("refuses unknown, revoked and app keys, and audits each attempt without the key", async () => {
    const revoked = await storedKey("operator");
    await db().prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ?").bind(Date.now(), revoked.id).run();
    const app = await storedKey("app");
    const unknown = `gh_${"A".repeat(43)}`;
    const results = [await signIn(unknown, "192.0.2.10"), await signIn(revoked.key, "192.0.2.11"), await signIn(app.key, "192.0.2.12"), await signIn("not a key", "192.0.2.13")];
    expect(results.map((r) => r.res.status)).toEqual([401, 401, 403, 401]);
    expect(await results[0]!.res.text()).toContain("This key is not valid.");
    expect(await results[1]!.res.text()).toContain("This key has been revoked.");
    expect(await results[2]!.res.text()).toContain("Only operator and admin keys");
    for (const r of results) expect(cookiesOf(r.res).gh_console).toBeUndefined();
    const audit = (await auditActions()).filter((a) => a.action === "console.sign_in_failed");
    expect(audit.map((a) => [a.action, a.subject_id, JSON.parse(a.details!).code])).toEqual([
      ["console.sign_in_failed", "unknown", "invalid_key"],
      ["console.sign_in_failed", revoked.id, "revoked_key"],
      ["console.sign_in_failed", app.id, "forbidden_role"],
      ["console.sign_in_failed", "unknown", "invalid_key"],
    ]);
    expect(JSON.stringify(audit)).not.toContain(revoked.key);
    const sessions = await db().prepare("SELECT count(*) AS n FROM console_sessions WHERE key_id IN (?, ?)").bind(revoked.id, app.id).first<{ n: number }>();
    expect(sessions!.n).toBe(0);
  });

  it("limits failed sign-ins per address: of 20 at once, 10 are refused as wrong and 10 as too many", async () => {
    const page = await get("/console/sign-in");
    const pre = cookiesOf(page);
    const csrf = csrfOf(await page.text());
    const address = "198.51.100.7";
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => post("/console/sign-in", { csrf, key: `gh_${"B".repeat(43)}` }, cookieHeader(pre), { "cf-connecting-ip": address })),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
    // Once over, the address is refused before any key is looked at — even a good key.
    const good = await storedKey("operator");
    const after = await post("/console/sign-in", { csrf, key: good.key }, cookieHeader(pre), { "cf-connecting-ip": address });
    expect(after.status).toBe(429);
    expect(Number(after.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another address is not affected.
    expect((await signIn(good.key, "198.51.100.8")).res.status).toBe(303);
  });

  it("refuses a sign-in form without its pre-session token, or from another origin", async () => {
    const key = await storedKey("operator");
    const page = await get("/console/sign-in");
    const pre = cookiesOf(page);
    const csrf = csrfOf(await page.text());
    const noCookie = await post("/console/sign-in", { csrf, key: key.key });
    expect(noCookie.status).toBe(403);
    expect(await noCookie.text()).toContain("csrf_token_invalid");
    const wrong = await post("/console/sign-in", { csrf: "x".repeat(43), key: key.key }, cookieHeader(pre));
    expect(wrong.status).toBe(403);
    const foreign = await post("/console/sign-in", { csrf, key: key.key }, cookieHeader(pre), { origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect((await db().prepare("SELECT count(*) AS n FROM console_sessions WHERE key_id = ?").bind(key.id).first<{ n: number }>())!.n).toBe(0);
  });
});

describe("sessions", () => {
  it("without a session every page redirects to sign-in", async () => {
    for (const path of ["/console", "/console/queue", "/console/items/rvw_x", "/console/appeals", "/console/audit", "/console/accounts", "/console/policy"]) {
      const res = await get(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get("location")).toBe("/console/sign-in");
    }
    const forged = await get("/console/queue", `gh_console=${"C".repeat(43)}`);
    expect(forged.status).toBe(303);
  });

  it("a revoked key ends its sessions at once", async () => {
    const s = await session("operator");
    expect((await get("/console/queue", s.cookie)).status).toBe(200);
    await db().prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ?").bind(Date.now(), s.keyId).run();
    const res = await get("/console/queue", s.cookie);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/console/sign-in");
  });

  it("an idle or past-absolute session is dead", async () => {
    const idle = await session("operator");
    await db().prepare("UPDATE console_sessions SET idle_expires_at = ? WHERE key_id = ?").bind(Date.now() - 1, idle.keyId).run();
    expect((await get("/console/queue", idle.cookie)).status).toBe(303);
    const old = await session("operator");
    await db().prepare("UPDATE console_sessions SET expires_at = ? WHERE key_id = ?").bind(Date.now() - 1, old.keyId).run();
    expect((await get("/console/queue", old.cookie)).status).toBe(303);
  });

  it("sign-out needs the session's CSRF token, ends the session, and is audited once however often it is sent at once", async () => {
    const s = await session("operator");
    const noToken = await post("/console/sign-out", {}, s.cookie);
    expect(noToken.status).toBe(403);
    expect(await noToken.text()).toContain("csrf_token_invalid");
    const otherSession = await session("operator");
    expect((await post("/console/sign-out", { csrf: otherSession.csrf }, s.cookie)).status).toBe(403);
    expect((await get("/console/queue", s.cookie)).status).toBe(200);

    const answers = await Promise.all(Array.from({ length: 20 }, () => post("/console/sign-out", { csrf: s.csrf }, s.cookie)));
    for (const r of answers) expect(r.headers.get("location")).toBe("/console/sign-in");
    expect((await get("/console/queue", s.cookie)).status).toBe(303);
    expect((await auditActions()).filter((a) => a.action === "console.sign_out" && a.actor_key_id === s.keyId)).toHaveLength(1);
    // The other session lives on.
    expect((await get("/console/queue", otherSession.cookie)).status).toBe(200);
  });

  it("an operator may not open admin pages; an admin may", async () => {
    const operator = await session("operator");
    const res = await get("/console/policy", operator.cookie);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("forbidden_role");
    expect(await (await get("/console/queue", operator.cookie)).text()).not.toContain('href="/console/policy"');
    const admin = await session("admin");
    expect(await (await get("/console/queue", admin.cookie)).text()).toContain('href="/console/policy"');
    expect((await get("/console/policy", admin.cookie)).status).toBe(200);
  });

  it("a POST with a session but from another origin is refused", async () => {
    const s = await session("operator");
    const res = await post("/console/items/rvw_x/claim", { csrf: s.csrf }, s.cookie, { origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("csrf_token_invalid");
  });
});

describe("pages", () => {
  it("serve a strict content security policy, and only this origin's script and stylesheet", async () => {
    const res = await get("/console/sign-in");
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy")!;
    for (const d of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"]) expect(csp).toContain(d);
    expect(csp).not.toContain("unsafe");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    expect(html).not.toMatch(/<style|\sstyle=|<script>|<script\b(?![^>]*\bsrc="\/console\/assets\/)/);
    expect(html).not.toMatch(/https?:\/\//);
    const js = await get("/console/assets/console.js");
    expect(js.headers.get("content-type")).toMatch(/^text\/javascript/);
    const css = await get("/console/assets/console.css");
    expect(css.headers.get("content-type")).toMatch(/^text\/css/);
  });

  it("speak Simplified Chinese by Accept-Language, and switch by ?lang (remembered)", async () => {
    const zh = await get("/console/sign-in", "", { "accept-language": "zh-CN,zh;q=0.9,en;q=0.5" });
    const html = await zh.text();
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain("登录");
    const switched = await get("/console/sign-in?lang=en", "", { "accept-language": "zh-CN" });
    expect(await switched.text()).toContain('<html lang="en">');
    const lang = cookiesOf(switched).lang;
    expect(lang).toBe("en");
    const remembered = await get("/console/sign-in", `lang=${lang}`, { "accept-language": "zh-CN" });
    expect(await remembered.text()).toContain('<html lang="en">');
  });

  it("every control of the sign-in form is labelled", async () => {
    const html = await (await get("/console/sign-in")).text();
    expect(html).toMatch(/<label for="key">/);
    expect(html).toMatch(/<input id="key"/);
  });

  it("show a worker's unavailability as a message, not a crash", async () => {
    const s = await session("operator");
    const res = await get("/console/queue", s.cookie);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("upstream_unavailable");
  });

  it("unknown console paths are a 404 page", async () => {
    const s = await session("operator");
    const res = await get("/console/nowhere", s.cookie);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("route_not_found");
  });
});
