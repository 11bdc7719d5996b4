import AxeBuilder from "@axe-core/playwright";
import chromium from "@sparticuz/chromium";
import { chromium as playwright, type Browser, type Page } from "playwright-core";
import { expect } from "vitest";

/** One headless Chromium from the @sparticuz/chromium package (no download, no apt). */
export async function launchChromium(): Promise<Browser> {
  return playwright.launch({
    executablePath: await chromium.executablePath(),
    // Not --single-process (meant for Lambda): there, closing one context can take the browser down.
    args: [...chromium.args.filter((a) => a !== "--single-process"), "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
    headless: true,
  });
}

/** Runs axe on the page and fails on any serious or critical violation (WCAG 2.x A/AA rules and best practices). */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(
    bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`),
    `axe on ${name}`,
  ).toEqual([]);
}
