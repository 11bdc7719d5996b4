import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { baseUrl } from "../client";

/** Where the console's browser tests write a screenshot of each page (README names it; not kept in git). */
export const SCREENSHOTS = resolve(dirname(fileURLToPath(import.meta.url)), "../../../docs/console");

/** The stack's address as `localhost`: browsers keep Secure cookies over plain HTTP only there. */
export const consoleSite = (): string => baseUrl().replace("//127.0.0.1:", "//localhost:");

/**
 * A new browser context signed into the console with `key`, on the queue page. With `locale`,
 * the context also sends it as Accept-Language and the sign-in page is asked for English.
 */
export async function signIntoConsole(browser: Browser, key: string, locale?: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: locale ?? "en-GB", ...(locale ? { extraHTTPHeaders: { "accept-language": locale } } : {}) });
  const page = await context.newPage();
  await page.goto(`${consoleSite()}/console/sign-in${locale ? "?lang=en" : ""}`);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/console\/queue/);
  return { context, page };
}

/** A full-page screenshot to SCREENSHOTS/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
