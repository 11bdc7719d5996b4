import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROBLEMS } from "../../pkg/problems";
import { startStack } from "../../scripts/stack.mjs";
import { clientRequestInit, type ClientRequest } from "../support/client-request";
import { formsOf, linksOf, type PageForm } from "./html-forms";
import { breakingObject, breakingText, fitting, type Components, type Schema, type Variant } from "./schema-inputs";

/**
 * Every documented operation, called by a role it allows, with inputs made from its own schema
 * to be wrong in one place each (test/e2e/schema-inputs.ts): every body property left out, of the
 * wrong type, past its limits, or valid at an extreme (lone surrogates, NUL, emoji at maxLength,
 * 2^53); every path, query and header parameter as empty, huge, encoded, non-numeric text; and bodies
 * that are not JSON objects at all. Whatever the input, the answer is never a 5xx, an error is a
 * problem document with a registered code of its own status, the status is one the operation
 * documents, and no answer carries a stack trace. Path parameters name real resources (seeded
 * first: an account through its phone code and review, a licence, term lists, posts in review, a
 * report, a decision's appeal, a story, a webhook, a key), so bodies and queries reach the
 * handlers rather than stopping at 404; DELETE operations run last. A refused write leaves no
 * audit entry (nothing committed), and over the whole run no worker logs the seeded identity or
 * the post text. Then the query plan of every statement the stack ran, and the console crawled as
 * an admin, every form it shows posted with each field made wrong. On a stack of its own: an input
 * that fits the schema may write.
 */
type Operation = {
  "x-gatehouse-roles"?: string[];
  parameters?: { name: string; in: string; schema?: Schema; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, unknown>;
};
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Components } };
type Case = { op: string; documented: string[]; label: string; path: string; init: ClientRequest };

const METHODS = ["get", "post", "put", "patch", "delete"];
/** A plausible id that names nothing: the operation validates, then looks it up. */
const ABSENT = "zz_00000000000000";
/** Reads in flight at once (the stack shares the machine's two cores); writes go one at a time. */
const IN_FLIGHT = 6;
/** Answers that say where the code failed: `at fn (file:line)`, a source file and line, an Error's name. */
const STACK_TRACE = /\bat [\w$.<>]+ \(|\.(?:ts|js|mjs):\d+|\b(?:TypeError|RangeError|ReferenceError|SyntaxError)\b/;

/** The seeded account's personal data, and the term its posts carry (post text is never logged). */
const IDENTITY = { name: "李四", documentType: "cn_resident_id", documentNumber: "11010519491231002X" };
const PHONE = "+8613800138001";
const POST_TEXT_TERM = "模糊测试谣言";

let stack: Awaited<ReturnType<typeof startStack>>;
let doc: Doc;
const keys: Record<string, string> = {};
/** Real values for path parameters, by the path's first segment after /v1 and the parameter's name. */
const seeds: Record<string, string> = {};
/** Real values for body properties of these names (see schema-inputs.ts `Known`). */
const known: Record<string, unknown> = {};

beforeAll(async () => {
  // Every worker logs the SQL texts it prepares, for the query plans below.
  stack = await startStack({ env: { GATEHOUSE_D1_QUERY_LOG: "1" } });
  doc = (await (await fetch(`${stack.baseUrl}/openapi.json`)).json()) as Doc;
  // Keys of the unlimited tier: a rate-limited case would test nothing (judge() counts a 429 as wrong).
  for (const role of ["app", "operator", "admin"]) {
    const res = await fetch(`${stack.baseUrl}/v1/keys`, clientRequestInit({ key: stack.adminKey, json: { role, name: `fuzz ${role}`, tier: "unlimited" } }));
    keys[role] = ((await res.json()) as { key: string }).key;
  }
  await seed();
}, 180_000);

/** One call that must succeed; its JSON answer. */
async function call<T = Record<string, unknown>>(method: string, path: string, key: string, json?: unknown): Promise<T> {
  const res = await fetch(`${stack.baseUrl}${path}`, clientRequestInit({ method, key, ...(json !== undefined ? { json } : {}) }));
  const text = await res.text();
  if (!res.ok) throw new Error(`seeding: ${method} ${path} answered ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** The resources path parameters name: one of each, made through the API as a client would. */
async function seed(): Promise<void> {
  const { app, operator, admin } = keys as Record<"app" | "operator" | "admin", string>;
  const phone = PHONE;
  const created = await call<{ account: { id: string } }>("POST", "/v1/accounts", app, { handle: "fuzz_target", displayName: "Fuzz Target", kind: "public", phone, identity: IDENTITY });
  const accountId = created.account.id;
  const sms = await call<{ messages: { body: string }[] }>("POST", "/v1/dev/sms", admin, { phone });
  await call("POST", `/v1/accounts/${accountId}/phone/verify`, app, { code: /\b(\d{6})\b/.exec(sms.messages.at(-1)!.body)![1] });
  await call("POST", `/v1/accounts/${accountId}/review`, operator, { decision: "approve", reason: "documents checked" });
  const licence = await call<{ id: string }>("POST", "/v1/publishers", operator, { accountId, scope: ["political_news"], licenceNumber: "10120170009", issuer: "CAC", expiresAt: "2030-01-01T00:00:00Z" });
  const list = await call<{ id: string }>("POST", "/v1/term-lists", admin, { name: "fuzz rumours", category: "rumour" });
  const terms = await call<{ firstTermId: number }>("POST", `/v1/term-lists/${list.id}/terms`, admin, [{ pattern: POST_TEXT_TERM, severity: 3 }]);
  const allow = await call<{ phrases: { id: string }[] }>("POST", "/v1/allow-list", admin, { phrases: [`${POST_TEXT_TERM}不是`] });
  const domain = await call<{ domains: { id: string }[] }>("POST", "/v1/blocked-domains", admin, { domains: ["blocked.example"] });
  await call("PUT", "/v1/policy/outlets/outlet.example", admin, { name: "Outlet", scope: ["political_news"] }).catch(() => undefined);
  await call("POST", "/v1/policy/publish", admin);
  // Two posts in review (one to decide and appeal, one left open), long enough to start a story.
  const text = `据说 ${POST_TEXT_TERM} 正在流传，大家转发之前请先核实消息来源，谢谢。`;
  for (const postId of ["fuzz-post-1", "fuzz-post-2"]) await call("POST", "/v1/screen", app, { accountId, text, kind: "post", postId });
  const queue = await call<{ items: { id: string; subjectId: string }[] }>("GET", "/v1/review-queue?source=screening&limit=100", operator);
  const itemOf = (postId: string) => queue.items.find((i) => i.subjectId === postId)!.id;
  const decided = await call<{ decisionRecord: { id: string } }>("POST", `/v1/review-queue/${itemOf("fuzz-post-2")}/decision`, operator, { action: "remove_post", reason: "confirmed rumour" });
  const appeal = await call<{ id: string }>("POST", "/v1/appeals", app, { decisionId: decided.decisionRecord.id, accountId, statement: "It was satire." });
  const report = await call<{ id: string }>("POST", "/v1/reports", app, { subjectType: "post", subjectId: "fuzz-post-1", reporterId: "user-1", reason: "rumour" });
  const story = await call<{ story: { id: string } | null }>("GET", "/v1/posts/fuzz-post-1/story", operator);
  const webhook = await call<{ id: string }>("POST", "/v1/webhooks", admin, { url: "https://hooks.example.com/gatehouse", eventTypes: ["post.removed"] });
  const key = await call<{ id: string }>("POST", "/v1/keys", admin, { role: "app", name: "fuzz target" });
  Object.assign(seeds, {
    "accounts:id": accountId, "public:handle": "fuzz_target", "publishers:id": licence.id,
    "term-lists:id": list.id, "term-lists:termId": String(terms.firstTermId), "allow-list:id": allow.phrases[0]!.id, "blocked-domains:id": domain.domains[0]!.id,
    "policy:name": "rumour", "policy:domain": "outlet.example", "posts:postId": "fuzz-post-1", "stories:id": story.story!.id,
    "reports:id": report.id, "review-queue:id": itemOf("fuzz-post-1"), "review-queue:storyId": story.story!.id, "appeals:id": appeal.id,
    "webhooks:id": webhook.id, "keys:id": key.id,
  });
  Object.assign(known, { category: "rumour", accountId, subjectId: "fuzz-post-1", postId: "fuzz-post-3", decisionId: decided.decisionRecord.id, itemIds: [itemOf("fuzz-post-1")], accountIds: [accountId] });
}
afterAll(async () => {
  await stack?.stop();
});

/** The cases of one operation: its parameters, then its body. */
function casesOf(path: string, method: string, op: Operation): Case[] {
  const roles = op["x-gatehouse-roles"] ?? [];
  const key = roles.length === 0 ? undefined : keys[roles.includes("admin") ? "admin" : roles[0]!];
  const name = `${method.toUpperCase()} ${path}`;
  const documented = Object.keys(op.responses);
  const params = op.parameters ?? [];
  // Each parameter names a seeded resource where there is one, else a value of its schema (an
  // enum's first), else a plausible id that names nothing.
  const segment = path.split("/")[2]!;
  const real = (name: string) => {
    const schema = params.find((x) => x.name === name)?.schema;
    return seeds[`${segment}:${name}`] || (schema?.enum ? String(schema.enum[0]) : ABSENT);
  };
  const concrete = (over: Record<string, string> = {}) => path.replace(/\{([^}]+)\}/g, (_, p: string) => over[p] ?? encodeURIComponent(real(p)));
  const schema = op.requestBody?.content["application/json"]?.schema;
  const body = schema ? fitting(schema, doc.components.schemas, known) : undefined;
  const request = (json: unknown): ClientRequest => ({ method: method.toUpperCase(), key, ...(json !== undefined ? { json } : {}) });
  const cases: Case[] = [];
  const add = (label: string, p: string, init: ClientRequest) => cases.push({ op: name, documented, label, path: p, init });
  // Text that is already percent-encoded goes into the URL as it is.
  const inUrl = (v: Variant) => (String(v.value).includes("%") ? String(v.value) : encodeURIComponent(String(v.value)));

  for (const p of params.filter((x) => x.in === "path")) {
    // An empty segment makes another path (the route table's 404), not this operation's input.
    for (const v of breakingText(p.schema ?? {}, doc.components.schemas).filter((x) => x.value !== "")) add(`path ${p.name}: ${v.label}`, concrete({ [p.name]: inUrl(v) }), request(body));
  }
  for (const p of params.filter((x) => x.in === "query")) {
    for (const v of breakingText(p.schema ?? {}, doc.components.schemas)) add(`query ${p.name}: ${v.label}`, `${concrete()}?${p.name}=${inUrl(v)}`, request(body));
    add(`query ${p.name} twice`, `${concrete()}?${p.name}=a&${p.name}=b`, request(body));
  }
  for (const p of params.filter((x) => x.in === "header")) {
    // Header values a client can send at all: printable ASCII.
    for (const v of breakingText(p.schema ?? {}, doc.components.schemas).filter((x) => /^[\x20-\x7e]*$/.test(String(x.value)))) {
      add(`header ${p.name}: ${v.label}`, concrete(), { ...request(body), headers: { [p.name]: String(v.value) } });
    }
  }
  if (schema) {
    for (const v of breakingObject(schema, doc.components.schemas, known)) add(`body ${v.label}`, concrete(), request(v.value));
    const raw = (label: string, text: string) => add(`body ${label}`, concrete(), { method: method.toUpperCase(), key, body: text });
    raw("not JSON", "{");
    raw("empty", "");
    raw("a JSON null", "null");
    raw("a JSON array", "[]");
    raw("a number too large for a double", "1e999");
    raw("10,000 nested arrays", "[".repeat(10_000) + "]".repeat(10_000));
    raw("a duplicated key", `{"zz": 1, "zz": 2${JSON.stringify(body ?? {}).length > 2 ? `, ${JSON.stringify(body).slice(1, -1)}` : ""}}`);
  }
  return cases;
}

/** What is wrong with one answer, if anything. */
async function judge(c: Case, res: Response): Promise<string | null> {
  const text = await res.text();
  const where = `${c.op} — ${c.label}: ${res.status}`;
  if (STACK_TRACE.test(text)) return `${where} carries a stack trace: ${text.slice(0, 200)}`;
  if (res.status >= 500) return `${where} ${text.slice(0, 300)}`;
  if (res.status === 429) return `${where}: rate-limited, so not tested`;
  if (!c.documented.includes(String(res.status))) return `${where} is not a status the operation documents (${c.documented.join(", ")}): ${text.slice(0, 200)}`;
  if (res.status < 400) return null;
  if (!(res.headers.get("content-type") ?? "").startsWith("application/problem+json")) return `${where} is not application/problem+json`;
  let problem: { code?: string; status?: number };
  try {
    problem = JSON.parse(text) as typeof problem;
  } catch {
    return `${where} problem document is not JSON: ${text.slice(0, 200)}`;
  }
  const registered = PROBLEMS[problem.code as keyof typeof PROBLEMS];
  if (!registered) return `${where} code ${problem.code} is not registered`;
  if (registered.status !== res.status || problem.status !== res.status) return `${where} code ${problem.code} is registered as ${registered.status}, the body says ${problem.status}`;
  return null;
}

/** Answers by status over the whole run. */
const statuses = new Map<number, number>();

/** The newest audit entry's id: every change is audited in the batch that makes it (README, Moderation). */
async function auditHead(): Promise<string | undefined> {
  const res = await fetch(`${stack.baseUrl}/v1/audit?limit=1`, clientRequestInit({ key: keys.operator }));
  return ((await res.json()) as { entries: { id: string }[] }).entries[0]?.id;
}

/**
 * Sends the cases and judges each answer. Reads (GET) go IN_FLIGHT at a time; writes go one at a
 * time with the audit log's head read around each, so that a refused write that committed a
 * change anyway (its audit entry) shows.
 */
async function run(cases: Case[]): Promise<string[]> {
  const failures: string[] = [];
  const send = async (c: Case) => {
    const res = await fetch(`${stack.baseUrl}${c.path}`, clientRequestInit(c.init));
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    const wrong = await judge(c, res);
    if (wrong) failures.push(wrong);
    return res.status;
  };
  const reads = cases.filter((c) => (c.init.method ?? "GET") === "GET");
  let next = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < reads.length) await send(reads[next++]!);
  }));
  let head = await auditHead();
  for (const c of cases.filter((x) => (x.init.method ?? "GET") !== "GET")) {
    const status = await send(c);
    const after = await auditHead();
    if (status >= 400 && after !== head) failures.push(`${c.op} — ${c.label}: ${status}, yet an audit entry was written`);
    head = after;
  }
  return failures;
}

describe("every operation under inputs made to be wrong from its own schema", () => {
  it("answers each with a documented status and a registered problem, never a 5xx or a stack trace", { timeout: 600_000 }, async () => {
    const cases: Case[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!path.startsWith("/v1/")) continue;
      for (const method of METHODS) if (item[method]) cases.push(...casesOf(path, method, item[method]!));
    }
    // DELETE last: it would take the seeded resources away from the other cases.
    const failures = [...(await run(cases.filter((c) => c.init.method !== "DELETE"))), ...(await run(cases.filter((c) => c.init.method === "DELETE")))];
    // Enough cases that a schema the generator misread would show (it makes about 3,000).
    expect(cases.length).toBeGreaterThan(2_000);
    // The inputs that fit their schema at an extreme reach the handlers of the seeded resources
    // (about 150 answers of 2xx): without the seeds they would stop at 404.
    const succeeded = [...statuses].filter(([status]) => status < 300).reduce((n, [, count]) => n + count, 0);
    expect(succeeded, JSON.stringify(Object.fromEntries(statuses))).toBeGreaterThan(100);
    // Every worker's log over the whole run: the seeded identity's personal data and the post's
    // text appear nowhere, and nothing failed with a stack trace.
    const logs = stack.output();
    expect(logs).toContain('"msg":"request"');
    for (const secret of [IDENTITY.name, IDENTITY.documentNumber, PHONE.slice(3), POST_TEXT_TERM]) expect(logs, "the stack's log holds personal data or a post's text").not.toContain(secret);
    expect(logs).not.toMatch(STACK_TRACE);
    expect(failures.slice(0, 60), `${failures.length} of ${cases.length} answers were wrong`).toEqual([]);
  });

  /** Statements that read a whole table by design, with why that is bounded. */
  const WHOLE_TABLE_READS: { table: string; statement: RegExp; why: string }[] = [
    {
      table: "terms",
      statement: /^select "terms"\."id", "terms"\."pattern", "terms"\."severity", "terms"\."flags", "term_lists"\."category" from "terms" inner join/,
      why: "the whole draft policy (readDraft: publish, try-it, the draft's diff, GET /v1/policy): admin calls, at most 200,000 terms (policy-limits.ts)",
    },
  ];

  it("runs no statement that reads a whole table, other than the ones listed with their reason", () => {
    const statements = new Set<string>();
    for (const line of stack.output().split("\n")) {
      const at = line.indexOf('{"level":"debug","msg":"d1_query"');
      if (at >= 0) statements.add((JSON.parse(line.slice(at)) as { sql: string }).sql);
    }
    expect(statements.size).toBeGreaterThan(100);
    // The stack's D1 database, as the workers left it (every migration applied).
    const dir = join(stack.state, "v3", "d1", "miniflare-D1DatabaseObject");
    const file = readdirSync(dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite")!;
    const db = new DatabaseSync(join(dir, file), { readOnly: true });
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
    const scans: string[] = [];
    for (const sql of statements) {
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[];
      for (const { detail } of plan) {
        const scanned = /^SCAN (\w+)(?! USING)/.exec(detail)?.[1];
        if (scanned && tables.has(scanned) && !WHOLE_TABLE_READS.some((w) => w.table === scanned && w.statement.test(sql))) scans.push(`${scanned}: ${sql.replace(/\s+/g, " ").slice(0, 160)}`);
      }
    }
    db.close();
    expect(scans).toEqual([]);
  });
});

describe("the console under forms made to be wrong", () => {
  /** Console forms not submitted: the session's own end, and key changes that could end it (the session's key is among them). */
  const SKIPPED_FORMS = [/\/sign-out$/, /\/keys\/[^/]+\/(revoke|tier)$/];
  /** Field values put in each field of each form, one at a time. */
  const FIELD_VALUES = ["", "x".repeat(10_000), "a\u0000b", "<script>alert(1)</script>", "-1", "1e999", "😀".repeat(50), "../../etc/passwd"];
  const CONSOLE_PAGES = ["/queue", "/accounts", "/appeals", "/audit", "/keys", "/policy", "/spread", "/webhooks"];
  const MAX_PAGES = 120;

  it("answers every page it links to and every variant of its forms with a page or a redirect, never a 5xx or a stack trace", { timeout: 600_000 }, async () => {
    const cookies = new Map<string, string>();
    const send = async (path: string, init: { method?: string; form?: [string, string][] } = {}) => {
      const headers: Record<string, string> = { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") };
      if (init.form) headers["content-type"] = "application/x-www-form-urlencoded";
      const res = await fetch(`${stack.baseUrl}${path}`, { method: init.method ?? "GET", headers, redirect: "manual", ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}) });
      for (const line of res.headers.getSetCookie()) {
        const [pair] = line.split(";");
        const at = pair!.indexOf("=");
        cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
      }
      return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
    };
    const failures: string[] = [];
    const judge = (what: string, r: { status: number; type: string; text: string }) => {
      if (r.status >= 500) failures.push(`${what}: ${r.status} ${r.text.slice(0, 200)}`);
      else if (STACK_TRACE.test(r.text)) failures.push(`${what}: ${r.status} carries a stack trace`);
      else if (r.status < 300 && !r.type.startsWith("text/html")) failures.push(`${what}: ${r.status} ${r.type}, not a page`);
    };

    // Signed in as an admin, as a person would: the sign-in page's form with the key filled in.
    const signIn = formsOf((await send("/console/sign-in")).text).find((f) => f.action.endsWith("/sign-in"))!;
    const signedIn = await send("/console/sign-in", { method: "POST", form: signIn.fields.map(([k, v]) => [k, k === "key" ? keys.admin! : v]) });
    expect(signedIn.status, signedIn.text.slice(0, 300)).toBe(303);

    const pages = new Set<string>();
    const forms = new Map<string, PageForm>();
    const queue = CONSOLE_PAGES.map((p) => `/console${p}`);
    while (queue.length > 0 && pages.size < MAX_PAGES) {
      const path = queue.shift()!;
      if (pages.has(path)) continue;
      pages.add(path);
      const page = await send(path);
      judge(`GET ${path}`, page);
      for (const link of linksOf(page.text, "/console/")) if (!pages.has(link) && !link.startsWith("/console/assets/")) queue.push(link);
      for (const form of formsOf(page.text)) if (form.method === "post" && !forms.has(form.action) && !SKIPPED_FORMS.some((re) => re.test(form.action))) forms.set(form.action, form);
    }
    // Enough of the console that a broken crawl would show: every section, the seeded records.
    expect(pages.size).toBeGreaterThan(20);
    expect(forms.size).toBeGreaterThan(15);

    for (const form of forms.values()) {
      const variants: [string, [string, string][]][] = [["as rendered", form.fields]];
      for (const [name] of form.fields) {
        if (name === "csrf") {
          variants.push(["a wrong csrf token", form.fields.map(([k, v]) => [k, k === "csrf" ? "zz" : v])]);
          continue;
        }
        for (const value of FIELD_VALUES) variants.push([`${name} = ${JSON.stringify(value.slice(0, 12))}`, form.fields.map(([k, v]) => [k, k === name ? value : v])]);
      }
      variants.push(["no fields at all", []]);
      for (const [label, fields] of variants) judge(`POST ${form.action} — ${label}`, await send(form.action, { method: "POST", form: fields }));
    }
    expect(failures.slice(0, 60), `${failures.length} wrong answers over ${pages.size} pages and ${forms.size} forms`).toEqual([]);
  });
});

