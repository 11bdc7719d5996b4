import { z } from "@hono/zod-openapi";

/** RFC 9457 problem document, as every error response carries. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().openapi({ description: "Stable machine-readable error code" }),
    requestId: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), code: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");

/** Standard error responses to spread into a route's `responses`. */
export function problemResponses(...statuses: number[]) {
  const out: Record<number, { description: string; content: { "application/problem+json": { schema: typeof ProblemSchema } } }> = {};
  for (const s of statuses) out[s] = { description: `Problem (${s})`, content: { "application/problem+json": { schema: ProblemSchema } } };
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
