/**
 * Validation of a term import (JSON rows or CSV), all rows checked before anything is
 * written, every bad row reported. The engine itself is asked about patterns it would
 * refuse at publish time (e.g. nothing left after normalisation).
 */
import { compile, EngineInputError, type TermEntry } from "../engine/index";
import type { FieldError } from "../../../pkg/errors";
import { parseCsv } from "./csv";
import { policyOverLimits, type PolicyTotals } from "./policy-limits";
import { textProblem } from "../../../pkg/schemas";

export const MIN_SEVERITY = 1;
export const MAX_SEVERITY = 10;
export const MAX_PATTERN_LENGTH = 128;
export const MAX_IMPORT_ROWS = 100_000;
export const MAX_REPORTED_ERRORS = 1_000;

export const FLAG_NAMES = ["wholeWord", "pinyin", "initials", "repeats"] as const;
export type FlagName = (typeof FLAG_NAMES)[number];
export type TermFlags = Partial<Record<FlagName, boolean>>;

export interface TermRow {
  pattern: string;
  severity: number;
  flags: TermFlags | null;
}

export class ImportError extends Error {
  constructor(readonly errors: FieldError[], readonly total: number) {
    super("import rejected");
  }
}

/** The key under which two patterns count as duplicates: trimmed, NFKC, lower case. */
export function patternKey(pattern: string): string {
  return pattern.trim().normalize("NFKC").toLowerCase();
}

function validFlags(v: unknown): TermFlags | null | undefined {
  if (v === undefined || v === null) return null;
  if (typeof v !== "object" || Array.isArray(v)) return undefined;
  const out: TermFlags = {};
  for (const [k, b] of Object.entries(v as Record<string, unknown>)) {
    if (!(FLAG_NAMES as readonly string[]).includes(k) || typeof b !== "boolean") return undefined;
    out[k as FlagName] = b;
  }
  return Object.keys(out).length ? out : null;
}

/** CSV flags cell: names separated by `;` or spaces, `!name` for false: `pinyin;initials;!repeats`. */
function csvFlags(cell: string): TermFlags | null | undefined {
  const tokens = cell.split(/[;\s|]+/).filter(Boolean);
  if (tokens.length === 0) return null;
  const out: TermFlags = {};
  for (const t of tokens) {
    const neg = t.startsWith("!");
    const name = neg ? t.slice(1) : t;
    if (!(FLAG_NAMES as readonly string[]).includes(name)) return undefined;
    out[name as FlagName] = !neg;
  }
  return out;
}

interface RawRow {
  pattern: unknown;
  severity: unknown;
  flags: TermFlags | null | undefined;
  /** Field path prefix for errors: `rows[3]` (JSON, 0-based) or `line 5` (CSV, 1-based incl. header). */
  at: string;
}

/** JSON body → raw rows (shape errors reported per row). */
export function rowsFromJson(body: unknown, errors: FieldError[]): RawRow[] {
  if (!Array.isArray(body)) {
    errors.push({ field: "(body)", code: "NOT_AN_ARRAY", message: "Send a JSON array of { pattern, severity, flags? }." });
    return [];
  }
  return body.map((r, i) => {
    const at = `rows[${i}]`;
    if (typeof r !== "object" || r === null || Array.isArray(r)) {
      errors.push({ field: at, code: "INVALID_ROW", message: "Each row must be an object { pattern, severity, flags? }." });
      return { pattern: undefined, severity: undefined, flags: null, at: "" };
    }
    const o = r as Record<string, unknown>;
    const extra = Object.keys(o).filter((k) => k !== "pattern" && k !== "severity" && k !== "flags");
    if (extra.length) errors.push({ field: `${at}.${extra[0]}`, code: "UNKNOWN_FIELD", message: `Unknown field ${extra[0]}.` });
    return { pattern: o.pattern, severity: o.severity, flags: validFlags(o.flags), at };
  });
}

/** CSV body (header `pattern,severity[,flags]`, any column order) → raw rows. */
export function rowsFromCsv(body: string, errors: FieldError[]): RawRow[] {
  const records = parseCsv(body);
  const first = records[0];
  if (first?.error) {
    errors.push({ field: `line ${first.line}`, code: "CSV_QUOTE", message: first.error });
    return [];
  }
  const header = (first?.cells ?? []).map((h) => h.trim().toLowerCase());
  const pi = header.indexOf("pattern");
  const si = header.indexOf("severity");
  const fi = header.indexOf("flags");
  if (pi < 0 || si < 0 || header.some((h) => !["pattern", "severity", "flags"].includes(h))) {
    errors.push({ field: "line 1", code: "CSV_HEADER", message: "The first line must be the header `pattern,severity,flags` (flags optional)." });
    return [];
  }
  return records.slice(1).map(({ cells, line, error }) => {
    const at = `line ${line}`;
    if (error) {
      errors.push({ field: at, code: "CSV_QUOTE", message: error });
      return { pattern: undefined, severity: undefined, flags: null, at: "" };
    }
    if (cells.length !== header.length) {
      errors.push({ field: at, code: "CSV_COLUMNS", message: `Expected ${header.length} fields, found ${cells.length}.` });
      return { pattern: undefined, severity: undefined, flags: null, at: "" };
    }
    const sev = cells[si]!.trim();
    return {
      pattern: cells[pi],
      severity: /^-?\d+$/.test(sev) ? Number(sev) : sev,
      flags: fi >= 0 ? csvFlags(cells[fi]!) : null,
      at,
    };
  });
}

/**
 * Checks every row; returns clean rows or throws ImportError listing every problem.
 * `existing` holds pattern keys already in the list (a duplicate of one is an error too);
 * `policy`, the terms and pattern characters of all lists now (policy-limits.ts: the rows must
 * fit beside them, checked before the engine compiles the rows).
 */
export function validateRows(raw: RawRow[], existing: ReadonlySet<string>, errors: FieldError[], policy: PolicyTotals = { terms: 0, chars: 0 }): TermRow[] {
  if (raw.length === 0 && errors.length === 0) errors.push({ field: "(body)", code: "EMPTY_IMPORT", message: "The import has no rows." });
  if (raw.length > MAX_IMPORT_ROWS) {
    errors.push({ field: "(body)", code: "TOO_MANY_ROWS", message: `At most ${MAX_IMPORT_ROWS} rows per import; split the file.` });
    throw new ImportError(errors, raw.length);
  }
  const seen = new Map<string, string>();
  const out: TermRow[] = [];
  const rowAt: string[] = [];
  for (const r of raw) {
    if (r.at === "") continue; // shape error already reported
    let ok = true;
    const err = (field: string, code: string, message: string) => {
      errors.push({ field: `${r.at}.${field}`, code, message });
      ok = false;
    };
    let pattern = "";
    if (typeof r.pattern !== "string") err("pattern", "INVALID_PATTERN", "pattern must be a string.");
    else {
      pattern = r.pattern.trim();
      if (pattern.length === 0) err("pattern", "EMPTY_PATTERN", "pattern is empty.");
      else if (pattern.length > MAX_PATTERN_LENGTH) err("pattern", "PATTERN_TOO_LONG", `pattern is longer than ${MAX_PATTERN_LENGTH} characters.`);
      else if (textProblem(pattern)) err("pattern", "INVALID_TEXT", `pattern: ${textProblem(pattern)}`);
      else {
        const key = patternKey(pattern);
        const first = seen.get(key);
        if (first !== undefined) err("pattern", "DUPLICATE_PATTERN", `pattern repeats ${first}.`);
        else if (existing.has(key)) err("pattern", "DUPLICATE_PATTERN", "pattern is already in this list.");
        else seen.set(key, r.at);
      }
    }
    if (typeof r.severity !== "number" || !Number.isInteger(r.severity) || r.severity < MIN_SEVERITY || r.severity > MAX_SEVERITY) {
      err("severity", "SEVERITY_RANGE", `severity must be an integer from ${MIN_SEVERITY} to ${MAX_SEVERITY}.`);
    }
    if (r.flags === undefined) err("flags", "INVALID_FLAGS", `flags may only set ${FLAG_NAMES.join(", ")} to true or false.`);
    if (ok) {
      out.push({ pattern, severity: r.severity as number, flags: r.flags ?? null });
      rowAt.push(r.at);
    }
  }
  if (errors.length === 0) {
    const over = policyOverLimits(policy, out.map((r) => r.pattern));
    if (over) errors.push({ field: "(body)", code: "POLICY_TOO_LARGE", message: `With these rows, ${over}` });
    else engineCheck(out, rowAt, errors);
  }
  if (errors.length) throw new ImportError(errors.slice(0, MAX_REPORTED_ERRORS), raw.length);
  return out;
}

/** Compiles the rows once (and again without the refused ones) to report what the engine refuses. */
function engineCheck(rows: TermRow[], rowAt: string[], errors: FieldError[]): void {
  const refused = new Set<number>();
  for (let attempt = 0; attempt < 4; attempt++) {
    const entries: TermEntry[] = [];
    rows.forEach((r, i) => {
      if (!refused.has(i)) entries.push({ id: i, pattern: r.pattern, category: "import", severity: r.severity, ...(r.flags ? { flags: r.flags } : {}) });
    });
    try {
      compile(entries);
      break;
    } catch (e) {
      if (!(e instanceof EngineInputError)) throw e;
      if (e.ids.length === 0) {
        // No one row at fault: the rows together pass a limit of the whole policy (distinct
        // characters, automaton states), so no policy holding them could be published.
        errors.push({ field: "(body)", code: "ENGINE_LIMIT", message: `These rows together exceed what one policy can hold (${e.message.replace(/^engine: /, "")}).` });
        return;
      }
      const reason = /longer/.test(e.message) ? "PATTERN_TOO_LONG" : "PATTERN_REJECTED";
      for (const id of e.ids) {
        refused.add(id);
        errors.push({
          field: `${rowAt[id]}.pattern`,
          code: reason,
          message: reason === "PATTERN_TOO_LONG" ? "pattern is too long after normalisation." : "pattern has nothing left to match after normalisation (only punctuation or spaces?).",
        });
      }
    }
  }
}

/** Bytes of JSON per insert statement: one bound parameter, well under D1's 100 KB statement limit. */
export const IMPORT_CHUNK_BYTES = 90_000;

/** Rows as JSON arrays `[[pattern, severity, flagsJson|null], ...]`, each at most IMPORT_CHUNK_BYTES of UTF-8. */
export function importPayloads(rows: TermRow[], maxBytes = IMPORT_CHUNK_BYTES): string[] {
  const out: string[] = [];
  const encoder = new TextEncoder();
  let parts: string[] = [];
  let bytes = 2;
  for (const r of rows) {
    const item = JSON.stringify([r.pattern, r.severity, r.flags ? JSON.stringify(r.flags) : null]);
    const size = encoder.encode(item).length + 1;
    if (parts.length && bytes + size > maxBytes) {
      out.push(`[${parts.join(",")}]`);
      parts = [];
      bytes = 2;
    }
    parts.push(item);
    bytes += size;
  }
  if (parts.length) out.push(`[${parts.join(",")}]`);
  return out;
}
