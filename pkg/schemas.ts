import { z } from "@hono/zod-openapi";
import { codesWithStatus, PROBLEM_CODES, type ProblemCode } from "./problems";

/** RFC 9457 problem document, as every error response carries. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(PROBLEM_CODES as [ProblemCode, ...ProblemCode[]]).openapi({ description: "Stable machine-readable error code (the registry in pkg/problems.ts)" }),
    requestId: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), code: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");

/**
 * Standard error responses to spread into a route's `responses`: each status with the
 * registered codes it may carry.
 */
export function problemResponses(...statuses: number[]) {
  const out: Record<number, { description: string; content: { "application/problem+json": { schema: typeof ProblemSchema } } }> = {};
  for (const s of statuses) {
    const codes = codesWithStatus(s);
    out[s] = { description: codes.length > 0 ? `Problem: ${codes.map((c) => `\`${c}\``).join(", ")}` : `Problem (${s})`, content: { "application/problem+json": { schema: ProblemSchema } } };
  }
  return out;
}

/** Opaque ids of our own resources: a prefix, an underscore, then base32. */
export const IdSchema = z.string().regex(/^[a-z]{2,8}_[0-9a-z]{8,64}$/, "Malformed id");

/**
 * Post ids are the apps' own (or ours when screening generates one): 1–128 letters, digits
 * and `. _ : -`. Screening, reposts and moderation accept exactly the same set.
 */
const POST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
export const PostIdSchema = z.string().regex(POST_ID_PATTERN, "Use 1–128 letters, digits and . _ : -");

/** Cursor pagination query: `?limit=50&cursor=...`. */
export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

/** ISO-8601 timestamp from integer milliseconds (null stays null). */
export function isoOrNull(ms: number | null | undefined): string | null {
  return ms == null ? null : new Date(ms).toISOString();
}

/**
 * Characters free text may not hold: C0/C1 controls other than tab and newlines, NUL
 * included; bidi embeddings/overrides/isolates (U+202A–202E, U+2066–2069), which make stored
 * text display differently from what it is; and lone surrogates (stored as U+FFFD by D1).
 */
const FORBIDDEN_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const FORBIDDEN_LINE_BREAK = /[\r\n\t]/;

/** Why `text` is not acceptable free text, or null when it is. */
export function textProblem(text: string, options: { multiline?: boolean } = {}): string | null {
  if (FORBIDDEN_TEXT.test(text)) return "Remove control characters, bidi overrides and unpaired surrogates.";
  if (!options.multiline && FORBIDDEN_LINE_BREAK.test(text)) return "Use a single line (no tabs or line breaks).";
  return null;
}

/**
 * Free text typed by people (names, reasons, statements): trimmed, `min`–`max` characters,
 * no control characters, bidi overrides or lone surrogates (a field error `INVALID_TEXT`).
 * Single-line unless `multiline`.
 */
export function safeText(options: { min?: number; max: number; multiline?: boolean }) {
  return z
    .string()
    .trim()
    .min(options.min ?? 1)
    .max(options.max)
    .superRefine((value, ctx) => {
      const problem = textProblem(value, options);
      if (problem) ctx.addIssue({ code: "custom", message: problem, params: { code: "INVALID_TEXT" } });
    });
}
