#!/usr/bin/env node
// `node scripts/verify-audit.mjs FILE [--public-key KEY]`: verifies an audit export
// (GET /v1/exports/audit?format=ndjson) offline — every hash link, the numbering, and each signed
// checkpoint. KEY is the base64 `publicKey` of GET /v1/audit/public-key, or a file holding that
// JSON answer. Without it the key in the export's header is used (integrity against that key only).
// Reads the file line by line (constant memory). Exit 0 when it verifies; 1 naming the first broken line.
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { verifyAuditExport } from "./audit-verifier.mjs";

function usage(message) {
  if (message) console.error(`verify-audit: ${message}`);
  console.error("usage: node scripts/verify-audit.mjs FILE [--public-key BASE64|FILE]");
  process.exit(2);
}

const args = process.argv.slice(2);
let file;
let publicKey;
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--public-key") publicKey = args[++i] ?? usage("--public-key needs a value");
  else if (!file) file = args[i];
  else usage(`unexpected argument ${args[i]}`);
}
if (!file) usage();
if (!existsSync(file)) usage(`no such file: ${file}`);
if (publicKey && existsSync(publicKey)) {
  const text = readFileSync(publicKey, "utf8").trim();
  publicKey = text.startsWith("{") ? JSON.parse(text).publicKey : text;
}

const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
const result = await verifyAuditExport(lines, { publicKey });
if (result.ok) {
  console.log(
    `OK: ${result.entries} entries chained without a gap; ${result.checkpoints} signed checkpoint(s) verified` +
      (result.keySource === "file" ? " against the key in the file's header (pass --public-key from GET /v1/audit/public-key to trust it)" : "") +
      (result.checkpoints === 0 ? "; no checkpoint inside the range: the chain is consistent, but nothing signed pins it" : ""),
  );
  process.exit(0);
}
const { line, seq, reason } = result.firstBroken;
console.error(`FAIL: line ${line}${seq !== null ? ` (seq ${seq})` : ""}: ${reason}`);
process.exit(1);
