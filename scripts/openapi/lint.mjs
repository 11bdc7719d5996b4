#!/usr/bin/env node
// `npm run lint:openapi`: the assembled /openapi.json must pass Redocly's recommended rules
// with no error and no warning. Uses GATEHOUSE_URL if set, else starts a local stack.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fetchOpenApi, lintOpenApi } from "./document.mjs";

const doc = await fetchOpenApi();
const dir = mkdtempSync(join(tmpdir(), "gatehouse-openapi-"));
const file = join(dir, "openapi.json");
writeFileSync(file, JSON.stringify(doc, null, 2));
try {
  const { errors, warnings, problems } = lintOpenApi(file);
  const methods = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);
  const operations = Object.values(doc.paths ?? {}).reduce((n, item) => n + Object.keys(item).filter((m) => methods.has(m)).length, 0);
  for (const p of problems) console.error(`${p.severity} ${p.ruleId} ${p.pointer ?? ""}\n  ${p.message}`);
  console.log(`openapi.json: ${operations} operations, ${errors} errors, ${warnings} warnings (redocly recommended)`);
  process.exitCode = errors + warnings > 0 ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
