// Starts the whole local stack (scripts/start.mjs, exactly as `npm start` does) on a free
// port with throw-away state, for the end-to-end tests and the load benchmarks.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
    srv.on("error", fail);
  });
}

export function readDevVar(file, name) {
  const line = readFileSync(file, "utf8").split("\n").find((l) => l.startsWith(`${name}=`));
  if (!line) throw new Error(`${name} missing from ${file}`);
  return line.slice(name.length + 1).trim();
}

/**
 * @param {{ timeoutMs?: number, env?: Record<string, string> }} [options]
 * @returns {Promise<{ baseUrl: string, adminKey: string, state: string, stop: () => Promise<void>, output: () => string }>}
 */
export async function startStack(options = {}) {
  const port = await freePort();
  const inspector = await freePort();
  const state = mkdtempSync(join(tmpdir(), "gatehouse-stack-"));
  const chunks = [];
  const child = spawn(process.execPath, [join(root, "scripts/start.mjs")], {
    cwd: root,
    env: { ...process.env, ...(options.env ?? {}), PORT: String(port), GATEHOUSE_STATE: state, GATEHOUSE_INSPECTOR_PORT: String(inspector) },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout.on("data", (d) => chunks.push(String(d)));
  child.stderr.on("data", (d) => chunks.push(String(d)));
  const output = () => chunks.join("");
  const stop = async () => {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      /* already gone */
    }
    await new Promise((r) => setTimeout(r, 500));
    rmSync(state, { recursive: true, force: true });
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 150_000);
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`stack exited early:\n${output().slice(-4000)}`);
    }
    try {
      const res = await fetch(`${baseUrl}/v1/health`);
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`stack did not become healthy:\n${output().slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  // `state` is the throw-away persistence dir, e.g. for `wrangler d1 execute DB --local --persist-to <state>`.
  return { baseUrl, adminKey: readDevVar(join(root, ".dev.vars"), "ADMIN_KEY"), state, stop, output };
}
