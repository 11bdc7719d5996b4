import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectAccessible, launchChromium } from "./browser/chromium";
import { consoleSite, screenshot, signIntoConsole } from "./browser/console";
import { api, eventually, expectData, newKey, verifiedAccount } from "./client";
import { residentId } from "../support/resident-id";

/**
 * The console's spread over time and bulk decisions in a real Chromium against the real stack: a
 * post reposted and viewed → its chart and data table on the item page (both resolutions) and its
 * small chart on the spread page, with the right totals; two queue items decided at once from
 * the queue page; an account found by its handle, its records beside the evidence, and the queue
 * and item pages at tablet width. axe on every page, screenshots to docs/console/.
 */
const RUN = Date.now().toString(36);
const PHONE = `+86138${String((Date.now() + 7) % 100_000_000).padStart(8, "0")}`;
const SPREAD_POST = `spread-time-${RUN}`;
const BULK_POSTS = [`bulk-a-${RUN}`, `bulk-b-${RUN}`];
const REVIEW_TEXT = "兼职日结 加微信 wx: demo_job88"; // a WeChat contact: `review` under the default contact rules


/** Chromium keeps Secure cookies over plain HTTP for `localhost` only. */

let browser: Browser;
let operator: { id: string; key: string };
let app: ReturnType<typeof api>;
let accountId: string;

const signedIn = (key: string) => signIntoConsole(browser, key);


/** The open review item of a post. */
async function itemOf(postId: string) {
  return eventually(async () => {
    const page = await expectData(api(operator.key).GET("/v1/review-queue", { params: { query: { subjectType: "post", limit: 200 } } }), 200);
    return page.items.find((i) => i.subjectId === postId);
  });
}

beforeAll(async () => {
  browser = await launchChromium();
  operator = await newKey("operator");
  const appKey = (await newKey("app")).key;
  app = api(appKey);
  accountId = await verifiedAccount(appKey, operator.key, { handle: `spread_${RUN}`, displayName: "Spread Daily", kind: "personal", identity: { name: "赵六", documentType: "cn_resident_id", documentNumber: residentId("110105", "19910305", Date.now() % 991) }, phone: PHONE });
  for (const postId of [SPREAD_POST, ...BULK_POSTS]) {
    const screened = await expectData(app.POST("/v1/screen", { body: { accountId, kind: "post", postId, text: `${REVIEW_TEXT} ${postId}` } }), 200);
    expect(screened.verdict).toBe("review");
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe("the console's spread over time and bulk decisions", () => {
  it("charts a post's reposts and views over time on its item page and on the spread page, with the totals in the data table", async () => {
    await Promise.all([
      ...Array.from({ length: 4 }, (_, i) => expectData(app.POST("/v1/posts/{postId}/reposts", { params: { path: { postId: SPREAD_POST } }, body: { accountId: `spread-reader-${i}` } }), 200)),
      expectData(app.POST("/v1/posts/{postId}/views", { params: { path: { postId: SPREAD_POST } }, body: { count: 20 } }), 200),
      expectData(app.POST("/v1/posts/{postId}/views", { params: { path: { postId: SPREAD_POST } }, body: { count: 5 } }), 200),
    ]);
    // The buckets are written by the counting object's flush, within about a second.
    await eventually(async () => {
      const t = await expectData(api(operator.key).GET("/v1/posts/{postId}/timeline", { params: { path: { postId: SPREAD_POST }, query: { resolution: "minute" } } }), 200);
      return t.totals.reposts === 4 && t.totals.views === 25 ? t : undefined;
    });
    const item = await itemOf(SPREAD_POST);
    const { context, page } = await signedIn(operator.key);
    await page.goto(`${consoleSite()}/console/items/${item.id}`);
    const section = page.getByTestId("spread-over-time");
    const total = page.getByTestId("timeline-total");
    expect(await total.locator("td").allTextContents()).toEqual(["4", "25"]);
    // The buckets in the table add up to the totals.
    const rows = await page.getByTestId("timeline-table").locator("tbody tr").evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => Number(td.textContent))));
    expect(rows.reduce((a, [r, v]) => [a[0]! + r!, a[1]! + v!], [0, 0])).toEqual([4, 25]);
    expect(await section.locator("svg.timeline-chart title").textContent()).toBe(`Reposts and views of ${SPREAD_POST}, last 7 days by hour`);
    expect(await section.locator("svg.timeline-chart desc").textContent()).toContain("4 reposts and 25 views in total");
    // One bar per series, or two should the counts have straddled an hour.
    expect(await section.locator("svg.timeline-chart rect").count()).toBeGreaterThanOrEqual(2);
    await expectAccessible(page, "item with spread over time");
    await screenshot(page, "item-spread-over-time");
    await section.getByRole("link", { name: "Show the last 2 hours by minute" }).click();
    await page.waitForURL(/chart=minute/);
    expect(await page.getByTestId("spread-over-time").locator("svg.timeline-chart title").textContent()).toContain("last 2 hours by minute");
    expect(await page.getByTestId("timeline-total").locator("td").allTextContents()).toEqual(["4", "25"]);
    await expectAccessible(page, "item with spread by minute");

    // The same section in Chinese.
    await page.goto(`${consoleSite()}/console/items/${item.id}?lang=zh-CN`);
    expect(await page.locator("#spread-time-h").textContent()).toBe("传播随时间变化");
    expect(await page.getByTestId("timeline-total").locator("th").textContent()).toBe("合计");
    await expectAccessible(page, "item with spread over time (zh-CN)");
    await page.goto(`${consoleSite()}/console/items/${item.id}?lang=en`);

    await page.goto(`${consoleSite()}/console/spread`);
    const row = page.locator(`tr[data-spread-post="${SPREAD_POST}"]`);
    expect(await row.locator("td").nth(1).textContent()).toBe("4");
    expect(await row.locator("td").nth(2).textContent()).toBe("25");
    const spark = row.locator("svg.spark");
    expect(await spark.getAttribute("role")).toBe("img");
    expect(await spark.locator("desc").textContent()).toContain("4 reposts and 25 views in total");
    await expectAccessible(page, "spread with small charts");
    await screenshot(page, "spread-over-time");
    await context.close();
  });

  it("decides two selected items at once from the queue page", async () => {
    const items = await Promise.all(BULK_POSTS.map(itemOf));
    const { context, page } = await signedIn(operator.key);
    await page.goto(`${consoleSite()}/console/queue?subjectType=post&sort=age&source=screening`);
    for (const postId of BULK_POSTS) await page.getByLabel(`Select post: ${postId}`).check();
    await expectAccessible(page, "queue with a selection");
    await screenshot(page, "queue-bulk-selection");
    await page.getByLabel("Action", { exact: true }).selectOption("dismiss");
    await page.locator("#bulk-reason").fill("Reviewed together: contact details only, no offer.");
    await page.getByRole("button", { name: "Decide selected" }).click();
    await expect.poll(() => page.locator(".flash").textContent()).toContain("Decided 2, skipped 0.");
    for (const postId of BULK_POSTS) expect(await page.getByLabel(`Select post: ${postId}`).count()).toBe(0);
    for (const item of items) {
      const after = await expectData(api(operator.key).GET("/v1/review-queue/{id}", { params: { path: { id: item.id } } }), 200);
      expect(after).toMatchObject({ status: "decided", decision: "dismiss" });
    }
    // Nothing selected: a message, nothing decided.
    if ((await page.locator("form#bulk").count()) > 0) {
      await page.locator("#bulk-reason").fill("Nothing selected here.");
      await page.getByRole("button", { name: "Decide selected" }).click();
      await expect.poll(() => page.locator(".flash").textContent()).toContain("Select at least one item.");
    }
    await context.close();
  });
  it("finds an account by its handle, shows its records beside the evidence, and fits the queue and item pages to a tablet", async () => {
    await expectData(api(operator.key).POST("/v1/accounts/{id}/actions", { params: { path: { id: accountId } }, body: { action: "warn", reason: "Contact details in posts: first warning." } }), 200);
    const item = await itemOf(SPREAD_POST);
    const { context, page } = await signedIn(operator.key);

    // The find box takes a handle as registration stores it (any case, spaces around), or an id.
    await page.goto(`${consoleSite()}/console/accounts`);
    const findBox = page.getByLabel("Account id (acc_…) or handle");
    await findBox.fill(`  SPREAD_${RUN.toUpperCase()} `);
    await page.getByRole("button", { name: "Find" }).click();
    await page.waitForURL(new RegExp(`/console/accounts/${accountId}$`));
    await page.goto(`${consoleSite()}/console/accounts?id=nobody_${RUN}`);
    expect(await page.locator(".flash").textContent()).toContain(`No account has the handle “nobody_${RUN}”.`);
    await page.goto(`${consoleSite()}/console/accounts?id=${encodeURIComponent("a-b")}`);
    expect(await page.locator(".flash").textContent()).toContain("validation_failed");
    await page.getByLabel("Account id (acc_…) or handle").fill(accountId);
    await page.getByRole("button", { name: "Find" }).click();
    await page.waitForURL(new RegExp(`/console/accounts/${accountId}$`));
    await expectAccessible(page, "account found by handle");

    // No horizontal scroll; otherwise the elements that stick out, to say what does not fit.
    const fitsWidth = () =>
      page.evaluate(() => {
        const root = document.documentElement;
        if (root.scrollWidth <= root.clientWidth + 1) return true;
        return Array.from(document.body.querySelectorAll("*"))
          .filter((e) => e.getBoundingClientRect().right > root.clientWidth + 1)
          .slice(0, 8)
          .map((e) => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`);
      });
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.goto(`${consoleSite()}/console/queue`);
    expect(await fitsWidth()).toBe(true);
    await expectAccessible(page, "queue at tablet width");
    await screenshot(page, "queue-tablet");

    await page.goto(`${consoleSite()}/console/items/${item.id}`);
    const history = page.getByTestId("account-status-history");
    expect(await history.locator("tbody tr").count()).toBeLessThanOrEqual(10);
    expect((await history.locator("tbody").textContent()) ?? "").toContain("→ verified");
    const warned = page.getByTestId("account-decisions").locator('tr[data-history-action="account.warn"]');
    expect(await warned.textContent()).toContain("Contact details in posts: first warning.");
    expect(await page.getByTestId("account-licences").count()).toBe(0);
    expect(await fitsWidth()).toBe(true);
    await expectAccessible(page, "item at tablet width");
    await screenshot(page, "item-tablet");
    await context.close();
  });
});
