import { spawnSync } from "node:child_process";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "..");

/**
 * Runs SQL on the local stack's D1 (`wrangler d1 execute --local`), for seeding rows that
 * another worker would write (accounts, posts) and for reading results back.
 */
export function localD1(state: string, command: string): { results: Record<string, unknown>[] }[] {
  const r = spawnSync(join(root, "node_modules/.bin/wrangler"), ["d1", "execute", "DB", "--local", "--persist-to", state, "--json", "--command", command, "-c", "wrangler.toml"], {
    cwd: root,
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH}` },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`wrangler d1 execute failed:\n${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout) as { results: Record<string, unknown>[] }[];
}
