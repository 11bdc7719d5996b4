import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    adminKey: string;
  }
}

const root = resolve(import.meta.dirname, "../..");

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
    srv.on("error", fail);
  });
}

function readDevVar(file: string, name: string): string {
  const line = readFileSync(file, "utf8").split("\n").find((l) => l.startsWith(`${name}=`));
  if (!line) throw new Error(`${name} missing from ${file}`);
  return line.slice(name.length + 1).trim();
}

let child: ChildProcess | undefined;
let state: string | undefined;

export default async function setup(project: TestProject) {
  const [port, inspector] = [await freePort(), await freePort()];
  state = mkdtempSync(join(tmpdir(), "gatehouse-e2e-"));
  const output: string[] = [];
  child = spawn(process.execPath, [join(root, "scripts/start.mjs")], {
    cwd: root,
    env: { ...process.env, PORT: String(port), GATEHOUSE_STATE: state, GATEHOUSE_INSPECTOR_PORT: String(inspector) },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout!.on("data", (d) => output.push(String(d)));
  child.stderr!.on("data", (d) => output.push(String(d)));

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 150_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`stack exited early:\n${output.join("").slice(-4000)}`);
    try {
      const res = await fetch(`${baseUrl}/v1/health`);
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`stack did not become healthy:\n${output.join("").slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  project.provide("baseUrl", baseUrl);
  project.provide("adminKey", readDevVar(join(root, ".dev.vars"), "ADMIN_KEY"));

  return async () => {
    if (child?.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        /* already gone */
      }
    }
    await new Promise((r) => setTimeout(r, 500));
    if (state) rmSync(state, { recursive: true, force: true });
  };
}
