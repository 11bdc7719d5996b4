#!/usr/bin/env node
// `npm run example:policy`: loads the synthetic example policy in examples/policy/ into a running
// stack through its public API and publishes it. Idempotent: a second run adds nothing, changes
// nothing and publishes nothing (409 no_changes is reported as "already published").
//  - terms/<category>.csv → term list `example-<category>` (created if missing); rows missing from
//    the list are imported as CSV, rows whose severity or flags differ are updated; nothing is deleted;
//  - allow-list.csv (`phrase`) and blocked-domains.csv (`domain`): missing entries are added;
//  - then POST /v1/policy/publish.
// Environment: GATEHOUSE_URL (default http://localhost:8787), ADMIN_KEY (default: ADMIN_KEY in ./.dev.vars).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dir = join(root, "examples", "policy");
const base = (process.env.GATEHOUSE_URL ?? "http://localhost:8787").replace(/\/+$/, "");
const LIST_PREFIX = "example-";

function adminKey() {
  if (process.env.ADMIN_KEY) return process.env.ADMIN_KEY;
  const file = join(process.cwd(), ".dev.vars");
  const line = existsSync(file) ? readFileSync(file, "utf8").split(/\r?\n/).find((l) => l.startsWith("ADMIN_KEY=")) : undefined;
  if (!line) fail(`no ADMIN_KEY: set it in the environment or run \`npm start\` once (it writes ${file})`);
  return line.slice("ADMIN_KEY=".length).trim();
}

function fail(message) {
  console.error(`example-policy: ${message}`);
  process.exit(1);
}

const key = adminKey();

/** One API call; returns { status, body } for the statuses the caller expects, fails on any other. */
async function api(method, path, { json, csv, expect = [200] } = {}) {
  const headers = { authorization: `Bearer ${key}` };
  let body;
  if (json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(json);
  } else if (csv !== undefined) {
    headers["content-type"] = "text/csv";
    body = csv;
  }
  let res;
  try {
    res = await fetch(`${base}${path}`, { method, headers, body });
  } catch (e) {
    fail(`cannot reach ${base} (${e.cause?.code ?? e.message}); start the stack with \`npm start\` or set GATEHOUSE_URL`);
  }
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!expect.includes(res.status)) fail(`${method} ${path} → ${res.status}\n${JSON.stringify(parsed, null, 2)}`);
  return { status: res.status, body: parsed };
}

/** Every item of a cursor-paged list. */
async function all(path, field) {
  const items = [];
  let cursor;
  do {
    const { body } = await api("GET", `${path}?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...body[field]);
    cursor = body.nextCursor;
  } while (cursor);
  return items;
}

/** RFC 4180 records of a CSV file, header first (the example files are small and well-formed). */
function readCsv(file) {
  const text = readFileSync(file, "utf8").replace(/^\uFEFF/, "");
  const records = [];
  let row = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") row.push(field), (field = "");
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field), (field = "");
      if (row.length > 1 || row[0] !== "") records.push(row);
      row = [];
    } else field += c;
  }
  if (field !== "" || row.length) row.push(field), records.push(row);
  const [header, ...rows] = records;
  return rows.map((cells) => Object.fromEntries(header.map((h, i) => [h.trim(), cells[i] ?? ""])));
}

const csvCell = (s) => `"${String(s).replace(/"/g, '""')}"`;
/** The server's duplicate key of a pattern or phrase: trimmed, NFKC, lower case. */
const patternKey = (s) => s.trim().normalize("NFKC").toLowerCase();
/** A flags cell (`pinyin;!repeats`) as the object the API stores (null for none). */
function flagsOf(cell) {
  const tokens = cell.split(/[;\s|]+/).filter(Boolean);
  if (!tokens.length) return null;
  return Object.fromEntries(tokens.map((t) => (t.startsWith("!") ? [t.slice(1), false] : [t, true])));
}
const sameFlags = (a, b) => JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b ?? {}).sort());

async function loadTermLists() {
  const lists = await all("/v1/term-lists", "lists");
  const files = readdirSync(join(dir, "terms")).filter((f) => f.endsWith(".csv")).sort();
  for (const file of files) {
    const category = basename(file, ".csv");
    const name = `${LIST_PREFIX}${category}`;
    let list = lists.find((l) => l.name === name);
    if (!list) list = (await api("POST", "/v1/term-lists", { json: { name, category }, expect: [201] })).body;
    else if (list.category !== category) list = (await api("PATCH", `/v1/term-lists/${list.id}`, { json: { category } })).body;

    const existing = new Map((await all(`/v1/term-lists/${list.id}/terms`, "terms")).map((t) => [patternKey(t.pattern), t]));
    const rows = readCsv(join(dir, "terms", file));
    const missing = [];
    let updated = 0;
    for (const row of rows) {
      const term = existing.get(patternKey(row.pattern));
      const severity = Number(row.severity);
      const flags = flagsOf(row.flags ?? "");
      if (!term) missing.push(row);
      else if (term.severity !== severity || !sameFlags(term.flags, flags)) {
        await api("PATCH", `/v1/term-lists/${list.id}/terms/${term.id}`, { json: { severity, flags } });
        updated++;
      }
    }
    if (missing.length) {
      const csv = ["pattern,severity,flags", ...missing.map((r) => [r.pattern, r.severity, r.flags ?? ""].map(csvCell).join(","))].join("\n") + "\n";
      await api("POST", `/v1/term-lists/${list.id}/terms`, { csv, expect: [201] });
    }
    console.log(`term list ${name} (${list.id}): ${missing.length} imported, ${updated} updated, ${rows.length - missing.length - updated} unchanged`);
  }
}

async function loadAllowList() {
  const have = new Set((await all("/v1/allow-list", "phrases")).map((p) => patternKey(p.phrase)));
  const phrases = readCsv(join(dir, "allow-list.csv")).map((r) => r.phrase).filter((p) => !have.has(patternKey(p)));
  if (phrases.length) await api("POST", "/v1/allow-list", { json: { phrases }, expect: [201] });
  console.log(`allow-list: ${phrases.length} added`);
}

async function loadBlockedDomains() {
  const have = new Set((await all("/v1/blocked-domains", "domains")).map((d) => d.domain));
  const domains = readCsv(join(dir, "blocked-domains.csv")).map((r) => r.domain.trim().toLowerCase()).filter((d) => !have.has(d));
  if (domains.length) await api("POST", "/v1/blocked-domains", { json: { domains }, expect: [201] });
  console.log(`blocked domains: ${domains.length} added`);
}

await loadTermLists();
await loadAllowList();
await loadBlockedDomains();
const published = await api("POST", "/v1/policy/publish", { expect: [201, 409] });
if (published.status === 201) console.log(`published policy version ${published.body.version} (${published.body.termCount} terms)`);
else if (published.body.code === "no_changes") console.log(`nothing changed: version ${published.body.currentVersion} is current`);
else fail(`publish → 409\n${JSON.stringify(published.body, null, 2)}`);
