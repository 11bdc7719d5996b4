// node --test (run by `npm run build:check`): the config checks and the deploy order, on
// copies of this repository's wrangler configs changed one way at a time.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { checkConfigs } from "../check-configs.mjs";
import { deployOrder, root, workerConfigs } from "../workers.mjs";

const scratch = mkdtempSync(join(tmpdir(), "gatehouse-configs-test-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const PRODUCTION_ID = 'database_id = "4f6a1b2c-0d9e-4a7b-8c6d-5e4f3a2b1c0d"';
let copies = 0;

/** A copy of every wrangler config of the repository; `edit` maps config → new text. */
function copyRepo(edit = {}) {
  const dir = join(scratch, String(copies++));
  for (const config of workerConfigs(root)) {
    const text = readFileSync(join(root, config), "utf8");
    mkdirSync(dirname(join(dir, config)), { recursive: true });
    writeFileSync(join(dir, config), edit[config] ? edit[config](text) : text);
  }
  for (const [config, change] of Object.entries(edit)) {
    if (!workerConfigs(root).includes(config)) {
      mkdirSync(dirname(join(dir, config)), { recursive: true });
      writeFileSync(join(dir, config), change(""));
    }
  }
  return dir;
}

/** Replaces the n-th occurrence (0-based) of `from`; fails the test when there is none. */
const replaceNth = (from, to, n = 0) => (text) => {
  const parts = text.split(from);
  assert.ok(parts.length > n + 1, `no occurrence ${n} of ${from}`);
  return parts.slice(0, n + 1).join(from) + to + parts.slice(n + 1).join(from);
};

test("the repository's configs agree", () => {
  assert.deepEqual(checkConfigs(root), []);
});

test("a worker whose production database_id differs is named", () => {
  const dir = copyRepo({ "workers/reposts/wrangler.toml": replaceNth(PRODUCTION_ID, 'database_id = "11111111-1111-4111-8111-111111111111"') });
  const problems = checkConfigs(dir);
  assert.equal(problems.length, 1, problems.join("\n"));
  assert.match(problems[0], /^workers\/reposts\/wrangler\.toml: top level database_id is "11111111-.*wrangler\.toml says "4f6a1b2c-/);
});

test("the root config is the reference: changing only it names every other config", () => {
  const dir = copyRepo({ "wrangler.toml": replaceNth(PRODUCTION_ID, 'database_id = "22222222-2222-4222-8222-222222222222"') });
  const named = checkConfigs(dir).map((p) => p.split(":")[0]);
  assert.deepEqual(named.sort(), workerConfigs(root).filter((c) => c !== "wrangler.toml").sort());
});

test("a worker whose staging database disagrees is named with its environment", () => {
  const dir = copyRepo({ "workers/screening/wrangler.toml": replaceNth('database_name = "gatehouse-staging"', 'database_name = "gatehouse-stage"') });
  assert.deepEqual(checkConfigs(dir), ['workers/screening/wrangler.toml: [env.staging] database_name is "gatehouse-stage", wrangler.toml says "gatehouse-staging"']);
});

test("a worker without the root's [env.staging] is named", () => {
  const dir = copyRepo({ "workers/moderation/wrangler.toml": (t) => t.slice(0, t.indexOf("# Staging")) });
  assert.deepEqual(checkConfigs(dir), ["workers/moderation/wrangler.toml: no [env.staging] section (wrangler.toml has one)"]);
});

test("staging on the production database is refused", () => {
  const stagingId = 'database_id = "00000000-0000-4000-8000-00000000000a"';
  const toProduction = replaceNth(stagingId, PRODUCTION_ID);
  const edit = Object.fromEntries(workerConfigs(root).map((c) => [c, toProduction]));
  assert.deepEqual(checkConfigs(copyRepo(edit)), ["wrangler.toml: [env.staging] uses the production database_id"]);
});

test("a top-level var missing from [env.staging.vars] is named", () => {
  const dir = copyRepo({ "workers/reposts/wrangler.toml": replaceNth('[vars]\n', '[vars]\nNEW_LIMIT = "3"\n') });
  assert.deepEqual(checkConfigs(dir), ["workers/reposts/wrangler.toml: [env.staging.vars] lacks NEW_LIMIT (vars are not inherited)"]);
});

test("a new worker's config is checked without being listed anywhere", () => {
  const console = `name = "gatehouse-console"\nmain = "src/index.ts"\n\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "gatehouse"\ndatabase_id = "33333333-3333-4333-8333-333333333333"\n`;
  const dir = copyRepo({ "workers/console/wrangler.toml": () => console });
  const problems = checkConfigs(dir);
  assert.ok(problems.some((p) => p.startsWith("workers/console/wrangler.toml: top level database_id is \"33333333-")), problems.join("\n"));
  assert.ok(problems.includes("workers/console/wrangler.toml: no [env.staging] section (wrangler.toml has one)"), problems.join("\n"));
});

test("an unreadable config is named, not thrown", () => {
  const dir = copyRepo({ "workers/screening/wrangler.toml": (t) => t + "\n[broken\n" });
  const problems = checkConfigs(dir);
  assert.equal(problems.length, 1, problems.join("\n"));
  assert.match(problems[0], /^workers\/screening\/wrangler\.toml: cannot be read/);
});

test("deploy order: every function worker before the gateway, in production and staging", () => {
  for (const env of [undefined, "staging"]) {
    const order = deployOrder(env, root).map((w) => w.config);
    assert.equal(order.at(-1), "wrangler.toml");
    assert.deepEqual(order.slice(0, -1).sort(), workerConfigs(root).slice(1).sort());
  }
  assert.ok(deployOrder("staging", root).every((w) => w.name.endsWith("-staging")));
});

test("deploy order follows service bindings: a console that binds the gateway goes after it", () => {
  const consoleToml = `name = "gatehouse-console"\nmain = "src/index.ts"\n\n[[services]]\nbinding = "GATEWAY"\nservice = "gatehouse-gateway"\n`;
  // The real gateway binds the console; this case is a console that binds the gateway instead.
  const withoutConsole = (text) => text.replace(/\n\[\[(env\.staging\.)?services\]\]\nbinding = "CONSOLE"\nservice = "[^"]+"\n/g, "\n");
  const order = deployOrder(undefined, copyRepo({ "workers/console/wrangler.toml": () => consoleToml, "wrangler.toml": withoutConsole })).map((w) => w.name);
  assert.ok(order.indexOf("gatehouse-console") > order.indexOf("gatehouse-gateway"), order.join(", "));
  const gatewayBindsConsole = replaceNth("[[services]]", '[[services]]\nbinding = "CONSOLE"\nservice = "gatehouse-console"\n\n[[services]]');
  const order2 = deployOrder(undefined, copyRepo({ "workers/console/wrangler.toml": () => 'name = "gatehouse-console"\nmain = "x.ts"\n', "wrangler.toml": gatewayBindsConsole })).map((w) => w.name);
  assert.ok(order2.indexOf("gatehouse-console") < order2.indexOf("gatehouse-gateway"), order2.join(", "));
});

test("a cycle of service bindings is refused", () => {
  const consoleToml = `name = "gatehouse-console"\nmain = "src/index.ts"\n\n[[services]]\nbinding = "GATEWAY"\nservice = "gatehouse-gateway"\n`;
  const gatewayBindsConsole = replaceNth("[[services]]", '[[services]]\nbinding = "CONSOLE"\nservice = "gatehouse-console"\n\n[[services]]');
  const dir = copyRepo({ "workers/console/wrangler.toml": () => consoleToml, "wrangler.toml": gatewayBindsConsole });
  assert.throws(() => deployOrder(undefined, dir), /cycle: .*gatehouse-console.*gatehouse-gateway|cycle: .*gatehouse-gateway.*gatehouse-console/);
});
