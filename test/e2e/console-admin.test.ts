import { createServer, type Server } from "node:http";
import type { Browser } from "playwright-core";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectAccessible, launchChromium } from "./browser/chromium";
import { consoleSite, screenshot, signIntoConsole } from "./browser/console";
import { adminKey, api, eventually, expectData, http, newKey } from "./client";
import { residentId } from "../support/resident-id";

/**
 * The console's admin pages in a real Chromium against the real stack: a webhook endpoint to a
 * receiver on loopback in this process (the local stack's WEBHOOK_ALLOW_LOCAL), its secret shown
 * once, events from changes made in the console delivered, signed and shown in the delivery log
 * with their attempts, a manual retry, a rotation with its overlap, deletion after confirmation;
 * an identity review, a news-publisher licence granted (the public badge) and revoked with a
 * reason (the account's history), an identity erased after confirmation; a key's tier changed;
 * an operator refused the admin pages. axe on every page, screenshots to docs/console/.
 */
const RUN = Date.now().toString(36);
const PHONE = `+86135${String(Date.now() % 100_000_000).padStart(8, "0")}`;
const HANDLE = `admin_pages_${RUN}`;
const LICENCE = `1012019${String(Date.now() % 10_000).padStart(4, "0")}`;



type Got = { headers: Record<string, string>; body: string; status: number };
const received: Got[] = [];
/** The receiver fails its first request (500) so the log shows a failed attempt and its retry. */
let failNext = 1;
let server: Server;
let receiverUrl: string;

let browser: Browser;
let admin: { id: string; key: string };
let operator: { id: string; key: string };
let accountId: string;
let webhookId: string;
let secret: string;

const signedIn = (key: string) => signIntoConsole(browser, key);

const bodyOf = (g: Got) => JSON.parse(g.body) as { id: string; type: string; data: Record<string, unknown> };

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const status = failNext > 0 ? 500 : 204;
      if (failNext > 0) failNext -= 1;
      received.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString("utf8"), status });
      res.writeHead(status).end(status === 500 ? "busy" : undefined);
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  receiverUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/gatehouse`;
  browser = await launchChromium();
  [admin, operator] = await Promise.all([newKey("admin"), newKey("operator")]);
  const app = api((await newKey("app")).key);
  const created = await expectData(
    app.POST("/v1/accounts", {
      body: { handle: HANDLE, displayName: "Admin Pages Daily", kind: "public", identity: { name: "赵六", documentType: "cn_resident_id", documentNumber: residentId("110105", "19790203", Date.now() % 991) }, phone: PHONE },
    }),
    201,
  );
  accountId = created.account.id;
  const sms = await expectData(api(adminKey()).POST("/v1/dev/sms", { body: { phone: PHONE } }), 200);
  const code = /\b(\d{6})\b/.exec(sms.messages.at(-1)!.body)![1]!;
  await expectData(app.POST("/v1/accounts/{id}/phone/verify", { params: { path: { id: accountId } }, body: { code } }), 200);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((ok) => server.close(() => ok()));
});

describe("the console's admin pages", () => {
  it("an admin adds a webhook endpoint to a loopback receiver; its secret is shown once", async () => {
    const { context, page } = await signedIn(admin.key);
    await page.getByRole("link", { name: "Webhooks" }).click();
    await page.waitForURL(/\/console\/webhooks$/);
    // The moderation worker's refusals, shown with their codes; nothing is created.
    await page.getByLabel("URL").fill("http://hooks.example.com/in");
    await page.getByLabel("post.removed").check();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await expect.poll(() => page.locator(".flash.bad").textContent()).toContain("webhook_url_insecure");
    await page.getByLabel("URL").fill(receiverUrl);
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await expect.poll(() => page.locator(".flash.bad").textContent()).toContain("validation_failed");
    expect(await page.getByTestId("new-secret").count()).toBe(0);
    await page.getByLabel("URL").fill(receiverUrl);
    await page.getByLabel("Description").fill(`console receiver ${RUN}`);
    await page.getByLabel("account.status_changed").check();
    await page.getByLabel("publisher.licence_changed").check();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const shown = page.getByTestId("new-secret");
    await shown.waitFor();
    secret = await shown.locator("input").inputValue();
    expect(secret).toMatch(/^whsec_/);
    webhookId = ((await page.locator("h1").textContent()) ?? "").replace("Webhook ", "");
    expect(webhookId).toMatch(/^whk_/);
    expect(await page.getByTestId("webhook-state").textContent()).toBe("enabled");
    await expectAccessible(page, "webhook with its new secret");
    await screenshot(page, "webhook-created");
    // Never again: not on the list, not on the endpoint's page, not in a cookie.
    await page.goto(`${consoleSite()}/console/webhooks`);
    expect(await page.content()).not.toContain(secret);
    expect(await page.locator(`tr[data-webhook="${webhookId}"]`).textContent()).toContain(`console receiver ${RUN}`);
    await expectAccessible(page, "webhooks");
    await screenshot(page, "webhooks");
    await page.goto(`${consoleSite()}/console/webhooks?lang=zh-CN`);
    expect(await page.locator("h1").textContent()).toBe("Webhook 端点");
    expect(await page.getByRole("button", { name: "添加端点" }).count()).toBe(1);
    await expectAccessible(page, "webhooks (zh-CN)");
    await screenshot(page, "webhooks-zh");
    await page.goto(`${consoleSite()}/console/webhooks?lang=en`);
    await page.goto(`${consoleSite()}/console/webhooks/${webhookId}`);
    expect(await page.content()).not.toContain(secret);
    expect(JSON.stringify(await context.cookies())).not.toContain(secret);

    // Edit: disable it, then enable it again with one more event type.
    await page.getByLabel("Deliver to this endpoint (enabled)").uncheck();
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.getByTestId("webhook-state").textContent()).toBe("disabled (disabled_by_admin)");
    await page.getByLabel("Deliver to this endpoint (enabled)").check();
    await page.getByLabel("post.removed").check();
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.getByTestId("webhook-state").textContent()).toBe("enabled");
    expect(await page.locator("#hook-h + dl").textContent()).toContain("post.removed");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.locator(".flash.ok").textContent()).toContain("Nothing changed.");
    await context.close();
  });

  it("an operator reviews the registration, grants a licence (the public badge) and revokes it with a reason; the history shows it", async () => {
    const { context, page } = await signedIn(operator.key);
    await page.goto(`${consoleSite()}/console/accounts/${accountId}`);
    expect(await page.getByTestId("account-status").textContent()).toBe("under_review");
    await page.getByLabel("Approve").check();
    await page.getByLabel("Reason", { exact: true }).first().fill("documents checked by the console");
    await page.getByRole("button", { name: "Identity review" }).click();
    await expect.poll(() => page.getByTestId("account-status").textContent()).toBe("verified");

    await page.getByLabel("Licence number").fill(LICENCE);
    await page.getByLabel("Issuer").fill("CAC");
    await page.getByLabel(/^Scope/).fill("political_news");
    await page.getByLabel("Expires on (UTC date)").fill("2030-06-30");
    await page.getByRole("button", { name: "Grant", exact: true }).click();
    await expect.poll(() => page.locator(`li[data-licence="${LICENCE}"] [data-testid="licence-state"]`).textContent()).toBe("active");
    const profile = async () => ((await (await http(`/v1/public/accounts/${HANDLE}`)).json()) as { badges: { verified: boolean; newsPublisher: { scope: string[] } | null } }).badges;
    expect(await profile()).toEqual({ verified: true, newsPublisher: { scope: ["political_news"] } });
    await expectAccessible(page, "account with a licence");
    await screenshot(page, "account-licence");

    // A revocation needs a reason: the browser refuses an empty one, the API a too-short one.
    await page.getByRole("button", { name: `Revoke licence ${LICENCE}` }).click();
    expect(await page.locator(`li[data-licence="${LICENCE}"] [data-testid="licence-state"]`).textContent()).toBe("active");
    await page.getByLabel(`Reason for revoking ${LICENCE}`).fill("licence withdrawn by the issuer");
    await page.getByRole("button", { name: `Revoke licence ${LICENCE}` }).click();
    await expect.poll(() => page.locator(`li[data-licence="${LICENCE}"] [data-testid="licence-state"]`).textContent()).toMatch(/^revoked/);
    expect(await page.locator(`li[data-licence="${LICENCE}"]`).textContent()).toContain("licence withdrawn by the issuer");
    expect(await profile()).toEqual({ verified: true, newsPublisher: null });
    const review = page.locator('tr[data-history-action="identity.approved"]');
    expect(await review.textContent()).toContain(operator.id);
    expect(await review.textContent()).toContain("under_review → verified");
    expect(await review.textContent()).toContain("documents checked by the console");
    const audit = await expectData(api(adminKey()).GET("/v1/audit", { params: { query: { subjectType: "publisher_licence" } } }), 200);
    const licenceAudit = audit.entries.filter((e) => e.actorKeyId === operator.id);
    expect(licenceAudit.map((e) => e.action).sort()).toEqual(["publisher.licence_granted", "publisher.licence_revoked"]);
    await context.close();
  });

  it("the delivery log shows the events delivered and signed, with the failed attempt; retry, rotate (overlap shown) and delete", async () => {
    // approve → account.status_changed, grant and revoke → publisher.licence_changed (twice); the first attempt failed.
    const delivered = await eventually(async () => {
      const ok = received.filter((g) => g.status === 204 && g.body.includes(accountId));
      return ok.length >= 3 ? ok : undefined;
    }, 40_000);
    for (const g of delivered) expect(new Webhook(secret).verify(g.body, g.headers)).toBeTruthy();
    expect(delivered.map((g) => bodyOf(g).type).sort()).toEqual(["account.status_changed", "publisher.licence_changed", "publisher.licence_changed"]);

    const { context, page } = await signedIn(admin.key);
    await expect
      .poll(
        async () => {
          await page.goto(`${consoleSite()}/console/webhooks/${webhookId}`);
          return page.locator('[data-delivery-status="succeeded"]').count();
        },
        { timeout: 20_000 },
      )
      .toBe(3);
    const failed = page.locator("[data-delivery]", { has: page.locator('tr[data-attempt="2"]') }).first();
    expect(await failed.locator('tr[data-attempt="1"]').textContent()).toContain("500");
    expect(await failed.locator('tr[data-attempt="1"]').textContent()).toContain("http_status: busy");
    expect(await failed.locator('tr[data-attempt="2"]').textContent()).toContain("204");
    await expectAccessible(page, "webhook deliveries");
    await screenshot(page, "webhook-deliveries");

    // A manual retry redelivers the same event (same webhook-id), whatever its state.
    const eventId = (await failed.locator("code").first().textContent())!;
    const before = received.filter((g) => g.headers["webhook-id"] === eventId).length;
    await failed.getByRole("button", { name: /^Retry now: delivery/ }).click();
    await expect.poll(() => page.locator(".flash.ok").textContent()).toContain("Done.");
    await eventually(async () => (received.filter((g) => g.headers["webhook-id"] === eventId).length > before ? true : undefined), 20_000);

    await page.getByLabel(/^Overlap/).fill("60");
    await page.getByRole("button", { name: "Rotate the secret" }).click();
    const rotated = page.getByTestId("new-secret");
    await rotated.waitFor();
    const newSecret = await rotated.locator("input").inputValue();
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(secret);
    expect(await page.getByTestId("overlap").textContent()).toMatch(/until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    await page.goto(`${consoleSite()}/console/webhooks/${webhookId}`);
    expect(await page.content()).not.toContain(newSecret);

    // Delete asks for the confirmation first.
    await page.getByRole("button", { name: "Delete the endpoint" }).click();
    expect(page.url()).toContain(`/console/webhooks/${webhookId}`);
    await page.getByLabel("I confirm: nothing more is delivered").check();
    await page.getByRole("button", { name: "Delete the endpoint" }).click();
    await page.waitForURL(/\/console\/webhooks$/);
    expect(await page.locator(`tr[data-webhook="${webhookId}"]`).count()).toBe(0);
    const audit = await expectData(api(adminKey()).GET("/v1/audit", { params: { query: { subjectType: "webhook", subjectId: webhookId } } }), 200);
    expect(audit.entries.map((e) => e.action).sort()).toEqual(["webhook.created", "webhook.deleted", "webhook.delivery_retried", "webhook.secret_rotated", "webhook.updated", "webhook.updated"]);
    expect(audit.entries.every((e) => e.actorKeyId === admin.id)).toBe(true);
    await context.close();
  });

  it("an operator erases the identity after confirming (the account closes)", async () => {
    const { context, page } = await signedIn(operator.key);
    await page.goto(`${consoleSite()}/console/accounts/${accountId}`);
    await page.getByLabel("Why the identity is erased").fill("the account holder asked for erasure");
    await page.getByRole("button", { name: "Erase identity" }).click();
    // Not confirmed: the browser keeps the form; nothing is erased.
    expect(await page.getByTestId("account-status").textContent()).toBe("verified");
    await page.getByLabel("I confirm: the identity is destroyed").check();
    await page.getByRole("button", { name: "Erase identity" }).click();
    await expect.poll(() => page.getByTestId("account-status").textContent()).toBe("closed");
    expect(await page.getByRole("button", { name: "Erase identity" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Reveal identity" }).count()).toBe(0);
    await expectAccessible(page, "account erased");
    await screenshot(page, "account-erased");
    await context.close();
  });

  it("an admin changes a key's tier (audited with the reason)", async () => {
    const target = await newKey("app");
    const { context, page } = await signedIn(admin.key);
    await page.goto(`${consoleSite()}/console/keys`);
    const row = page.locator(`tr[data-key="${target.id}"]`);
    await row.getByRole("combobox", { name: /^Tier of/ }).selectOption("unlimited");
    await row.getByRole("textbox", { name: /^Reason for changing the tier/ }).fill("bulk import tonight");
    await row.getByRole("button", { name: /^Change tier of/ }).click();
    await expect.poll(() => page.locator(".flash.ok").textContent()).toContain("Done.");
    expect(await page.locator(`tr[data-key="${target.id}"] select`).inputValue()).toBe("unlimited");
    await expectAccessible(page, "keys with tiers");
    await screenshot(page, "keys-tier");
    const audit = await expectData(api(adminKey()).GET("/v1/audit", { params: { query: { action: "key.tier_changed", subjectId: target.id } } }), 200);
    expect(audit.entries).toHaveLength(1);
    expect(audit.entries[0]).toMatchObject({ actorKeyId: admin.id, reason: "bulk import tonight", details: { from: "high", to: "unlimited" } });
    await context.close();
  });

  it("an operator sees no admin links and is refused the admin pages", async () => {
    const { context, page } = await signedIn(operator.key);
    expect(await page.getByRole("link", { name: "Webhooks" }).count()).toBe(0);
    expect(await page.getByRole("link", { name: "Keys" }).count()).toBe(0);
    for (const path of ["/console/webhooks", `/console/webhooks/${webhookId}`, "/console/keys"]) {
      const res = await page.goto(`${consoleSite()}${path}`);
      expect(res?.status(), path).toBe(403);
      expect(await page.getByTestId("problem-code").textContent()).toBe("forbidden_role");
    }
    await expectAccessible(page, "admin page refused");
    const posted = await page.evaluate(async () => {
      const csrf = (document.querySelector('input[name="csrf"]') as HTMLInputElement).value;
      const res = await fetch("/console/webhooks", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `csrf=${encodeURIComponent(csrf)}&url=https%3A%2F%2Fhooks.example.com%2Fx&eventTypes=post.removed` });
      return res.status;
    });
    expect(posted).toBe(403);
    await context.close();
  });
});
