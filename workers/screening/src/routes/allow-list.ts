/** Admin API of allow-listed phrases: occurrences inside one never count as term matches. */
import { createRoute, z } from "@hono/zod-openapi";
import { asc, eq, gt } from "drizzle-orm";
import { allowPhrases } from "../../../../db/schema";
import { createRouter } from "../../../../pkg/app";
import { auditStatement } from "../../../../pkg/audit";
import { guard, GuardFailed, runAtomic } from "../../../../pkg/batch";
import { decodeCursor, nextCursor } from "../../../../pkg/cursor";
import { chunkedInserts, createDb } from "../../../../pkg/db";
import { ApiError, type FieldError } from "../../../../pkg/errors";
import { newId } from "../../../../pkg/ids";
import { requireRole } from "../../../../pkg/principal";
import { isoOrNull, PageQuerySchema, problemResponses, textProblem } from "../../../../pkg/schemas";
import { compile, EngineInputError } from "../../engine/index";
import type { Env } from "../env";
import { POLICY_LIMITS, policyOverLimits, policyWithinLimits } from "../policy-limits";
import { policyTotals } from "../policy-store";
import { patternKey } from "../terms-import";

const PhraseSchema = z.object({ id: z.string(), phrase: z.string(), createdAt: z.string() }).openapi("AllowPhrase");
const AddBody = z.object({ phrases: z.array(z.string()).min(1).max(1000) }).strict().openapi("AddAllowPhrases");
const admin = { security: [{ bearer: [] }], middleware: [requireRole("admin")], tags: ["allow-list"] };
const json = <T extends z.ZodType>(schema: T) => ({ content: { "application/json": { schema } } });
const view = (r: typeof allowPhrases.$inferSelect) => ({ id: r.id, phrase: r.phrase, createdAt: isoOrNull(r.createdAt)! });

export const allowListRoutes = createRouter<Env>()
  .openapi(
    createRoute({
      ...admin,
      method: "post",
      path: "/v1/allow-list",
      summary: "Add allow-listed phrases (admin), all or none; takes effect at the next publish.",
      description: `Up to 1,000 phrases per call. ${POLICY_LIMITS} Phrases past that are refused whole (\`POLICY_TOO_LARGE\`).`,
      request: { body: { required: true, ...json(AddBody) } },
      responses: { 201: { description: "Added", ...json(z.object({ phrases: z.array(PhraseSchema) })) }, ...problemResponses(401, 403, 415, 422) },
    }),
    async (c) => {
      const db = createDb(c.env.DB);
      const { phrases } = c.req.valid("json");
      const [stored, policy] = await db.batch([
        db.select({ phrase: allowPhrases.phrase }).from(allowPhrases),
        policyTotals(db),
      ]);
      const existing = new Set(stored.map((r) => patternKey(r.phrase)));
      const errors: FieldError[] = [];
      const seen = new Set<string>();
      const clean = phrases.map((p, i) => {
        const phrase = p.trim();
        const key = patternKey(phrase);
        const field = `phrases[${i}]`;
        if (!phrase) errors.push({ field, code: "EMPTY_PHRASE", message: "phrase is empty." });
        else if (phrase.length > 128) errors.push({ field, code: "PHRASE_TOO_LONG", message: "phrase is longer than 128 characters." });
        else if (textProblem(phrase)) errors.push({ field, code: "INVALID_TEXT", message: textProblem(phrase)! });
        else if (seen.has(key) || existing.has(key)) errors.push({ field, code: "DUPLICATE_PHRASE", message: "phrase is already on the allow-list or repeated." });
        else {
          try {
            compile([], { allow: [phrase] });
          } catch (e) {
            if (!(e instanceof EngineInputError)) throw e;
            errors.push({ field, code: "PHRASE_REJECTED", message: "phrase has nothing left to match after normalisation." });
          }
        }
        seen.add(key);
        return phrase;
      });
      if (errors.length) throw new ApiError(422, "validation_failed", "Some phrases are invalid; nothing was added.", { errors });
      const over = policyOverLimits(policy[0]!, clean);
      if (over) throw new ApiError(422, "validation_failed", "The policy has no room for these phrases; nothing was added.", { errors: [{ field: "phrases", code: "POLICY_TOO_LARGE", message: `With these phrases, ${over}` }] });
      const now = Date.now();
      const rows = clean.map((phrase) => ({ id: newId("alw"), phrase, createdAt: now }));
      try {
        await runAtomic(c.env.DB, [
          ...chunkedInserts(db, allowPhrases, rows),
          // After the inserts: holds the limits against terms or phrases added at the same time.
          guard(policyWithinLimits),
          auditStatement(c.get("principal")!, c.get("requestId"), { action: "allow_list.add", subjectType: "allow_list", subjectId: "allow_list", details: { count: rows.length } }),
        ]);
      } catch (e) {
        if (e instanceof GuardFailed) throw new ApiError(422, "validation_failed", "The policy has no room for these phrases beside changes made at the same time; nothing was added.", { errors: [{ field: "phrases", code: "POLICY_TOO_LARGE", message: POLICY_LIMITS }] });
        throw e;
      }
      return c.json({ phrases: rows.map(view) }, 201);
    },
  )
  .openapi(
    createRoute({
      ...admin,
      method: "get",
      path: "/v1/allow-list",
      summary: "Page through allow-listed phrases (admin).",
      request: { query: PageQuerySchema },
      responses: { 200: { description: "Phrases", ...json(z.object({ phrases: z.array(PhraseSchema), nextCursor: z.string().nullable() })) }, ...problemResponses(401, 403, 422) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const after = decodeCursor(cursor, "string");
      const db = createDb(c.env.DB);
      const rows = await db.select().from(allowPhrases).where(after ? gt(allowPhrases.id, after.id) : undefined).orderBy(asc(allowPhrases.id)).limit(limit);
      return c.json({ phrases: rows.map(view), nextCursor: nextCursor(rows, limit, (r) => ({ key: r.id, id: r.id })) }, 200);
    },
  )
  .openapi(
    createRoute({
      ...admin,
      method: "delete",
      path: "/v1/allow-list/{id}",
      summary: "Remove an allow-listed phrase (admin).",
      request: { params: z.object({ id: z.string().min(1).max(100) }) },
      responses: { 200: { description: "Removed", ...json(PhraseSchema) }, ...problemResponses(401, 403, 404) },
    }),
    async (c) => {
      const db = createDb(c.env.DB);
      const { id } = c.req.valid("param");
      const row = await db.select().from(allowPhrases).where(eq(allowPhrases.id, id)).get();
      if (!row) throw new ApiError(404, "allow_phrase_not_found", "There is no allow-listed phrase with this id.");
      await runAtomic(c.env.DB, [
        db.delete(allowPhrases).where(eq(allowPhrases.id, id)),
        auditStatement(c.get("principal")!, c.get("requestId"), { action: "allow_list.remove", subjectType: "allow_list", subjectId: id }),
      ]);
      return c.json(view(row), 200);
    },
  );
