#!/usr/bin/env node
// `npm start`: the whole Gatehouse suite on this machine.
//  1. writes `.dev.vars` (random ADMIN_KEY and local secrets) for every worker where absent,
//  2. applies the D1 migrations to the local database (they carry the default data),
//  3. runs every worker in one `wrangler dev` with all configs; the gateway listens on PORT (8787).
// Environment: PORT, GATEHOUSE_STATE (local persistence dir, default .wrangler/state),
// GATEHOUSE_RATE_LIMIT (a lower standard-tier limit per 10 s for tests), GATEHOUSE_D1_QUERY_LOG (log
// each distinct SQL text the workers prepare: pkg/d1-query-log.ts).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LOCAL_SECRETS } from "./local-secrets.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const port = process.env.PORT ?? "8787";
const state = resolve(root, process.env.GATEHOUSE_STATE ?? ".wrangler/state");
const wrangler = join(root, "node_modules", ".bin", "wrangler");
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH}` };

export const WORKER_CONFIGS = [
  "wrangler.toml",
  "workers/registration/wrangler.toml",
  "workers/screening/wrangler.toml",
  "workers/reposts/wrangler.toml",
  "workers/moderation/wrangler.toml",
  "workers/console/wrangler.toml",
  "workers/events/wrangler.toml",
];

function ensureDevVars() {
  for (const [dir, secrets] of Object.entries(LOCAL_SECRETS)) {
    const file = join(root, dir, ".dev.vars");
    const existing = existsSync(file) ? readFileSync(file, "utf8") : "";
    const present = new Set(existing.split("\n").map((l) => l.split("=")[0].trim()).filter(Boolean));
    const missing = Object.entries(secrets).filter(([name]) => !present.has(name));
    if (missing.length === 0) continue;
    const lines = missing.map(([name, make]) => `${name}=${make()}`);
    writeFileSync(file, (existing && !existing.endsWith("\n") ? existing + "\n" : existing) + lines.join("\n") + "\n", { mode: 0o600 });
    console.log(`gatehouse: wrote ${missing.map(([n]) => n).join(", ")} to ${join(dir, ".dev.vars")}`);
  }
}

function applyMigrations() {
  const r = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state, "-c", "wrangler.toml"], {
    cwd: root,
    env: { ...env, CI: "true" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (r.status !== 0) {
    console.error("gatehouse: applying D1 migrations failed");
    process.exit(r.status ?? 1);
  }
}

ensureDevVars();
applyMigrations();

console.log(`\ngatehouse: starting the gateway on http://localhost:${port} (admin key: ADMIN_KEY in ${join(root, ".dev.vars")})\n`);
const args = ["dev", ...WORKER_CONFIGS.flatMap((c) => ["-c", c]), "--port", port, "--ip", "127.0.0.1", "--persist-to", state, "--show-interactive-dev-session=false"];
if (process.env.GATEHOUSE_INSPECTOR_PORT) args.push("--inspector-port", process.env.GATEHOUSE_INSPECTOR_PORT);
// A lower per-key limit for the gateway, e.g. for the end-to-end tests.
if (process.env.GATEHOUSE_RATE_LIMIT) args.push("--var", `RATE_LIMIT_STANDARD_FALLBACK:${process.env.GATEHOUSE_RATE_LIMIT}`);
// Every worker logs the SQL it prepares (pkg/d1-query-log.ts): the gateway's var, which it
// passes on to the function workers.
if (process.env.GATEHOUSE_D1_QUERY_LOG) args.push("--var", "D1_QUERY_LOG:1");
const child = spawn(wrangler, args, { cwd: root, env, stdio: "inherit" });
const stop = (signal) => child.kill(signal);
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
