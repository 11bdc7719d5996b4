#!/usr/bin/env node
// `npm run build:check` (CI runs it): everything that can be checked without deploying.
//  1. the deploy scripts' own tests (node --test scripts/test/),
//  2. the generated Env types are what `wrangler types` makes of the configs now,
//  3. `npm run deploy -- --dry-run` for production and for every [env.*] of the root config:
//     the configs agree (database, environments, vars) and every worker bundles offline.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { deploy } from "./deploy.mjs";
import { staleTypes, typesFile } from "./types.mjs";
import { GATEWAY_CONFIG, readRaw, root, workerConfigs } from "./workers.mjs";

const step = (title) => console.log(`\n── ${title}`);
let failed = false;

step("deploy script tests");
const testDir = join(root, "scripts", "test");
const tests = readdirSync(testDir).filter((f) => f.endsWith(".test.mjs")).map((f) => join(testDir, f));
const t = spawnSync(process.execPath, ["--test", "--test-reporter=dot", ...tests], { cwd: root, stdio: "inherit" });
if (t.status !== 0) failed = true;

step("generated Env types (npm run types)");
const stale = staleTypes();
for (const config of workerConfigs()) console.log(`${stale.includes(config) ? "✗" : "✓"} ${typesFile(config)}`);
if (stale.length) {
  failed = true;
  console.error(`stale: run \`npm run types\` and commit ${stale.map(typesFile).join(", ")}`);
}

for (const env of [undefined, ...Object.keys(readRaw(GATEWAY_CONFIG).env ?? {})]) {
  step(`npm run deploy -- --dry-run${env ? ` --env ${env}` : ""}`);
  if (!deploy({ dryRun: true, env })) failed = true;
}

process.exit(failed ? 1 : 0);
