import chromium from "@sparticuz/chromium";
import { chromium as playwright, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { baseUrl, http } from "./client";

/**
 * `/docs` in a real headless Chromium (shipped inside the @sparticuz/chromium package, so no
 * download): the viewer's assets come from the gateway alone, under a policy with no
 * 'unsafe-inline', and it renders the assembled document's operations.
 */
const SCREENSHOT = "/tmp/gatehouse-docs.png";

let browser: Browser;

beforeAll(async () => {
  browser = await playwright.launch({
    executablePath: await chromium.executablePath(),
    args: [...chromium.args, "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
    headless: true,
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe("/docs", () => {
  it("is served under a policy that allows only this origin's scripts and styles", async () => {
    const res = await http("/docs");
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy") ?? "";
    const directives = Object.fromEntries(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    expect(directives["default-src"]).toEqual(["'none'"]);
    expect(directives["script-src"]).toEqual(["'self'"]);
    expect(directives["style-src"]).toEqual(["'self'"]);
    expect(directives["connect-src"]).toEqual(["'self'"]);
    expect(directives["frame-ancestors"]).toEqual(["'none'"]);
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
    const html = await res.text();
    expect(html).not.toMatch(/https?:\/\//);
    // Every script is a file of this origin: no inline code, no inline styles.
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toMatch(/^<script src="\/docs\/[^"]+">$/);
    expect(html).not.toMatch(/<style|\sstyle=/);
  });

  it("renders every operation from local assets only, with no policy violation", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1600 } });
    // Nothing but the gateway may be asked for anything: no CDN, no validator badge.
    const foreign: string[] = [];
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(baseUrl())) return route.continue();
      foreign.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("console", (msg) => {
      if (msg.type() === "error" || /content security policy/i.test(msg.text())) problems.push(`${msg.type()}: ${msg.text()}`);
    });
    page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`));
    });

    const res = await page.goto(`${baseUrl()}/docs`, { waitUntil: "load" });
    expect(res?.status()).toBe(200);
    const screen = page.locator(".opblock", { has: page.locator('[data-path="/v1/screen"]') }).first();
    await screen.waitFor({ state: "visible", timeout: 30_000 });
    expect(await screen.locator(".opblock-summary-method").textContent()).toBe("POST");

    const doc = (await (await http("/openapi.json")).json()) as { paths: Record<string, Record<string, { tags?: string[] }>> };
    const operations = Object.values(doc.paths).flatMap((item) => Object.entries(item).filter(([k]) => k !== "parameters").map(([, op]) => op));
    const expected = operations.reduce((n, op) => n + Math.max(1, op.tags?.length ?? 0), 0);
    // Every tag section is expanded by default, so every operation has its block under each of its tags.
    expect(await page.locator(".opblock").count()).toBe(expected);
    await expect.poll(() => page.locator(".info .title").textContent()).toContain("Gatehouse API");

    await page.screenshot({ path: SCREENSHOT });
    await context.close();
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  });
});
