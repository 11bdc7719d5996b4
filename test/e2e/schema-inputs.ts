/**
 * Inputs made from an operation's own JSON Schema (the OpenAPI 3.1 document the gateway serves):
 * one value that fits the schema, and a list of values that each break it in one place (or fit it
 * at an extreme). test/e2e/fuzz.test.ts sends them; this file only makes them.
 */

export type Schema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
  example?: unknown;
};

export type Components = Record<string, Schema>;

/** One input: what it is (for the failure message) and its value. */
export interface Variant {
  label: string;
  value: unknown;
}

/** The schema with its `$ref` and `allOf` resolved (one level: the document nests no deeper). */
export function resolve(schema: Schema, components: Components): Schema {
  let s = schema;
  for (let hops = 0; s.$ref && hops < 10; hops++) s = components[s.$ref.replace("#/components/schemas/", "")] ?? {};
  if (s.allOf) {
    const parts = s.allOf.map((p) => resolve(p, components));
    return {
      ...Object.assign({}, ...parts),
      properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})),
      required: parts.flatMap((p) => p.required ?? []),
    };
  }
  return s;
}

const typesOf = (s: Schema): string[] => (Array.isArray(s.type) ? s.type : s.type ? [s.type] : s.properties ? ["object"] : s.items ? ["array"] : []);

/** Strings tried, in order, for a `pattern` (the first that matches it is taken). */
const PATTERN_CANDIDATES = ["a", "abc", "a1", "x_1", "me", "abc-1", "a.b", "example.com", "AB12", "1", "0"];

/**
 * Values for properties of these names wherever they appear (ids of real resources, so that a
 * body that fits reaches the handler's lookups); `fitting` takes them before anything else.
 */
export type Known = Record<string, unknown>;

/** A value that fits `schema` (a known value, its example or default where it has one). */
export function fitting(schema: Schema, components: Components, known: Known = {}, depth = 0): unknown {
  const s = resolve(schema, components);
  if (s.example !== undefined) return s.example;
  if (s.default !== undefined) return s.default;
  if (s.enum) return s.enum[0];
  const alt = s.anyOf ?? s.oneOf;
  if (alt) return fitting(alt[0]!, components, known, depth);
  const type = typesOf(s).find((t) => t !== "null") ?? "null";
  switch (type) {
    case "string":
      return fittingString(s);
    case "integer":
    case "number":
      return s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 1);
    case "boolean":
      return true;
    case "array":
      return Array.from({ length: s.minItems ?? 0 }, () => fitting(s.items ?? {}, components, known, depth + 1));
    case "object": {
      const out: Record<string, unknown> = {};
      for (const name of s.required ?? []) {
        const prop = s.properties?.[name] ?? {};
        out[name] = name in known && admits(resolve(prop, components), known[name]) ? known[name] : depth > 6 ? "a" : fitting(prop, components, known, depth + 1);
      }
      return out;
    }
    default:
      return null;
  }
}

/** Whether `value` passes the checks of `s` a known value could fail: enum, pattern, type. */
function admits(s: Schema, value: unknown): boolean {
  if (s.enum) return s.enum.includes(value);
  if (typeof value === "string") return typesOf(s).includes("string") && (!s.pattern || new RegExp(s.pattern, "u").test(value));
  if (Array.isArray(value)) return typesOf(s).includes("array");
  return true;
}

function fittingString(s: Schema): string {
  if (s.format === "uri" || s.format === "url") return "https://example.com/a";
  if (s.format === "email") return "a@example.com";
  if (s.format === "date-time") return "2026-01-01T00:00:00Z";
  let v = "a";
  if (s.pattern) {
    const re = new RegExp(s.pattern, "u");
    v = PATTERN_CANDIDATES.find((c) => re.test(c)) ?? "a";
  }
  const min = s.minLength ?? 0;
  return v.length >= min ? v : v + "a".repeat(min - v.length);
}

/** Values that break `schema` once each, and values that fit it at an extreme. */
export function breaking(schema: Schema, components: Components): Variant[] {
  const s = resolve(schema, components);
  const types = typesOf(s);
  const nullable = types.includes("null");
  const out: Variant[] = [];
  const add = (label: string, value: unknown) => out.push({ label, value });
  if (!nullable) add("null", null);
  if (s.enum) add("a value outside the enum", typeof s.enum[0] === "number" ? -987654 : "not_in_enum_zz");
  const main = types.find((t) => t !== "null") ?? (s.anyOf || s.oneOf ? "any" : "none");
  if (main !== "string") add("a string", "zz");
  if (main !== "integer" && main !== "number") add("a number", 7);
  if (main !== "boolean") add("a boolean", true);
  if (main !== "object") add("an object", { zz: 1 });
  if (main !== "array") add("an array", ["zz"]);
  switch (main) {
    case "string":
      if ((s.minLength ?? 0) > 0) add("an empty string", "");
      if (s.maxLength !== undefined) {
        add("one character over maxLength", "a".repeat(s.maxLength + 1));
        // Fits by UTF-16 length (what the schema counts) at the limit, in 4-byte UTF-8 characters.
        if (!s.pattern && !s.enum && !s.format) add("maxLength in emoji", "😀".repeat(Math.floor(s.maxLength / 2)));
      } else add("100,000 characters", "a".repeat(100_000));
      if (!s.enum) {
        add("a lone surrogate", "a\ud800b");
        add("a NUL character", "a\u0000b");
        add("only whitespace", "   ");
        add("markup and SQL", "<script>alert(1)</script>'; DROP TABLE posts; --");
        add("right-to-left and zero-width characters", "\u202egnp.exe\u200b");
        add("a path", "../../etc/passwd");
      }
      break;
    case "integer":
    case "number": {
      if (main === "integer") add("a fraction", 1.5);
      add("a numeric string", "1");
      add("-1", -1);
      add("0", 0);
      if (s.minimum !== undefined) add("minimum - 1", s.minimum - 1);
      if (s.exclusiveMinimum !== undefined) add("exclusiveMinimum", s.exclusiveMinimum);
      if (s.maximum !== undefined) {
        add("maximum", s.maximum);
        add("maximum + 1", s.maximum + 1);
      }
      add("2^53 + 2", 2 ** 53 + 2);
      add("1e308", 1e308);
      add("-1e308", -1e308);
      break;
    }
    case "boolean":
      add("the string true", "true");
      add("1", 1);
      break;
    case "array": {
      const item = fitting(s.items ?? {}, components);
      if ((s.minItems ?? 0) > 0) add("an empty array", []);
      if (s.maxItems !== undefined) add("maxItems + 1 items", Array.from({ length: s.maxItems + 1 }, () => item));
      else add("10,000 items", Array.from({ length: 10_000 }, () => item));
      add("the same item twice", [item, item]);
      for (const v of s.items ? breaking(s.items, components).slice(0, 12) : []) add(`an item that is ${v.label}`, [v.value]);
      break;
    }
    case "object":
      add("an empty object", {});
      add("a deeply nested object", nested(2_000));
      break;
  }
  return out;
}

/** Variants of a whole object body: each property left out, and each property given each of its breaking values. */
export function breakingObject(schema: Schema, components: Components, known: Known = {}, depth = 0): Variant[] {
  const s = resolve(schema, components);
  const base = fitting(s, components, known) as Record<string, unknown>;
  if (typeof base !== "object" || base === null || Array.isArray(base)) return breaking(s, components);
  const out: Variant[] = breaking(s, components);
  if (s.additionalProperties === false) out.push({ label: "an unknown property", value: { ...base, zz_unknown: 1 } });
  out.push({ label: "a __proto__ property", value: JSON.parse(`{"__proto__": {"admin": true}, ${JSON.stringify(base).slice(1, -1) || '"zz": 1'}}`) });
  for (const [name, prop] of Object.entries(s.properties ?? {})) {
    if ((s.required ?? []).includes(name)) out.push({ label: `${name} left out`, value: omit(base, name) });
    const p = resolve(prop, components);
    const inner = depth < 1 && typesOf(p).includes("object") && p.properties ? breakingObject(p, components, known, depth + 1) : breaking(p, components);
    for (const v of inner) out.push({ label: `${name}: ${v.label}`, value: { ...base, [name]: v.value } });
  }
  return out;
}

/** Values for one path or query parameter, as text. */
export function breakingText(schema: Schema, components: Components): Variant[] {
  const s = resolve(schema, components);
  const out: Variant[] = [
    { label: "empty", value: "" },
    { label: "1,000 characters", value: "a".repeat(1_000) },
    { label: "Chinese and emoji", value: "账号😀" },
    { label: "percent-encoded NUL", value: "%00" },
    { label: "an encoded slash and dots", value: "..%2F..%2Fetc" },
    { label: "a quote and SQL", value: "1' OR '1'='1" },
    { label: "-1", value: "-1" },
    { label: "1e400", value: "1e400" },
    { label: "NaN", value: "NaN" },
    { label: "a 30-digit number", value: "9".repeat(30) },
  ];
  if (s.maximum !== undefined) out.push({ label: "maximum + 1", value: String(s.maximum + 1) });
  if (s.minimum !== undefined) out.push({ label: "minimum - 1", value: String(s.minimum - 1) });
  return out;
}

function omit(o: Record<string, unknown>, name: string): Record<string, unknown> {
  const { [name]: _gone, ...rest } = o;
  return rest;
}

function nested(levels: number): unknown {
  let v: unknown = {};
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}
