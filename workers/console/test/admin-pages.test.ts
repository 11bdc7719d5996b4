import { describe, expect, it } from "vitest";
import { cookiesOf, get, post, session } from "./helpers";

/**
 * The webhooks and account forms' refusals that happen in the console itself, before any call of
 * a function worker (absent here: their bindings answer 503). What the workers do with the calls
 * is tested in the browser against the whole stack (test/e2e/console-admin.test.ts).
 */
const flashOf = async (res: Response, cookie: string) => {
  const flash = cookiesOf(res).gh_flash;
  return (await get(res.headers.get("location")!, `${cookie}; gh_flash=${flash}`)).text();
};

describe("admin pages (webhooks) and account forms", () => {
  it("refuses operators every webhooks page and form (403 forbidden_role), and admins without the session's CSRF token", async () => {
    const operator = await session("operator");
    for (const path of ["/console/webhooks", "/console/webhooks/whk_x"]) {
      const res = await get(path, operator.cookie);
      expect(res.status, path).toBe(403);
      expect(await res.text()).toContain("forbidden_role");
    }
    for (const path of ["/console/webhooks", "/console/webhooks/whk_x", "/console/webhooks/whk_x/rotate", "/console/webhooks/whk_x/delete", "/console/webhooks/whk_x/deliveries/dlv_x/retry"]) {
      expect((await post(path, { csrf: operator.csrf, url: "https://hooks.example.com/x", eventTypes: "post.removed", confirm: "yes" }, operator.cookie)).status, path).toBe(403);
    }
    const admin = await session("admin");
    const forged = await post("/console/webhooks/whk_x/delete", { csrf: "forged", confirm: "yes" }, admin.cookie);
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain("csrf_token_invalid");
    const navAdmin = await (await get("/console/queue", admin.cookie)).text();
    expect(navAdmin).toContain('href="/console/webhooks"');
    expect(await (await get("/console/queue", operator.cookie)).text()).not.toContain('href="/console/webhooks"');
  });

  it("deletes an endpoint and erases an identity only with the confirmation box", async () => {
    const admin = await session("admin");
    const del = await post("/console/webhooks/whk_x/delete", { csrf: admin.csrf }, admin.cookie);
    expect(del.status).toBe(303);
    expect(del.headers.get("location")).toBe("/console/webhooks/whk_x");
    // The page itself cannot load the endpoint here (no moderation worker); the message is what matters.
    expect(await flashOf(del, admin.cookie)).toContain("I confirm: nothing more is delivered");

    const operator = await session("operator");
    const erase = await post("/console/accounts/acc_x/erase", { csrf: operator.csrf, reason: "asked for erasure" }, operator.cookie);
    expect(erase.status).toBe(303);
    expect(erase.headers.get("location")).toBe("/console/accounts/acc_x");
    expect(await flashOf(erase, operator.cookie)).toContain("I confirm: the identity is destroyed");
  });

  it("shows an absent worker as a message, not a 500", async () => {
    const admin = await session("admin");
    const list = await get("/console/webhooks", admin.cookie);
    expect(list.status).toBe(200);
    expect(await list.text()).toContain("upstream_unavailable");
    const created = await post("/console/webhooks", { csrf: admin.csrf, url: "https://hooks.example.com/x", eventTypes: "post.removed" }, admin.cookie);
    expect(created.status).toBe(200);
    const html = await created.text();
    expect(html).toContain("upstream_unavailable");
    expect(html).not.toContain("whsec_");
  });
});
