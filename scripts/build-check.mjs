#!/usr/bin/env node
// Bundles every worker with `wrangler deploy --dry-run` (no network, nothing deployed) and
// prints each bundle's size: a broken wrangler.toml or an unbundlable import fails here.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const wrangler = join(root, "node_modules", ".bin", "wrangler");
const configs = ["wrangler.toml", "workers/registration/wrangler.toml", "workers/screening/wrangler.toml", "workers/reposts/wrangler.toml", "workers/moderation/wrangler.toml"];
let failed = false;
for (const config of configs) {
  const out = mkdtempSync(join(tmpdir(), "gatehouse-bundle-"));
  const r = spawnSync(wrangler, ["deploy", "--dry-run", "--outdir", out, "-c", config], {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH}` },
    encoding: "utf8",
  });
  if (r.status !== 0) {
    failed = true;
    console.error(`✗ ${config}\n${r.stdout}\n${r.stderr}`);
    continue;
  }
  const bytes = readdirSync(out)
    .filter((f) => f.endsWith(".js"))
    .reduce((n, f) => n + statSync(join(out, f)).size, 0);
  console.log(`✓ ${config}: ${(bytes / 1024).toFixed(0)} KiB of JavaScript`);
}
process.exit(failed ? 1 : 0);
