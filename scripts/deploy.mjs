#!/usr/bin/env node
// `npm run deploy [-- --env staging] [-- --dry-run [--outdir DIR]]`: the whole suite in order.
//  1. the configs must agree (database, environments, vars: scripts/check-configs.mjs);
//  2. remote D1 migrations (`wrangler d1 migrations apply DB --remote`), before any code that
//     needs them; skipped, and said so, on a dry run;
//  3. every worker, each after the workers its service bindings name (scripts/workers.mjs):
//     the function workers, then the gateway, then anything that binds the gateway.
// A dry run bundles every worker offline (`wrangler deploy --dry-run --outdir`), prints each
// bundle's size and deploys nothing; `npm run build:check` is this dry run plus its checks.
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { checkConfigs } from "./check-configs.mjs";
import { GATEWAY_CONFIG, deployOrder, workerName, wrangler } from "./workers.mjs";

const say = (line) => console.log(`gatehouse: ${line}`);

const bundleBytes = (dir) =>
  readdirSync(dir, { recursive: true })
    .filter((f) => String(f).endsWith(".js"))
    .reduce((n, f) => n + statSync(join(dir, String(f))).size, 0);

/**
 * Deploys (or, with dryRun, bundles) every worker for `env` (undefined: production).
 * Returns true when everything succeeded. A dry run bundles every worker even after a
 * failure, to report them all; a real deploy stops at the first failure, so no worker is
 * deployed before one it binds.
 */
export function deploy({ dryRun = false, env, outdir } = {}) {
  const envArgs = env ? ["--env", env] : [];
  const label = env ?? "production";

  const problems = checkConfigs();
  if (problems.length) {
    for (const p of problems) console.error(`✗ ${p}`);
    return false;
  }
  let order;
  try {
    order = deployOrder(env);
  } catch (error) {
    console.error(`✗ ${error.message}`);
    return false;
  }

  if (dryRun) {
    say(`dry run (${label}): skipping the remote D1 migrations (wrangler d1 migrations apply DB --remote); bundling only, nothing is deployed`);
  } else {
    say(`applying the D1 migrations to the ${label} database (remote)`);
    const r = wrangler(["d1", "migrations", "apply", "DB", "--remote", "-c", GATEWAY_CONFIG, ...envArgs]);
    if (r.status !== 0) {
      console.error("✗ remote D1 migrations failed: nothing was deployed");
      return false;
    }
  }

  const scratch = dryRun && !outdir ? mkdtempSync(join(tmpdir(), "gatehouse-bundle-")) : undefined;
  let ok = true;
  try {
    for (const { config, name } of order) {
      if (dryRun) {
        const out = join(outdir ? resolve(outdir) : scratch, workerName(config));
        const r = wrangler(["deploy", "--dry-run", "--outdir", out, "-c", config, ...envArgs], { capture: true });
        if (r.status !== 0) {
          ok = false;
          console.error(`✗ ${config} (${name})\n${r.stdout}\n${r.stderr}`);
          continue;
        }
        console.log(`✓ ${config} (${name}): ${(bundleBytes(out) / 1024).toFixed(0)} KiB of JavaScript`);
      } else {
        say(`deploying ${name} (${config})`);
        const r = wrangler(["deploy", "-c", config, ...envArgs]);
        if (r.status !== 0) {
          console.error(`✗ ${config} (${name}) failed; the workers after it (${order.slice(order.findIndex((w) => w.config === config) + 1).map((w) => w.name).join(", ") || "none"}) were not deployed`);
          return false;
        }
      }
    }
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
  if (ok && !dryRun) say(`deployed ${order.map((w) => w.name).join(", ")}`);
  return ok;
}

/** `--dry-run`, `--env NAME` / `--env=NAME`, `--outdir DIR`; anything else is refused. */
export function parseArgs(argv) {
  const options = { dryRun: false, env: undefined, outdir: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (!v || v.startsWith("--")) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === "--dry-run") options.dryRun = true;
    else if (flag === "--env" || flag === "-e") options.env = value();
    else if (flag === "--outdir") options.outdir = value();
    else throw new Error(`unknown argument ${arg} (usage: npm run deploy -- [--env NAME] [--dry-run [--outdir DIR]])`);
  }
  if (options.outdir && !options.dryRun) throw new Error("--outdir is only for --dry-run");
  return options;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`✗ ${error.message}`);
    process.exit(2);
  }
  process.exit(deploy(options) ? 0 : 1);
}
