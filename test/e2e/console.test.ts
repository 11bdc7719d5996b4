import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectAccessible, launchChromium } from "./browser/chromium";
import { consoleSite, screenshot, signIntoConsole } from "./browser/console";
import { adminKey, api, baseUrl, eventually, expectData, newKey, verifiedAccount } from "./client";
import { residentId } from "../support/resident-id";

/**
 * The operator console in a real Chromium against the real stack (gateway → console → function
 * workers): sign-in and its refusals, the queue → claim → decide loop with highlighted evidence,
 * an appeal reversed by a second operator, a CSV import with a bad row, publishing, an identity
 * reveal found in the audit log, sign-out, CSRF and cross-role refusals, axe on every page, and a
 * screenshot of each page (docs/console/).
 */
const RUN = Date.now().toString(36);
const PHONE = `+86137${String(Date.now() % 100_000_000).padStart(8, "0")}`;
const POST_ID = `console-post-${RUN}`;
const DISGUISED = "据说 谣-言-测-试 正在流传";

/** A valid GB 11643 resident id number (region 110105, the given birth date, a sequence). */

/** The stack as the browser reaches it: Chromium keeps Secure cookies over plain HTTP for `localhost` only. */

let browser: Browser;
let admin: { id: string; key: string };
let ann: { id: string; key: string };
let bob: { id: string; key: string };
let appKey: string;
let accountId: string;
let listId: string;

const signedIn = (key: string) => signIntoConsole(browser, key);


beforeAll(async () => {
  browser = await launchChromium();
  admin = await newKey("admin");
  ann = await newKey("operator");
  bob = await newKey("operator");
  appKey = (await newKey("app")).key;
  accountId = await verifiedAccount(appKey, ann.key, { handle: `console_${RUN}`, displayName: "Console News", kind: "public", identity: { name: "王五", documentType: "cn_resident_id", documentNumber: residentId("110105", "19880412", Date.now() % 997) }, phone: PHONE });
  listId = (await expectData(api(admin.key).POST("/v1/term-lists", { body: { name: `console rumours ${RUN}`, category: "rumour" } }), 201)).id;
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe("the operator console", () => {
  it("refuses a wrong key on the sign-in page, in the page's language", async () => {
    const context = await browser.newContext({ locale: "zh-CN", extraHTTPHeaders: { "accept-language": "zh-CN,zh;q=0.9" } });
    const page = await context.newPage();
    await page.goto(`${consoleSite()}/console/sign-in`);
    expect(await page.locator("html").getAttribute("lang")).toBe("zh-CN");
    await page.getByLabel("API 密钥").fill(`gh_${"Z".repeat(43)}`);
    await page.getByRole("button", { name: "登录" }).click();
    await expect.poll(() => page.locator(".flash.bad").textContent()).toContain("此密钥无效");
    expect(await context.cookies()).not.toContainEqual(expect.objectContaining({ name: "gh_console" }));
    await expectAccessible(page, "sign-in (zh-CN)");
    await page.getByRole("link", { name: "English" }).click();
    expect(await page.locator("h1").textContent()).toBe("Sign in");
    await expectAccessible(page, "sign-in");
    await screenshot(page, "sign-in");
    await context.close();
  });

  it("imports a CSV with one bad row (nothing imported, the row reported), then a good one, and publishes", async () => {
    const { context, page } = await signedIn(admin.key);
    await page.goto(`${consoleSite()}/console/policy/lists/${listId}`);
    await page.getByLabel("CSV file").setInputFiles({ name: "terms.csv", mimeType: "text/csv", buffer: Buffer.from("pattern,severity\n谣言测试,3\n坏的一行,99\n") });
    await page.getByRole("button", { name: "Import" }).click();
    const report = page.getByTestId("import-errors");
    await report.waitFor();
    expect(await report.locator("tbody tr").count()).toBe(1);
    expect(await report.locator("tbody tr").first().textContent()).toContain("3");
    expect(await page.locator("h1").textContent()).toContain("console rumours");
    await expectAccessible(page, "term list with import errors");
    await screenshot(page, "policy-import-errors");
    await page.getByLabel("CSV file").setInputFiles({ name: "terms.csv", mimeType: "text/csv", buffer: Buffer.from("pattern,severity\n谣言测试,3\n") });
    await page.getByRole("button", { name: "Import" }).click();
    await expect.poll(() => page.locator(".flash.ok").textContent()).toContain("Imported 1 terms.");
    await page.goto(`${consoleSite()}/console/policy`);
    await page.getByRole("button", { name: "Publish the draft" }).click();
    await expect.poll(() => page.locator(".flash.ok").textContent()).toMatch(/Published version \d+/);
    await expectAccessible(page, "policy");
    await screenshot(page, "policy");
    await context.close();
  });

  it("an operator claims an item from the queue (keyboard), sees the disguised term highlighted, and decides it", async () => {
    const screened = await expectData(api(appKey).POST("/v1/screen", { body: { accountId, kind: "post", postId: POST_ID, text: DISGUISED } }), 200);
    expect(screened.verdict).toBe("review");
    const { context, page } = await signedIn(ann.key);
    await page.goto(`${consoleSite()}/console/queue?subjectType=post&sort=age&source=screening`);
    const row = page.locator(`tr[data-queue-row]`, { hasText: POST_ID });
    await row.waitFor();
    await expectAccessible(page, "queue");
    await screenshot(page, "queue");
    // j moves to the next row until ours is current; c claims it.
    const rows = await page.locator("tr[data-queue-row]").evaluateAll((trs) => trs.map((tr) => tr.textContent ?? ""));
    const index = rows.findIndex((t) => t.includes(POST_ID));
    for (let i = 0; i <= index; i++) await page.keyboard.press("j");
    await expect.poll(() => page.locator("tr.current").textContent()).toContain(POST_ID);
    await page.keyboard.press("c");
    await expect.poll(() => page.locator(".flash").textContent()).toContain("Done.");
    expect(await page.locator(`tr[data-queue-row]`, { hasText: POST_ID }).textContent()).toContain("Claimed by you");

    await page.locator(`tr[data-queue-row]`, { hasText: POST_ID }).getByRole("link").click();
    const mark = page.getByTestId("evidence-text").locator("mark");
    expect(await mark.count()).toBe(1);
    expect(await mark.getAttribute("data-category")).toBe("rumour");
    expect((await mark.textContent())!.startsWith("谣-言-测-试")).toBe(true);
    expect(await page.getByTestId("claim-state").textContent()).toContain("Claimed by you");
    await expectAccessible(page, "item");
    await screenshot(page, "item");
    await page.keyboard.press("d");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("decision-action");
    await page.getByLabel("Action").selectOption("remove_post");
    await page.getByLabel("Reason template").selectOption("rumour");
    expect(await page.getByLabel("Reason", { exact: true }).inputValue()).toContain("Confirmed rumour");
    await page.getByRole("button", { name: "Record decision" }).click();
    await expect.poll(() => page.getByTestId("item-status").textContent()).toContain("remove_post");
    const status = await expectData(api(appKey).GET("/v1/posts/{postId}", { params: { path: { postId: POST_ID } } }), 200);
    expect(status.removal).not.toBeNull();
    await context.close();
  });

  it("the appeal shows the decision beside the statement; its operator may not decide it, a second operator reverses it", async () => {
    const status = await expectData(api(appKey).GET("/v1/posts/{postId}", { params: { path: { postId: POST_ID } } }), 200);
    const appeal = await expectData(
      api(appKey).POST("/v1/appeals", { body: { decisionId: status.decisions[0]!.id, accountId, statement: "The claim is sourced; see our correction." } }),
      201,
    );
    const first = await signedIn(ann.key);
    await first.page.goto(`${consoleSite()}/console/appeals`);
    await first.page.getByRole("link", { name: appeal.id }).click();
    expect(await first.page.getByTestId("statement").textContent()).toContain("The claim is sourced");
    expect(await first.page.getByTestId("original-operator").textContent()).toBe(ann.id);
    expect(await first.page.getByTestId("same-operator").isVisible()).toBe(true);
    expect(await first.page.getByRole("button", { name: "Decide appeal" }).count()).toBe(0);
    await first.context.close();

    const second = await signedIn(bob.key);
    await second.page.goto(`${consoleSite()}/console/appeals`);
    await expectAccessible(second.page, "appeals");
    await screenshot(second.page, "appeals");
    await second.page.getByRole("link", { name: appeal.id }).click();
    await expectAccessible(second.page, "appeal");
    await screenshot(second.page, "appeal");
    await second.page.getByLabel("Reverse the decision").check();
    await second.page.getByLabel("Reason").fill("sourced claim, not a rumour");
    await second.page.getByRole("button", { name: "Decide appeal" }).click();
    await expect.poll(() => second.page.getByTestId("appeal-outcome").textContent()).toContain("reversed");
    const after = await expectData(api(appKey).GET("/v1/posts/{postId}", { params: { path: { postId: POST_ID } } }), 200);
    expect(after.removal).toBeNull();
    await second.context.close();
  });

  it("reveals an identity with a reason and confirmation, and the reveal is in the audit log (chain status shown)", async () => {
    const { context, page } = await signedIn(ann.key);
    await page.goto(`${consoleSite()}/console/accounts`);
    await expectAccessible(page, "accounts");
    await screenshot(page, "accounts");
    await page.getByLabel("Account id").fill(accountId);
    await page.getByRole("button", { name: "Find" }).click();
    await page.waitForURL(new RegExp(`/console/accounts/${accountId}$`));
    expect(await page.getByTestId("account-status").textContent()).toBe("verified");
    expect(await page.content()).not.toContain("王五");
    await page.getByLabel("Why you need the plaintext identity").fill("court order 2026-118 for this account");
    await page.getByLabel("I confirm this reveal is necessary").check();
    await page.getByRole("button", { name: "Reveal identity" }).click();
    await expect.poll(() => page.getByTestId("revealed").textContent()).toContain("王五");
    // The plaintext is in this answer only: not in the URL, and gone on reload.
    expect(page.url()).not.toContain("王五");
    await expectAccessible(page, "account");
    await screenshot(page, "account");
    await page.goto(`${consoleSite()}/console/accounts/${accountId}`);
    expect(await page.content()).not.toContain("王五");

    await page.goto(`${consoleSite()}/console/audit?action=identity.revealed&subjectType=account&subjectId=${accountId}`);
    const entry = page.locator('tr[data-audit-action="identity.revealed"]');
    expect(await entry.count()).toBe(1);
    expect(await entry.textContent()).toContain("court order 2026-118");
    expect(await entry.textContent()).toContain(ann.id);
    expect(await page.getByTestId("chain-status").textContent()).toMatch(/Verified|Verification unavailable|Broken/);
    await expectAccessible(page, "audit");
    await screenshot(page, "audit");
    await context.close();
  });

  it("shows the top spreading posts with a server-drawn chart; an admin sets a threshold rule, an operator only reads them", async () => {
    const app = api(appKey);
    for (let i = 0; i < 3; i++) await expectData(app.POST("/v1/posts/{postId}/reposts", { params: { path: { postId: POST_ID } }, body: { accountId: `console-reader-${i}` } }), 200);
    await expectData(app.POST("/v1/posts/{postId}/views", { params: { path: { postId: POST_ID } }, body: { count: 40 } }), 200);
    const operator = await signedIn(ann.key);
    // The top list reads D1, flushed by the counting object within about a second.
    await expect
      .poll(async () => {
        await operator.page.goto(`${consoleSite()}/console/spread`);
        return operator.page.locator(`tr[data-spread-post="${POST_ID}"]`).count();
      }, { timeout: 15_000 })
      .toBe(1);
    expect(await operator.page.locator(`tr[data-spread-post="${POST_ID}"] td`).nth(1).textContent()).toBe("3");
    expect(await operator.page.locator("svg.chart title").textContent()).toBe("By reposts");
    expect(await operator.page.locator("svg.chart desc").textContent()).toContain(`${POST_ID}: 3`);
    expect(await operator.page.getByRole("button", { name: "Apply" }).count()).toBe(0);
    await expectAccessible(operator.page, "spread");
    await screenshot(operator.page, "spread");
    await operator.context.close();

    const { context, page } = await signedIn(admin.key);
    await page.goto(`${consoleSite()}/console/spread`);
    await page.getByLabel("Level").fill("console_watch");
    await page.getByLabel("Value").fill("777");
    await page.getByLabel("Category").fill("rumour");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect.poll(() => page.locator(".flash").textContent()).toContain("Done.");
    expect(await page.locator('tr[data-rule="console_watch:reposts:rumour:*"] td').nth(2).textContent()).toBe("777");
    await context.close();
    // Leave the shared stack's rules as they were.
    await expectData(api(admin.key).PATCH("/v1/spread/thresholds", { body: { set: [], remove: [{ level: "console_watch", metric: "reposts", category: "rumour", verdict: null }] } }), 200);
  });

  it("an admin creates a key (shown once) and revokes it: the new key's console session ends", async () => {
    const { context, page } = await signedIn(admin.key);
    await page.goto(`${consoleSite()}/console/keys`);
    await page.getByLabel("Name").fill(`console night shift ${RUN}`);
    await page.getByLabel("Role").selectOption("operator");
    await page.getByRole("button", { name: "Create key" }).click();
    const created = page.getByTestId("new-key");
    await created.waitFor();
    const key = await created.locator("input").inputValue();
    expect(key).toMatch(/^gh_[A-Za-z0-9_-]{43}$/);
    await expectAccessible(page, "keys");
    await screenshot(page, "keys");
    await page.goto(`${consoleSite()}/console/keys`);
    expect(await page.content()).not.toContain(key);

    const holder = await signedIn(key);
    const row = page.locator("tr", { hasText: `console night shift ${RUN}` });
    await row.getByRole("button", { name: /Revoke/ }).click();
    await expect.poll(() => page.locator("tr", { hasText: `console night shift ${RUN}` }).textContent()).toContain("revoked");
    const res = await holder.page.goto(`${consoleSite()}/console/queue`);
    expect(res?.url()).toMatch(/\/console\/sign-in$/);
    await holder.context.close();
    await context.close();
  });

  it("refuses a form without the session's CSRF token, and an operator on an admin page", async () => {
    const { context, page } = await signedIn(ann.key);
    const forged = await page.evaluate(async (id) => {
      const res = await fetch(`/console/accounts/${id}/reveal`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "csrf=forged&reason=no+token+of+this+session&confirm=yes" });
      return { status: res.status, text: await res.text() };
    }, accountId);
    expect(forged.status).toBe(403);
    expect(forged.text).toContain("csrf_token_invalid");
    expect(forged.text).not.toContain("王五");
    const missing = await page.evaluate(async () => (await fetch("/console/items/rvw_none/claim", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "back=%2Fconsole%2Fqueue" })).status);
    expect(missing).toBe(403);
    expect(await page.getByRole("link", { name: "Policy" }).count()).toBe(0);
    const res = await page.goto(`${consoleSite()}/console/policy`);
    expect(res?.status()).toBe(403);
    expect(await page.getByTestId("problem-code").textContent()).toBe("forbidden_role");
    await expectAccessible(page, "error page");
    await context.close();
  });

  it("signs out: the old session cookie is dead afterwards", async () => {
    const { context, page } = await signedIn(bob.key);
    const cookie = (await context.cookies()).find((c) => c.name === "gh_console")!;
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict" });
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/console\/sign-in/);
    expect(await page.locator(".flash.ok").textContent()).toContain("Signed out.");
    // Replaying the old cookie: redirected to sign-in, nothing shown.
    const replay = await fetch(`${baseUrl()}/console/queue`, { headers: { cookie: `gh_console=${cookie.value}` }, redirect: "manual" });
    expect(replay.status).toBe(303);
    expect(replay.headers.get("location")).toBe("/console/sign-in");
    await context.close();
    const audit = await eventually(async () => {
      const page = await expectData(api(adminKey()).GET("/v1/audit", { params: { query: { action: "console.sign_out", subjectId: bob.id } } }), 200);
      return page.entries.length > 0 ? page.entries : undefined;
    });
    expect(audit).toHaveLength(1);
  });
});
