import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROBLEMS } from "../../pkg/problems";
import { startStack } from "../../scripts/stack.mjs";
import { clientRequestInit, type ClientRequest } from "../support/client-request";
import { breakingObject, breakingText, fitting, type Components, type Schema, type Variant } from "./schema-inputs";

/**
 * Every documented operation, called by a role it allows, with inputs made from its own schema
 * to be wrong in one place each (test/e2e/schema-inputs.ts): every body property left out, of the
 * wrong type, past its limits, or valid at an extreme (lone surrogates, NUL, emoji at maxLength,
 * 2^53); every path and query parameter as empty, huge, encoded, non-numeric text; and bodies
 * that are not JSON objects at all. Whatever the input, the answer is never a 5xx, an error is a
 * problem document with a registered code of its own status, the status is one the operation
 * documents, and no answer carries a stack trace. On a stack of its own: an input that fits the
 * schema may write.
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
/** Requests in flight at once (the stack shares the machine's two cores). */
const IN_FLIGHT = 6;
/** Answers that say where the code failed: `at fn (file:line)`, a source file and line, an Error's name. */
const STACK_TRACE = /\bat [\w$.<>]+ \(|\.(?:ts|js|mjs):\d+|\b(?:TypeError|RangeError|ReferenceError|SyntaxError)\b/;

let stack: Awaited<ReturnType<typeof startStack>>;
let doc: Doc;
const keys: Record<string, string> = {};

beforeAll(async () => {
  stack = await startStack();
  doc = (await (await fetch(`${stack.baseUrl}/openapi.json`)).json()) as Doc;
  // Keys of the unlimited tier: a rate-limited case would test nothing (judge() counts a 429 as wrong).
  for (const role of ["app", "operator", "admin"]) {
    const res = await fetch(`${stack.baseUrl}/v1/keys`, clientRequestInit({ key: stack.adminKey, json: { role, name: `fuzz ${role}`, tier: "unlimited" } }));
    keys[role] = ((await res.json()) as { key: string }).key;
  }
});
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
  const concrete = (over: Record<string, string> = {}) => path.replace(/\{([^}]+)\}/g, (_, p: string) => over[p] ?? ABSENT);
  const schema = op.requestBody?.content["application/json"]?.schema;
  const body = schema ? fitting(schema, doc.components.schemas) : undefined;
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
  if (schema) {
    for (const v of breakingObject(schema, doc.components.schemas)) add(`body ${v.label}`, concrete(), request(v.value));
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

async function run(cases: Case[]): Promise<string[]> {
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++]!;
      const res = await fetch(`${stack.baseUrl}${c.path}`, clientRequestInit(c.init));
      const wrong = await judge(c, res);
      if (wrong) failures.push(wrong);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return failures;
}

describe("every operation under inputs made to be wrong from its own schema", () => {
  it("answers each with a documented status and a registered problem, never a 5xx or a stack trace", { timeout: 600_000 }, async () => {
    const cases: Case[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!path.startsWith("/v1/")) continue;
      for (const method of METHODS) if (item[method]) cases.push(...casesOf(path, method, item[method]!));
    }
    const failures = await run(cases);
    // Enough cases that a schema the generator misread would show (it makes about 3,000).
    expect(cases.length).toBeGreaterThan(2_000);
    expect(failures.slice(0, 60), `${failures.length} of ${cases.length} answers were wrong`).toEqual([]);
  });
});
