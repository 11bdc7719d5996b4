// node --test (run by `npm run build:check`): `npm run secrets` output, executed by sh with a
// recording stand-in for npx, so what wrangler would receive is checked.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { root } from "../workers.mjs";

const scratch = mkdtempSync(join(tmpdir(), "gatehouse-secrets-test-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
const npx = join(scratch, "npx");
writeFileSync(npx, `#!/bin/sh\nprintf '%s\\t%s\\n' "$*" "$(cat)" >> "$FAKE_LOG"\n`);
chmodSync(npx, 0o755);

function secrets(args = []) {
  const r = spawnSync(process.execPath, [join(root, "scripts/secrets.mjs"), ...args], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}
/** Runs the printed lines with sh; returns each wrangler call as { args, stdin }. */
function execute(script, env = {}) {
  const log = join(scratch, `log-${Math.random()}`);
  writeFileSync(log, "");
  const r = spawnSync("sh", [], { input: script, encoding: "utf8", env: { PATH: `${scratch}:${process.env.PATH}`, FAKE_LOG: log, ...env } });
  const calls = readFileSync(log, "utf8").trim().split("\n").filter(Boolean).map((l) => {
    const [args, stdin] = l.split("\t");
    return { args, stdin };
  });
  return { status: r.status, stderr: r.stderr, calls };
}

test("every secret of every worker is put with a fresh value on stdin, never in the arguments", () => {
  const script = secrets();
  const { status, calls } = execute(script, { SMS_GATEWAY_KEY: "sms-cred", IDV_KEY: "idv-cred" });
  assert.equal(status, 0);
  const byName = Object.fromEntries(calls.map((c) => [c.args.split(" ")[3], c]));
  for (const name of ["ADMIN_KEY", "VAULT_MASTER_KEYS", "VAULT_ACTIVE_KID", "BLIND_INDEX_KEY", "CODE_HMAC_KEY", "IDV_WEBHOOK_SECRET", "SMS_GATEWAY_KEY", "IDV_KEY"]) {
    assert.ok(byName[name], `${name} not put`);
    assert.ok(!byName[name].args.includes(byName[name].stdin), `${name}'s value is in the arguments`);
  }
  assert.match(byName.ADMIN_KEY.args, /^wrangler secret put ADMIN_KEY -c wrangler\.toml$/);
  assert.match(byName.BLIND_INDEX_KEY.args, /^wrangler secret put BLIND_INDEX_KEY -c workers\/registration\/wrangler\.toml$/);
  assert.match(byName.BLIND_INDEX_KEY.stdin, /^[0-9a-f]{64}$/);
  const masters = JSON.parse(byName.VAULT_MASTER_KEYS.stdin);
  assert.equal(Buffer.from(masters[byName.VAULT_ACTIVE_KID.stdin], "base64").length, 32);
  assert.equal(byName.SMS_GATEWAY_KEY.stdin, "sms-cred");
  // vars overridden locally (ENVIRONMENT, SMS_SENDER, …) are not secrets
  for (const name of ["ENVIRONMENT", "SMS_SENDER", "IDENTITY_VERIFIER"]) assert.ok(!byName[name], `${name} put as a secret`);
  // fresh on every run
  const adminLine = (text) => text.split("\n").find((l) => l.includes("secret put ADMIN_KEY"));
  assert.notEqual(adminLine(script), adminLine(secrets()));
});

test("--env staging reaches every wrangler call", () => {
  const { calls } = execute(secrets(["--env", "staging"]), { SMS_GATEWAY_KEY: "a", IDV_KEY: "b" });
  assert.ok(calls.length >= 8);
  for (const c of calls) assert.match(c.args, / --env staging$/);
});

test("an unset provider credential stops the shell instead of putting an empty secret", () => {
  const { status, stderr, calls } = execute(secrets());
  assert.notEqual(status, 0);
  assert.match(stderr, /set SMS_GATEWAY_KEY to the credential from your SMS gateway/);
  assert.ok(!calls.some((c) => c.args.includes("SMS_GATEWAY_KEY") || c.args.includes("IDV_KEY")));
});

test("--only picks single secrets", () => {
  const lines = secrets(["--only", "ADMIN_KEY"]).split("\n").filter((l) => l && !l.startsWith("#"));
  assert.equal(lines.length, 1);
  assert.match(lines[0], /wrangler secret put ADMIN_KEY -c wrangler\.toml$/);
});

test("keys two workers share get one value for both: evidence (screening, moderation), webhook secrets (moderation, events)", () => {
  const { calls } = execute(secrets(), { SMS_GATEWAY_KEY: "a", IDV_KEY: "b" });
  for (const [name, configs] of [
    ["EVIDENCE_MASTER_KEYS", ["workers/screening/wrangler.toml", "workers/moderation/wrangler.toml"]],
    ["WEBHOOK_MASTER_KEYS", ["workers/moderation/wrangler.toml", "workers/events/wrangler.toml"]],
  ]) {
    const puts = calls.filter((c) => c.args.split(" ")[3] === name);
    assert.deepEqual(puts.map((c) => c.args.split(" ")[5]).sort(), [...configs].sort(), `${name} goes to ${configs.join(" and ")}`);
    assert.equal(new Set(puts.map((c) => c.stdin)).size, 1, `${name} differs between workers`);
    for (const key of Object.values(JSON.parse(puts[0].stdin))) assert.equal(Buffer.from(key, "base64").length, 32);
  }
});
