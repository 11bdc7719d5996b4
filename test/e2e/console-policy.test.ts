import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectAccessible, launchChromium } from "./browser/chromium";
import { consoleSite, screenshot, signIntoConsole } from "./browser/console";
import { api, expectData, newKey } from "./client";

/**
 * The console's policy tools in a real Chromium against the real stack: a CSV import with its
 * counts, term search in a list, the draft ↔ published diff, try-it against the draft with a
 * disguised term highlighted, category editing, and publishing (the diff is then empty).
 */
const RUN = Date.now().toString(36);
const CATEGORY = `try_${RUN}`;


let browser: Browser;
let admin: { id: string; key: string };
let listId: string;

const signedIn = (key: string, locale = "en-GB") => signIntoConsole(browser, key, locale);


beforeAll(async () => {
  browser = await launchChromium();
  admin = await newKey("admin");
  const a = api(admin.key);
  await expectData(a.PUT("/v1/policy/categories/{name}", { params: { path: { name: CATEGORY } }, body: { ranges: [{ min: 1, max: 10, action: "review" }] } }), 200);
  listId = (await expectData(a.POST("/v1/term-lists", { body: { name: `policy tools ${RUN}`, category: CATEGORY } }), 201)).id;
  // Start from a published draft, so the diff shows only what this test changes.
  const published = await a.POST("/v1/policy/publish");
  expect([201, 409]).toContain(published.response.status);
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe("the console's policy tools", () => {
  it("import, search, diff, try-it with a disguised term, category edit, publish", async () => {
    const { context, page } = await signedIn(admin.key);

    // A CSV import reports its counts.
    await page.goto(`${consoleSite()}/console/policy/lists/${listId}`);
    await page.getByLabel("CSV file").setInputFiles({ name: "terms.csv", mimeType: "text/csv", buffer: Buffer.from("pattern,severity\n政策试验,4\ntrialterm,5\n别的词,2\n") });
    await page.getByRole("button", { name: "Import" }).click();
    await expect.poll(() => page.locator(".flash.ok").textContent()).toContain("Imported 3 terms. The list now holds 3");

    // Term search within the list.
    await page.getByLabel("Terms containing").fill("试验");
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL(/q=/);
    const rows = page.getByTestId("terms").locator("tbody tr");
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain("政策试验");
    await expectAccessible(page, "term list search");
    await screenshot(page, "policy-term-search");
    await page.getByLabel("Terms containing").fill("没有这个");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByTestId("no-terms-found").waitFor();

    // The diff lists the added terms.
    await page.goto(`${consoleSite()}/console/policy`);
    const listDiff = page.getByTestId(`diff-list-${listId}`);
    expect(await listDiff.textContent()).toContain("政策试验");
    expect(await listDiff.locator("tbody tr").count()).toBe(3);

    // Try-it: noise between characters, traditional characters, full-width letters.
    const text = "据说 政-策-試-驗 和 ｔｒｉａｌｔｅｒｍ 都在流传";
    await page.getByLabel("Text", { exact: true }).fill(text);
    await page.getByRole("button", { name: "Highlight matches" }).click();
    const shown = page.getByTestId("try-text-shown");
    await shown.waitFor();
    const marks = shown.locator(`mark[data-category="${CATEGORY}"]`);
    expect(await marks.count()).toBe(2);
    expect((await marks.nth(0).textContent())!.startsWith("政-策-試-驗")).toBe(true);
    expect((await marks.nth(1).textContent())!.startsWith("ｔｒｉａｌｔｅｒｍ")).toBe(true);
    expect(await page.getByTestId("try-result").textContent()).toContain("Verdict against the draft: review");
    const matchRows = page.getByTestId("try-matches").locator("tbody tr");
    expect(await matchRows.count()).toBe(2);
    expect(await matchRows.first().textContent()).toContain("政策试验");
    // The text is in this page only: the address has no query.
    expect(new URL(page.url()).search).toBe("");
    await expectAccessible(page, "policy try-it and diff");
    await screenshot(page, "policy-try-it");

    // Edit the category: the whole range now blocks; the diff shows it, and try-it follows the draft.
    const form = page.getByTestId(`category-${CATEGORY}`);
    await form.locator("summary").focus();
    await page.keyboard.press("Enter");
    await form.locator(`#cat-${CATEGORY}-action-0`).selectOption("block");
    await form.getByRole("button", { name: `Save ${CATEGORY}` }).click();
    await expect.poll(() => page.locator(".flash.ok").textContent()).toContain(`Saved ${CATEGORY}`);
    expect(await page.getByTestId(`diff-category-${CATEGORY}`).textContent()).toContain("1–10 → review → 1–10 → block");
    await page.getByLabel("Text", { exact: true }).fill(text);
    await page.getByRole("button", { name: "Highlight matches" }).click();
    await expect.poll(() => page.getByTestId("try-result").textContent()).toContain("Verdict against the draft: block");

    // Publish: the diff is empty, and the category change is live.
    await page.getByRole("button", { name: "Publish the draft" }).click();
    await expect.poll(() => page.locator(".flash.ok").textContent()).toMatch(/Published version \d+/);
    await page.getByTestId("diff-none").waitFor();
    const categories = await expectData(api(admin.key).GET("/v1/policy/categories"), 200);
    expect(categories.categories.find((c) => c.name === CATEGORY)?.ranges).toEqual([{ min: 1, max: 10, action: "block" }]);
    await expectAccessible(page, "policy published");
    await screenshot(page, "policy-published");

    // The same page in Chinese passes axe too.
    await page.goto(`${consoleSite()}/console/policy?lang=zh-CN`);
    expect(await page.getByTestId("diff-none").textContent()).toContain("草稿与已发布版本相同");
    await expectAccessible(page, "policy (zh-CN)");
    await page.goto(`${consoleSite()}/console/policy?lang=en`);
    await context.close();
  });
});
