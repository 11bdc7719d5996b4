import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack } from "../../scripts/stack.mjs";

/**
 * The READMEs' walk-throughs, run from the README files themselves: their ```sh blocks are read,
 * interpreted command by command (the shell subset they use: variables, quoting, `$(…)`, pipes,
 * a function, `curl`, `jq`, `grep`, `cut`, `head`, `echo`, `npm run example:policy`) against a
 * stack, and every `# → …` line is checked against what the command before it printed. So an edit
 * that breaks a walk-through (a wrong path, body, header, variable or stated answer) fails here.
 *
 * Each walk-through says it runs "on a fresh stack" and states policy versions that only hold
 * there (screening starts at the empty version 1; the root README's first publish is version 2),
 * so they get fresh stacks of their own rather than the shared e2e stack, whose policy depends on
 * which test files ran before: the root README, then the registration README beside it on one
 * stack (their identities differ), and the screening README on another.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BASE = "localhost:8787";

// ─── the walk-throughs, as the READMEs hold them ──────────────────────────────────────────────

interface Block {
  file: string;
  /** 1-based line of the block's first line in its file. */
  line: number;
  text: string;
}

function shBlocks(file: string, from: number, to: number): Block[] {
  const lines = readFileSync(join(root, file), "utf8").split("\n");
  const blocks: Block[] = [];
  for (let i = from; i < to; i++) {
    if (lines[i]!.trim() !== "```sh") continue;
    const end = lines.findIndex((l, j) => j > i && l.trim() === "```");
    blocks.push({ file, line: i + 2, text: lines.slice(i + 1, end).join("\n") });
    i = end;
  }
  return blocks;
}

/** The root README's "## API" and "## The workers" sections (with their subsections), in order. */
function rootWalkthrough(): Block[] {
  const lines = readFileSync(join(root, "README.md"), "utf8").split("\n");
  const start = lines.indexOf("## API");
  const workers = lines.indexOf("## The workers");
  const end = lines.findIndex((l, i) => i > workers && /^## /.test(l));
  expect(start, "README.md has a ## API section").toBeGreaterThan(0);
  expect(workers, "README.md has a ## The workers section after ## API").toBeGreaterThan(start);
  return shBlocks("README.md", start, end < 0 ? lines.length : end);
}

/** A worker README's walk-through: the first ```sh block after the word "walk-through". */
function workerWalkthrough(file: string): Block[] {
  const lines = readFileSync(join(root, file), "utf8").split("\n");
  const at = lines.findIndex((l) => /walk-through/i.test(l));
  expect(at, `${file} announces a walk-through`).toBeGreaterThanOrEqual(0);
  return shBlocks(file, at, lines.length).slice(0, 1);
}

// ─── a small shell: words, commands, steps ────────────────────────────────────────────────────

type Part = { k: "lit"; s: string; q?: boolean } | { k: "var"; name: string } | { k: "sub"; src: string; line: number };
/** `raw`: the word as the README spells it (messages quote it, never expanded values, which may be keys). */
type Word = { parts: Part[]; quoted: boolean; raw: string };
type Tok =
  | { t: "word"; w: Word; line: number }
  | { t: "op"; op: string; line: number }
  | { t: "nl"; line: number }
  | { t: "comment"; text: string; line: number; ownLine: boolean };

class ReadmeError extends Error {}

function lex(src: string, firstLine: number, where: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let line = firstLine;
  let lineHasTokens = false;
  const fail = (msg: string): never => {
    throw new ReadmeError(`${where}:${line}: ${msg}`);
  };
  /** The end (exclusive) of `$(…)` starting at `open` (the `(`), skipping quotes. */
  const closeParen = (open: number): number => {
    let depth = 0;
    for (let j = open; j < src.length; j++) {
      const c = src[j];
      if (c === "'") j = src.indexOf("'", j + 1);
      else if (c === '"') {
        for (j++; j < src.length && src[j] !== '"'; j++) if (src[j] === "\\") j++;
      } else if (c === "(") depth++;
      else if (c === ")" && --depth === 0) return j;
      if (j < 0) break;
    }
    return fail("unclosed $(");
  };
  const dollar = (parts: Part[]) => {
    const next = src[i + 1] ?? "";
    if (next === "(") {
      const end = closeParen(i + 1);
      const inner = src.slice(i + 2, end);
      parts.push({ k: "sub", src: inner, line });
      line += inner.split("\n").length - 1;
      i = end + 1;
    } else if (next === "{") {
      const end = src.indexOf("}", i);
      parts.push({ k: "var", name: src.slice(i + 2, end) });
      i = end + 1;
    } else if (/[A-Za-z_0-9]/.test(next)) {
      const m = /^[0-9]|^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i + 1))!;
      parts.push({ k: "var", name: m[0] });
      i += 1 + m[0].length;
    } else {
      parts.push({ k: "lit", s: "$" });
      i++;
    }
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === " " || c === "\t") i++;
    else if (c === "\\" && src[i + 1] === "\n") (i += 2), line++;
    else if (c === "\n") toks.push({ t: "nl", line }), i++, line++, (lineHasTokens = false);
    else if (c === "#") {
      const end = src.indexOf("\n", i) < 0 ? src.length : src.indexOf("\n", i);
      toks.push({ t: "comment", text: src.slice(i, end), line, ownLine: !lineHasTokens });
      i = end;
    } else if (c === "&" && src[i + 1] === "&") toks.push({ t: "op", op: "&&", line }), (i += 2), (lineHasTokens = true);
    else if ("|;()".includes(c)) toks.push({ t: "op", op: c, line }), i++, (lineHasTokens = true);
    else if ((c === "{" || c === "}") && /[\s;]|^$/.test(src[i + 1] ?? "")) toks.push({ t: "op", op: c, line }), i++, (lineHasTokens = true);
    else {
      const parts: Part[] = [];
      let quoted = false;
      const lit = (s: string) => {
        const last = parts.at(-1);
        if (last?.k === "lit" && !!last.q === quoted) last.s += s;
        else parts.push({ k: "lit", s, q: quoted });
      };
      const startLine = line;
      const startAt = i;
      while (i < src.length && !/[\s|;&()]/.test(src[i]!)) {
        const d = src[i]!;
        if (d === "'") {
          const end = src.indexOf("'", i + 1);
          if (end < 0) fail("unclosed '");
          quoted = true;
          lit(src.slice(i + 1, end));
          line += src.slice(i, end).split("\n").length - 1;
          i = end + 1;
        } else if (d === "$" && src[i + 1] === "'") {
          let s = "";
          for (i += 2; src[i] !== "'"; i++) {
            if (i >= src.length) fail("unclosed $'");
            if (src[i] !== "\\") s += src[i];
            else s += { n: "\n", t: "\t", r: "\r", "\\": "\\", "'": "'", '"': '"' }[src[++i]!] ?? `\\${src[i]}`;
          }
          quoted = true;
          lit(s);
          i++;
        } else if (d === '"') {
          quoted = true;
          for (i++; src[i] !== '"'; ) {
            if (i >= src.length) fail('unclosed "');
            const e = src[i]!;
            if (e === "\\" && '"\\$`\n'.includes(src[i + 1]!)) {
              if (src[i + 1] === "\n") line++;
              else lit(src[i + 1]!);
              i += 2;
            } else if (e === "$") dollar(parts);
            else {
              if (e === "\n") line++;
              lit(e);
              i++;
            }
          }
          i++;
        } else if (d === "\\") {
          if (src[i + 1] === "\n") line++;
          else lit(src[i + 1]!);
          i += 2;
        } else if (d === "$") dollar(parts);
        else lit(d), i++;
      }
      toks.push({ t: "word", w: { parts, quoted, raw: src.slice(startAt, i) }, line: startLine });
      lineHasTokens = true;
    }
  }
  return toks;
}

interface Simple {
  kind: "simple";
  assigns: { name: string; value: Word }[];
  words: Word[];
}
interface FuncDef {
  kind: "func";
  name: string;
  body: Statement[];
}
type Command = Simple | FuncDef;
interface Statement {
  /** `&&`: runs only when the statement before it succeeded. */
  and: boolean;
  pipeline: Command[];
}
interface Expectation {
  line: number;
  text: string;
}
/** A logical line of the walk-through, with the `# → …` lines that follow it. */
interface Step {
  line: number;
  statements: Statement[];
  expect?: Expectation;
}

function parse(toks: Tok[], where: string): Step[] {
  let p = 0;
  const steps: Step[] = [];
  let lastWasArrow = false;
  const fail = (msg: string): never => {
    throw new ReadmeError(`${where}:${toks[Math.min(p, toks.length - 1)]?.line}: ${msg}`);
  };
  const isAssign = (w: Word) => w.parts[0]?.k === "lit" && !w.parts[0].q && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w.parts[0].s);

  /** Statements until a newline (top level) or the closing `}` (a function body). */
  function statements(inBody: boolean): Statement[] {
    const out: Statement[] = [];
    let and = false;
    for (;;) {
      const tok = toks[p];
      if (!tok) {
        if (inBody) fail("unclosed {");
        return out;
      }
      if (tok.t === "nl" || tok.t === "comment") {
        if (!inBody) return out;
        p++;
        continue;
      }
      if (tok.t === "op" && tok.op === "}") {
        if (!inBody) fail("unexpected }");
        p++;
        return out;
      }
      if (tok.t === "op" && (tok.op === ";" || tok.op === "&&")) {
        and = tok.op === "&&";
        p++;
        continue;
      }
      out.push({ and, pipeline: pipeline() });
      and = false;
    }
  }

  function pipeline(): Command[] {
    const cmds: Command[] = [command()];
    while (toks[p]?.t === "op" && (toks[p] as { op: string }).op === "|") {
      p++;
      while (toks[p]?.t === "nl") p++;
      cmds.push(command());
    }
    return cmds;
  }

  function command(): Command {
    const first = toks[p];
    const next = toks[p + 1];
    if (first?.t === "word" && next?.t === "op" && next.op === "(") {
      const name = first.w.parts.map((x) => (x.k === "lit" ? x.s : "")).join("");
      p += 2;
      if ((toks[p] as { op?: string })?.op !== ")") fail("expected ) in a function definition");
      p++;
      if ((toks[p] as { op?: string })?.op !== "{") fail("expected { in a function definition");
      p++;
      return { kind: "func", name, body: statements(true) };
    }
    const cmd: Simple = { kind: "simple", assigns: [], words: [] };
    while (toks[p]?.t === "word") {
      const w = (toks[p] as { w: Word }).w;
      if (cmd.words.length === 0 && isAssign(w)) {
        const head = w.parts[0] as { s: string };
        const eq = head.s.indexOf("=");
        cmd.assigns.push({ name: head.s.slice(0, eq), value: { quoted: w.quoted, raw: w.raw, parts: [{ k: "lit", s: head.s.slice(eq + 1) }, ...w.parts.slice(1)] } });
      } else cmd.words.push(w);
      p++;
    }
    if (cmd.words.length === 0 && cmd.assigns.length === 0) fail(`unexpected ${JSON.stringify(toks[p])}`);
    return cmd;
  }

  while (p < toks.length) {
    const tok = toks[p]!;
    if (tok.t === "nl") {
      p++;
      continue;
    }
    if (tok.t === "comment") {
      p++;
      const arrow = /^#\s*→\s*(.*)$/.exec(tok.text);
      const step = steps.at(-1);
      if (arrow) {
        if (!step) fail("an expected answer before any command");
        if (step!.expect) fail(`a second expected answer for the command on line ${step!.line}`);
        step!.expect = { line: tok.line, text: arrow[1]! };
        lastWasArrow = true;
      } else if (lastWasArrow && tok.ownLine && /^#\s{2,}\S/.test(tok.text)) {
        step!.expect!.text += ` ${tok.text.replace(/^#\s+/, "")}`;
      } else lastWasArrow = false;
      continue;
    }
    lastWasArrow = false;
    steps.push({ line: tok.line, statements: statements(false) });
  }
  return steps;
}

// ─── running the steps ────────────────────────────────────────────────────────────────────────

interface Request {
  method: string;
  path: string;
  status: number;
  body: string;
}

class Shell {
  vars = new Map<string, string>();
  funcs = new Map<string, Statement[]>();
  args: string[] = [];
  requests: Request[] = [];
  constructor(
    private baseUrl: string,
    private adminKey: string,
    private where: () => string,
  ) {}

  fail(msg: string): never {
    throw new ReadmeError(`${this.where()}: ${msg}`);
  }

  async expand(w: Word): Promise<string> {
    let s = "";
    for (const part of w.parts) {
      if (part.k === "lit") s += part.s;
      else if (part.k === "var") {
        if (/^[0-9]$/.test(part.name)) s += this.args[Number(part.name) - 1] ?? "";
        else if (this.vars.has(part.name)) s += this.vars.get(part.name);
        else this.fail(`$${part.name} is used before it is set`);
      } else {
        const steps = parse(lex(part.src, part.line, "$(…)"), "$(…)");
        let out = "";
        for (const step of steps) out += (await this.run(step.statements, "")).out;
        s += out.replace(/\n+$/, "");
      }
    }
    return s;
  }

  async run(statements: Statement[], stdin: string): Promise<{ out: string; status: number }> {
    let out = "";
    let status = 0;
    for (const st of statements) {
      if (st.and && status !== 0) continue;
      let input = stdin;
      for (const cmd of st.pipeline) {
        const r = await this.command(cmd, input);
        input = r.out;
        status = r.status;
      }
      out += input;
    }
    return { out, status };
  }

  async command(cmd: Command, stdin: string): Promise<{ out: string; status: number }> {
    if (cmd.kind === "func") {
      this.funcs.set(cmd.name, cmd.body);
      return { out: "", status: 0 };
    }
    const values: string[] = [];
    for (const w of cmd.words) values.push(await this.expand(w));
    if (values.length === 0) {
      for (const a of cmd.assigns) this.vars.set(a.name, await this.expand(a.value));
      return { out: "", status: 0 };
    }
    if (cmd.assigns.length > 0) this.fail("per-command environment assignments are not interpreted");
    const [name, ...args] = values as [string, ...string[]];
    const body = this.funcs.get(name);
    if (body) {
      const saved = this.args;
      this.args = args;
      try {
        return await this.run(body, stdin);
      } finally {
        this.args = saved;
      }
    }
    switch (name) {
      case "echo":
        return { out: `${args.join(" ")}\n`, status: 0 };
      case "curl":
        return { out: await this.curl(args), status: 0 };
      case "jq":
        return { out: jq(args, stdin, (m) => this.fail(m)), status: 0 };
      case "grep":
        return this.grep(args, stdin);
      case "head": {
        const n = Number((args.join("").match(/^-n ?(\d+)$/) ?? this.fail(`head ${args.join(" ")} is not interpreted`))[1]);
        return { out: lines(stdin).slice(0, n).map((l) => `${l}\n`).join(""), status: 0 };
      }
      case "cut": {
        const opts = args.join(" ");
        const d = /-d ?(\S)/.exec(opts)?.[1] ?? "\t";
        const f = Number(/-f ?(\d+)/.exec(opts)?.[1] ?? this.fail(`cut ${opts} is not interpreted`));
        return { out: lines(stdin).map((l) => `${l.split(d)[f - 1] ?? ""}\n`).join(""), status: 0 };
      }
      case "npm":
        if (args.join(" ") !== "run example:policy") this.fail(`npm ${args.join(" ")} is not interpreted`);
        return this.examplePolicy();
      default:
        return this.fail(`the command ${cmd.words[0]!.raw} is not interpreted by this test`);
    }
  }

  async curl(args: string[]): Promise<string> {
    let method: string | undefined;
    let url: string | undefined;
    let data: string | undefined;
    let discard = false;
    let writeOut = "";
    const headers = new Headers();
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      const value = () => args[++i] ?? this.fail(`curl ${a} needs a value`);
      if (a === "-s" || a === "--silent") continue;
      else if (a === "-X" || a === "--request") method = value();
      else if (a === "-H" || a === "--header") {
        const h = value();
        const colon = h.indexOf(":");
        headers.set(h.slice(0, colon).trim(), h.slice(colon + 1).trim());
      } else if (["-d", "--data", "--data-raw", "--data-binary"].includes(a)) {
        if (data !== undefined) this.fail("curl with two bodies is not interpreted");
        data = value();
      } else if (a === "-o") {
        if (value() !== "/dev/null") this.fail("curl -o writes only to /dev/null here");
        discard = true;
      } else if (a === "-w" || a === "--write-out") writeOut = value();
      else if (a.startsWith("-")) this.fail(`curl ${a} is not interpreted`);
      else if (url !== undefined) this.fail("curl with two URLs");
      else url = a;
    }
    if (!url) return this.fail("curl without a URL");
    const bare = url.replace(/^http:\/\//, "");
    if (!bare.startsWith(`${BASE}/`)) this.fail(`curl to ${url}: walk-throughs call ${BASE}`);
    const path = bare.slice(BASE.length);
    if (path.includes("…")) this.fail(`a placeholder in a request path: ${path}`);
    // curl -d sends a form unless told otherwise; the stack would refuse that (415) as it would here.
    if (data !== undefined && !headers.has("content-type")) headers.set("content-type", "application/x-www-form-urlencoded");
    const m = method ?? (data !== undefined ? "POST" : "GET");
    const res = await fetch(`${this.baseUrl}${path}`, { method: m, headers, body: data });
    const body = await res.text();
    this.requests.push({ method: m, path: path.split("?")[0]!, status: res.status, body });
    return (discard ? "" : body) + writeOut.replaceAll("%{http_code}", String(res.status)).replaceAll("\\n", "\n");
  }

  async grep(args: string[], stdin: string): Promise<{ out: string; status: number }> {
    let only = false;
    const rest: string[] = [];
    for (const a of args) {
      if (/^-[oE]+$/.test(a)) only ||= a.includes("o");
      else if (a.startsWith("-")) this.fail(`grep ${a} is not interpreted`);
      else rest.push(a);
    }
    const [pattern, file] = rest as [string, string?];
    const text = file ? readFileSync(join(root, file), "utf8") : stdin;
    const re = new RegExp(pattern);
    const out: string[] = [];
    for (const l of lines(text)) {
      if (!only) {
        if (re.test(l)) out.push(l);
      } else for (const m of l.matchAll(new RegExp(pattern, "g"))) out.push(m[0]);
    }
    return { out: out.map((l) => `${l}\n`).join(""), status: out.length ? 0 : 1 };
  }

  /** `npm run example:policy`, run as the script it is, against this stack. */
  async examplePolicy(): Promise<{ out: string; status: number }> {
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [join(root, "scripts/example-policy.mjs")], {
        cwd: root,
        env: { ...process.env, GATEHOUSE_URL: this.baseUrl, ADMIN_KEY: this.adminKey },
      });
      return { out: stdout, status: 0 };
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string };
      return this.fail(`npm run example:policy failed:\n${err.stdout ?? ""}${err.stderr ?? ""}`);
    }
  }
}

const lines = (text: string) => text.split("\n").filter((l, i, all) => l !== "" || i < all.length - 1);

// ─── jq: the filters walk-throughs use (paths, .[] and [...], `,` and `|`) ──────────────────────

function jq(args: string[], stdin: string, fail: (m: string) => never): string {
  let raw = false;
  let compact = false;
  let filter: string | undefined;
  for (const a of args) {
    if (a === "-r") raw = true;
    else if (a === "-c") compact = true;
    else if (a === "-rc" || a === "-cr") raw = compact = true;
    else if (a.startsWith("-")) fail(`jq ${a} is not interpreted`);
    else filter = a;
  }
  if (filter === undefined) return fail("jq without a filter");
  let input: unknown;
  try {
    input = JSON.parse(stdin);
  } catch {
    return fail(`jq got no JSON: ${stdin.slice(0, 300)}`);
  }
  let i = 0;
  const src = filter;
  const ws = () => {
    while (src[i] === " ") i++;
  };
  type F = (v: unknown) => unknown[];
  const comma = (): F => {
    const items = [pipe()];
    while ((ws(), src[i] === ",")) i++, items.push(pipe());
    return (v) => items.flatMap((f) => f(v));
  };
  const pipe = (): F => {
    let f = term();
    while ((ws(), src[i] === "|")) {
      i++;
      const left = f;
      const right = term();
      f = (v) => left(v).flatMap(right);
    }
    return f;
  };
  const term = (): F => {
    ws();
    if (src[i] === "[") {
      i++;
      const inner = comma();
      ws();
      if (src[i++] !== "]") fail(`jq filter ${src}: expected ]`);
      return (v) => [inner(v)];
    }
    if (src[i] !== ".") return fail(`jq filter ${src} is not interpreted`);
    const segs: F[] = [];
    i++;
    for (;;) {
      const key = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))?.[0];
      if (key) {
        i += key.length;
        segs.push((v) => (v === null ? [null] : typeof v === "object" && !Array.isArray(v) ? [(v as Record<string, unknown>)[key] ?? null] : fail(`jq: .${key} of ${JSON.stringify(v)}`)));
      } else if (src[i] === "[") {
        const idx = /^\[(\d*)\]/.exec(src.slice(i)) ?? fail(`jq filter ${src} is not interpreted`);
        i += idx[0].length;
        segs.push((v) => {
          if (idx[1] !== "") return [Array.isArray(v) ? (v[Number(idx[1])] ?? null) : v === null ? null : fail(`jq: [${idx[1]}] of ${JSON.stringify(v)}`)];
          if (Array.isArray(v)) return v;
          return v !== null && typeof v === "object" ? Object.values(v) : fail(`jq: .[] of ${JSON.stringify(v)}`);
        });
      } else if (src[i] === ".") i++;
      else break;
    }
    return (v) => segs.reduce<unknown[]>((vals, seg) => vals.flatMap(seg), [v]);
  };
  const f = comma();
  ws();
  if (i !== src.length) fail(`jq filter ${src} is not interpreted`);
  return f(input)
    .map((v) => (raw && typeof v === "string" ? v : JSON.stringify(v, null, compact ? undefined : 2)))
    .map((s) => `${s}\n`)
    .join("");
}

// ─── what the README says came back ─────────────────────────────────────────────────────────

/** `…` in an expected answer: any value, any further members or elements, any characters of a string. */
const ANY = Symbol("…");
type Pattern = typeof ANY | null | boolean | number | string | { re: RegExp; text: string } | Pattern[] | { obj: Record<string, Pattern>; open: boolean };

/** Parses the JSON (with `…`) at the start of `text`; whatever follows it is prose. */
function parsePattern(text: string): Pattern {
  let i = 0;
  const ws = () => {
    while (/\s/.test(text[i] ?? "")) i++;
  };
  const fail = (msg: string): never => {
    throw new ReadmeError(`expected answer ${JSON.stringify(text)}: ${msg} at ${i}`);
  };
  const value = (): Pattern => {
    ws();
    const c = text[i];
    if (c === "…") return i++, ANY;
    if (c === "{") {
      i++;
      const obj: Record<string, Pattern> = {};
      let open = false;
      for (ws(); text[i] !== "}"; ws()) {
        if (text[i] === "…") {
          open = true;
          i++;
          // `…"key":…` reads as `…, "key":…`
          if ((ws(), text[i] === '"')) continue;
        } else {
          const key = string();
          if (typeof key !== "string") fail("a key with …");
          ws();
          if (text[i++] !== ":") fail("expected :");
          obj[key as string] = value();
        }
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== "}") fail("expected , or }");
      }
      i++;
      return { obj, open };
    }
    if (c === "[") {
      i++;
      const items: Pattern[] = [];
      for (ws(); text[i] !== "]"; ws()) {
        items.push(value());
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== "]") fail("expected , or ]");
      }
      i++;
      return items;
    }
    if (c === '"') return string();
    const lit = /^(-?\d+(\.\d+)?|true|false|null)/.exec(text.slice(i)) ?? fail("expected a value");
    i += lit[0].length;
    return JSON.parse(lit[0]) as Pattern;
  };
  const string = (): Pattern => {
    const m = /^"((?:[^"\\]|\\.)*)"/.exec(text.slice(i)) ?? fail("expected a string");
    i += m[0].length;
    const s = JSON.parse(m[0]) as string;
    if (!s.includes("…")) return s;
    if (s === "…") return ANY;
    return { re: new RegExp(`^${s.split("…").map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("[\\s\\S]*")}$`), text: s };
  };
  return value();
}

function mismatches(pattern: Pattern, actual: unknown, at: string): string[] {
  if (pattern === ANY) return [];
  if (pattern === null || typeof pattern !== "object") return Object.is(pattern, actual) ? [] : [`${at}: expected ${JSON.stringify(pattern)}, got ${JSON.stringify(actual)}`];
  if ("re" in pattern) return typeof actual === "string" && pattern.re.test(actual) ? [] : [`${at}: expected "${pattern.text}", got ${JSON.stringify(actual)}`];
  if (Array.isArray(pattern)) {
    if (!Array.isArray(actual)) return [`${at}: expected an array, got ${JSON.stringify(actual)}`];
    const open = pattern.at(-1) === ANY;
    const items = open ? pattern.slice(0, -1) : pattern;
    if (open ? actual.length < items.length : actual.length !== items.length) return [`${at}: expected ${items.length}${open ? " or more" : ""} elements, got ${JSON.stringify(actual)}`];
    return items.flatMap((p, k) => mismatches(p, actual[k], `${at}[${k}]`));
  }
  if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return [`${at}: expected an object, got ${JSON.stringify(actual)}`];
  const got = actual as Record<string, unknown>;
  const out = Object.entries(pattern.obj).flatMap(([k, p]) => (k in got ? mismatches(p, got[k], `${at}.${k}`) : [`${at}.${k}: missing`]));
  if (!pattern.open) for (const k of Object.keys(got)) if (!(k in pattern.obj)) out.push(`${at}.${k}: not in the README's answer (add it, or "…")`);
  return out;
}

/** Checks one step against its `# → [status] [JSON | text] [(prose)]` line. */
function check(step: Step, out: string, requests: Request[], where: string): string[] {
  const problems: string[] = [];
  const text = step.expect?.text ?? "";
  const status = /^(\d{3})\b\s*/.exec(text);
  const last = requests.at(-1);
  const stated = status ? Number(status[1]) : undefined;
  for (const r of requests) {
    const expected = r === last && stated !== undefined ? stated : undefined;
    if (expected !== undefined ? r.status !== expected : r.status >= 300) {
      problems.push(`${r.method} ${r.path} answered ${r.status}${expected ? ` (the README says ${expected})` : ""}: ${r.body.slice(0, 400)}`);
    }
  }
  if (stated !== undefined && !last && out.trim() !== String(stated)) problems.push(`expected ${stated}, the command made no request`);
  const rest = status ? text.slice(status[0].length) : text;
  if (rest === "" || rest.startsWith("(")) return problems.map((p) => `${where}: ${p}`);
  // An assignment prints nothing: its answer is the last response's body.
  const shown = out.trim() !== "" ? out.trim() : (last?.body ?? "");
  if (rest.startsWith("{") || rest.startsWith("[")) {
    let actual: unknown;
    try {
      actual = JSON.parse(shown);
    } catch {
      problems.push(`expected JSON, got ${shown.slice(0, 400)}`);
    }
    if (actual !== undefined) {
      const found = mismatches(parsePattern(rest), actual, "$");
      if (found.length) problems.push(...found, `(the whole answer: ${shown.slice(0, 1500)})`);
    }
  } else {
    const re = new RegExp(rest.split("…").map((x) => x.trim().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("[\\s\\S]*?"));
    if (!re.test(shown)) problems.push(`expected output matching "${rest}", got:\n${shown}`);
  }
  return problems.map((p) => `${where}: ${p}`);
}

/** Runs a walk-through's blocks in order on one shell; every `# →` line is checked, none skipped. */
async function runWalkthrough(blocks: Block[], shell: Shell, state: { where: string }): Promise<number> {
  expect(blocks.length, "the walk-through has ```sh blocks").toBeGreaterThan(0);
  const before = shell.requests.length;
  for (const block of blocks) {
    const steps = parse(lex(block.text, block.line, block.file), block.file);
    const arrows = block.text.split("\n").filter((l) => /^\s*#\s*→|[^#]#\s*→/.test(l)).length;
    expect(steps.filter((s) => s.expect).length, `${block.file}:${block.line}: every # → line belongs to a command`).toBe(arrows);
    for (const step of steps) {
      state.where = `${block.file}:${step.line}`;
      const from = shell.requests.length;
      const { out } = await shell.run(step.statements, "");
      const problems = check(step, out, shell.requests.slice(from), step.expect ? `${block.file}:${step.expect.line}` : state.where);
      if (problems.length) throw new ReadmeError(problems.join("\n"));
    }
  }
  return shell.requests.length - before;
}

// ─── the tests ────────────────────────────────────────────────────────────────────────────────

type Stack = Awaited<ReturnType<typeof startStack>>;

function onFreshStack(name: string, body: (shell: () => Shell, state: { where: string }) => void) {
  describe(name, () => {
    let stack: Stack;
    let shell: Shell;
    const state = { where: "" };
    beforeAll(async () => {
      stack = await startStack();
      shell = new Shell(stack.baseUrl, stack.adminKey, () => state.where);
    });
    afterAll(async () => {
      await stack?.stop();
    });
    body(() => shell, state);
  });
}

describe("README walk-throughs, run from the READMEs on fresh stacks", () => {
  onFreshStack("the root README, then the registration README beside it", (shell, state) => {
    it("README.md: ## API and ## The workers, pasted in order", { timeout: 120_000 }, async () => {
      const made = await runWalkthrough(rootWalkthrough(), shell(), state);
      // Keys, registration, screening, reposts and moderation: one happy path across the workers.
      const paths = shell().requests.map((r) => `${r.method} ${r.path}`);
      for (const expected of ["POST /v1/keys", "POST /v1/accounts", "POST /v1/dev/sms", "POST /v1/policy/publish", "POST /v1/screen", "GET /v1/posts/post-1/spread", "POST /v1/reports", "GET /v1/audit"]) {
        expect(paths, `the root walk-through calls ${expected}`).toContain(expected);
      }
      expect(made).toBeGreaterThan(15);
    });

    it("workers/registration/README.md: the walk-through, on the same stack", { timeout: 120_000 }, async () => {
      const made = await runWalkthrough(workerWalkthrough("workers/registration/README.md"), shell(), state);
      expect(made).toBeGreaterThan(10);
    });
  });

  onFreshStack("the screening README", (shell, state) => {
    it("workers/screening/README.md: the walk-through, from the empty version 1 to a rollback", { timeout: 180_000 }, async () => {
      const made = await runWalkthrough(workerWalkthrough("workers/screening/README.md"), shell(), state);
      expect(made).toBeGreaterThan(20);
    });
  });
});

// The interpreter itself: what it must refuse, so a walk-through cannot pass by being misread.
describe("the walk-through interpreter", () => {
  const shell = new Shell("http://127.0.0.1:1", "k", () => "test");
  const run = async (src: string) => {
    let out = "";
    for (const step of parse(lex(src, 1, "test"), "test")) out += (await shell.run(step.statements, "")).out;
    return out;
  };
  it("quotes, expands and pipes as the shell does", async () => {
    expect(await run(`A='x y'; B="[$A]"; echo "$B" $'a\\nb'`)).toBe("[x y] a\nb\n");
    expect(await run(`f() { echo "<$1>"; }; f "1 2"`)).toBe("<1 2>\n");
    expect(await run(`echo '{"a":{"b":[1,2]}}' | jq -c '[.a.b[], .a.b[1]]'`)).toBe("[1,2,2]\n");
    expect(await run(`C=$(echo 'code 123456 then 654321' | grep -oE '[0-9]{6}' | head -n1); echo $C`)).toBe("123456\n");
  });
  it("refuses unset variables and commands it does not know", async () => {
    await expect(run(`echo $NOPE`)).rejects.toThrow(/NOPE is used before it is set/);
    await expect(run(`wget x`)).rejects.toThrow(/not interpreted/);
  });
  it("checks answers: exact objects unless they say …, strings with … as wildcards", () => {
    const step = (text: string): Step => ({ line: 1, statements: [], expect: { line: 1, text } });
    expect(check(step('{"id":"acc_…","status":"verified"}'), '{"id":"acc_1","status":"verified"}', [], "t")).toEqual([]);
    expect(check(step('{"id":"acc_…"}'), '{"id":"acc_1","status":"verified"}', [], "t")).toHaveLength(2);
    expect(check(step('{"id":"acc_…",…}'), '{"id":"acc_1","status":"verified"}', [], "t")).toEqual([]);
    expect(check(step("[3,[3,2,1]]"), "[3,[3,2]]", [], "t").length).toBeGreaterThan(0);
    expect(check(step("201 {…}"), "{}", [{ method: "POST", path: "/x", status: 200, body: "{}" }], "t")).toHaveLength(1);
    expect(check(step(""), "", [{ method: "GET", path: "/x", status: 404, body: "{}" }], "t")).toHaveLength(1);
  });
});
