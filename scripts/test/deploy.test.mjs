// node --test (run by `npm run build:check`): `npm run deploy` against a recording stand-in
// for wrangler (GATEHOUSE_WRANGLER), so the order, the flags and the stops are checked
// without an account or a network.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { root, workerConfigs } from "../workers.mjs";

const scratch = mkdtempSync(join(tmpdir(), "gatehouse-deploy-test-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

// Records its arguments, one JSON line per call; fails when they contain FAKE_FAIL; on
// --outdir writes a bundle so the dry run has something to measure.
const fake = join(scratch, "wrangler");
writeFileSync(
  fake,
  `#!/usr/bin/env node
const fs = require("node:fs"), path = require("node:path");
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_LOG, JSON.stringify(args) + "\\n");
if (process.env.FAKE_FAIL && args.includes(process.env.FAKE_FAIL)) process.exit(1);
const out = args.indexOf("--outdir");
if (out >= 0) { fs.mkdirSync(args[out + 1], { recursive: true }); fs.writeFileSync(path.join(args[out + 1], "index.js"), "x".repeat(2048)); }
`,
);
chmodSync(fake, 0o755);

let runs = 0;
function run(args, fail) {
  const log = join(scratch, `log-${runs++}`);
  const r = spawnSync(process.execPath, [join(root, "scripts/deploy.mjs"), ...args], {
    cwd: root,
    env: { ...process.env, GATEHOUSE_WRANGLER: fake, FAKE_LOG: log, FAKE_FAIL: fail ?? "" },
    encoding: "utf8",
  });
  const calls = existsSync(log) ? readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l)) : [];
  return { status: r.status, out: r.stdout + r.stderr, calls };
}
const configOf = (call) => call[call.indexOf("-c") + 1];
const functionWorkers = workerConfigs(root).filter((c) => c !== "wrangler.toml");

test("deploy: remote migrations first, then every function worker, then the gateway", () => {
  const { status, calls, out } = run([]);
  assert.equal(status, 0, out);
  assert.deepEqual(calls[0], ["d1", "migrations", "apply", "DB", "--remote", "-c", "wrangler.toml"]);
  const deploys = calls.slice(1);
  assert.ok(deploys.every((c) => c[0] === "deploy" && !c.includes("--dry-run")), JSON.stringify(deploys));
  assert.deepEqual(deploys.slice(0, -1).map(configOf).sort(), functionWorkers.sort());
  assert.equal(configOf(deploys.at(-1)), "wrangler.toml");
});

test("deploy --env staging passes the environment to every wrangler call", () => {
  const { status, calls, out } = run(["--env", "staging"]);
  assert.equal(status, 0, out);
  assert.equal(calls.length, 1 + workerConfigs(root).length);
  for (const call of calls) assert.deepEqual(call.slice(-2), ["--env", "staging"], JSON.stringify(call));
  assert.match(out, /gatehouse-gateway-staging/);
});

test("a failed function worker stops the deploy before the gateway", () => {
  const failing = "workers/screening/wrangler.toml";
  const { status, calls, out } = run([], failing);
  assert.equal(status, 1);
  assert.ok(!calls.some((c) => configOf(c) === "wrangler.toml" && c[0] === "deploy"), "the gateway was deployed");
  assert.match(out, /workers\/screening\/wrangler\.toml \(gatehouse-screening\) failed; the workers after it \(.*gatehouse-gateway\) were not deployed/);
});

test("failed migrations deploy nothing", () => {
  const { status, calls, out } = run([], "--remote");
  assert.equal(status, 1);
  assert.equal(calls.length, 1);
  assert.match(out, /remote D1 migrations failed: nothing was deployed/);
});

test("--dry-run skips the remote migrations, says so, and bundles every worker offline", () => {
  const { status, calls, out } = run(["--dry-run", "--env=staging"]);
  assert.equal(status, 0, out);
  assert.ok(!calls.some((c) => c[0] === "d1"), "migrations were applied on a dry run");
  assert.match(out, /dry run \(staging\): skipping the remote D1 migrations/);
  assert.equal(calls.length, workerConfigs(root).length);
  for (const call of calls) {
    assert.ok(call.includes("--dry-run") && call.includes("--outdir"), JSON.stringify(call));
    assert.deepEqual(call.slice(-2), ["--env", "staging"]);
  }
  assert.match(out, /✓ wrangler\.toml \(gatehouse-gateway-staging\): 2 KiB of JavaScript/);
});

test("a dry run reports every worker that fails to bundle, and fails", () => {
  const { status, calls, out } = run(["--dry-run"], "workers/registration/wrangler.toml");
  assert.equal(status, 1);
  assert.equal(calls.length, workerConfigs(root).length, "bundling stopped at the first failure");
  assert.match(out, /✗ workers\/registration\/wrangler\.toml/);
});

test("unknown arguments and an environment the configs lack are refused before wrangler runs", () => {
  const bad = run(["--prod"]);
  assert.equal(bad.status, 2);
  assert.match(bad.out, /unknown argument --prod/);
  assert.equal(bad.calls.length, 0);
  const missing = run(["--env", "qa"]);
  assert.notEqual(missing.status, 0);
  assert.match(missing.out, /no \[env\.qa\] section/);
  assert.equal(missing.calls.length, 0);
});
