// The assembled OpenAPI document of the running suite: from GATEHOUSE_URL when a stack is
// already up, else from a throw-away local stack (scripts/stack.mjs, as `npm start` runs it).
// The document is assembled at request time from every worker's zod routes, so the live
// stack is the one source that has it all.
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startStack } from "../stack.mjs";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** @returns {Promise<Record<string, any>>} */
export async function fetchOpenApi(url = process.env.GATEHOUSE_URL) {
  if (url) return read(url);
  const stack = await startStack();
  try {
    return await read(stack.baseUrl);
  } finally {
    await stack.stop();
  }
}

async function read(baseUrl) {
  const res = await fetch(`${baseUrl}/openapi.json`);
  if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
  return res.json();
}

/**
 * Lints a document file with Redocly CLI and the repository's redocly.yaml (recommended rules).
 * @returns {{ errors: number, warnings: number, problems: { ruleId: string, severity: string, message: string, pointer?: string }[] }}
 */
export function lintOpenApi(file) {
  const r = spawnSync(join(root, "node_modules/.bin/redocly"), ["lint", file, "--config", join(root, "redocly.yaml"), "--format=json"], {
    cwd: root,
    encoding: "utf8",
    // No update check and no telemetry: CI and tests run offline.
    env: { ...process.env, REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", REDOCLY_TELEMETRY: "off" },
    maxBuffer: 64 * 1024 * 1024,
  });
  let report;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    throw new Error(`redocly lint failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  return {
    errors: report.totals.errors,
    warnings: report.totals.warnings,
    problems: report.problems.map((p) => ({ ruleId: p.ruleId, severity: p.severity, message: p.message, pointer: p.location?.[0]?.pointer })),
  };
}
