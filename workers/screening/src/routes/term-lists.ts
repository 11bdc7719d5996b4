/** Admin API of term lists and their terms, including bulk import (JSON or CSV). */
import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, count, eq, gt, sql } from "drizzle-orm";
import { screeningCategories, termLists, terms } from "../../../../db/schema";
import { createRouter } from "../../../../pkg/app";
import { auditStatement } from "../../../../pkg/audit";
import { guard, GuardFailed, isUniqueViolation, runAtomic } from "../../../../pkg/batch";
import { decodeCursor, nextCursor } from "../../../../pkg/cursor";
import { createDb, type Db } from "../../../../pkg/db";
import { ApiError, type FieldError } from "../../../../pkg/errors";
import { newId } from "../../../../pkg/ids";
import { requireRole } from "../../../../pkg/principal";
import { isoOrNull, PageQuerySchema, problemResponses, safeText } from "../../../../pkg/schemas";
import type { Env } from "../env";
import { CategoryNameSchema, FlagsSchema, SeveritySchema } from "../schemas";
import { patternChars, POLICY_LIMITS, policyWithinLimits } from "../policy-limits";
import { policyTotals } from "../policy-store";
import { ImportError, importPayloads, MAX_PATTERN_LENGTH, patternKey, rowsFromCsv, rowsFromJson, validateRows, type TermRow } from "../terms-import";
import { compile, EngineInputError } from "../../engine/index";

const TermListSchema = z
  .object({ id: z.string(), name: z.string(), category: z.string(), termCount: z.number().int(), createdAt: z.string(), updatedAt: z.string() })
  .openapi("TermList");
const TermSchema = z
  .object({ id: z.number().int(), listId: z.string(), pattern: z.string(), severity: z.number().int(), flags: FlagsSchema.nullable(), createdAt: z.string() })
  .openapi("Term");

const ListParams = z.object({ id: z.string().min(1).max(100) });
const TermParams = z.object({ id: z.string().min(1).max(100), termId: z.coerce.number().int().positive() });
const admin = { security: [{ bearer: [] }], middleware: [requireRole("admin")], tags: ["term-lists"] };
const json = <T extends z.ZodType>(schema: T) => ({ content: { "application/json": { schema } } });

const ListName = safeText({ max: 100 });
const TermsQuery = PageQuerySchema.extend({ q: safeText({ max: MAX_PATTERN_LENGTH }).optional().openapi({ description: "Substring of the pattern" }) });
const CreateListBody = z.object({ name: ListName, category: CategoryNameSchema }).strict().openapi("CreateTermList");
const UpdateListBody = z.object({ name: ListName.optional(), category: CategoryNameSchema.optional() }).strict().openapi("UpdateTermList");
const UpdateTermBody = z
  .object({ pattern: safeText({ max: MAX_PATTERN_LENGTH }).optional(), severity: SeveritySchema.optional(), flags: FlagsSchema.nullable().optional() })
  .strict()
  .openapi("UpdateTerm");

type ListRow = typeof termLists.$inferSelect;
const listView = (r: ListRow, termCount: number) => ({
  id: r.id,
  name: r.name,
  category: r.category,
  termCount,
  createdAt: isoOrNull(r.createdAt)!,
  updatedAt: isoOrNull(r.updatedAt)!,
});
type TermRowDb = typeof terms.$inferSelect;
const termView = (t: TermRowDb) => ({
  id: t.id,
  listId: t.listId,
  pattern: t.pattern,
  severity: t.severity,
  flags: t.flags ? (JSON.parse(t.flags) as z.infer<typeof FlagsSchema>) : null,
  createdAt: isoOrNull(t.createdAt)!,
});

async function findList(db: Db, id: string): Promise<ListRow> {
  const row = await db.select().from(termLists).where(eq(termLists.id, id)).get();
  if (!row) throw new ApiError(404, "term_list_not_found", "There is no term list with this id.");
  return row;
}

async function assertCategory(db: Db, name: string): Promise<void> {
  const row = await db.select({ name: screeningCategories.name }).from(screeningCategories).where(eq(screeningCategories.name, name)).get();
  if (!row) {
    throw new ApiError(422, "unknown_category", "No such category; create it first with PUT /v1/policy/categories/{name}.", {
      errors: [{ field: "category", code: "UNKNOWN_CATEGORY", message: `Category ${name} does not exist.` }],
    });
  }
}


/** Multi-row inserts through json_each: thousands of rows per statement instead of 25 with bound values. */
function insertStatements(d1: D1Database, listId: string, rows: TermRow[], now: number): D1PreparedStatement[] {
  return importPayloads(rows).map((payload) =>
    d1
      .prepare(
        `INSERT INTO terms (list_id, pattern, severity, flags, created_at)
         SELECT ?1, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), ?2 FROM json_each(?3)`,
      )
      .bind(listId, now, payload),
  );
}

export const termListRoutes = createRouter<Env>()
  .openapi(
    createRoute({
      ...admin,
      method: "post",
      path: "/v1/term-lists",
      summary: "Create a term list in a category (admin).",
      request: { body: { required: true, ...json(CreateListBody) } },
      responses: { 201: { description: "Created", ...json(TermListSchema) }, ...problemResponses(401, 403, 409, 415, 422) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const db = createDb(c.env.DB);
      await assertCategory(db, body.category);
      const now = Date.now();
      const row: ListRow = { id: newId("tl"), name: body.name, category: body.category, createdAt: now, updatedAt: now };
      try {
        await runAtomic(c.env.DB, [
          db.insert(termLists).values(row),
          auditStatement(c.get("principal")!, c.get("requestId"), { action: "term_list.create", subjectType: "term_list", subjectId: row.id, details: { category: row.category } }),
        ]);
      } catch (e) {
        if (isUniqueViolation(e)) throw new ApiError(409, "term_list_name_taken", "A term list with this name exists.");
        throw e;
      }
      return c.json(listView(row, 0), 201);
    },
  )
  .openapi(
    createRoute({
      ...admin,
      method: "get",
      path: "/v1/term-lists",
      summary: "Page through term lists (admin), by id.",
      request: { query: PageQuerySchema },
      responses: { 200: { description: "Lists", ...json(z.object({ lists: z.array(TermListSchema), nextCursor: z.string().nullable() })) }, ...problemResponses(401, 403, 422) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const after = decodeCursor(cursor, "string");
      const db = createDb(c.env.DB);
      // A join, not a correlated subquery: Drizzle renders a column of the single selected
      // table unqualified, so `terms.list_id = "id"` compared terms with themselves (#14.6).
      const rows = await db
        .select({ list: termLists, termCount: count(terms.id) })
        .from(termLists)
        .leftJoin(terms, eq(terms.listId, termLists.id))
        .where(after ? gt(termLists.id, after.id) : undefined)
        .groupBy(termLists.id)
        .orderBy(asc(termLists.id))
        .limit(limit);
      return c.json({ lists: rows.map((r) => listView(r.list, r.termCount)), nextCursor: nextCursor(rows, limit, (r) => ({ key: r.list.id, id: r.list.id })) }, 200);
    },
  )
  .openapi(
    createRoute({
      ...admin,
      method: "get",
      path: "/v1/term-lists/{id}",
      summary: "One term list (admin).",
      request: { params: ListParams },
      responses: { 200: { description: "List", ...json(TermListSchema) }, ...problemResponses(401, 403, 404) },
    }),
    async (c) => {
      const db = createDb(c.env.DB);
      const list = await findList(db, c.req.valid("param").id);
      const n = await db.select({ n: count() }).from(terms).where(eq(terms.listId, list.id)).get();
      return c.json(listView(list, n?.n ?? 0), 200);
    },
  )
  .openapi(
    createRoute({
      ...admin,
      method: "patch",
      path: "/v1/term-lists/{id}",
      summary: "Rename a term list or move it to another category (admin).",
      request: { params: ListParams, body: { required: true, ...json(UpdateListBody) } },
      responses: { 200: { description: "Updated", ...json(TermListSchema) }, ...problemResponses(401, 403, 404, 409, 415, 422) },
    }),
    async (c) => {
      const db = createDb(c.env.DB);
      const list = await findList(db, c.req.valid("param").id);
      const body = c.req.valid("json");
      if (body.category) await assertCategory(db, body.category);
      const next: ListRow = { ...list, ...body, updatedAt: Date.now() };
      try {
        await runAtomic(c.env.DB, [
          db.update(termLists).set({ name: next.name, category: next.category, updatedAt: next.updatedAt }).where(eq(termLists.id, list.id)),
          auditStatement(c.get("principal")!, c.get("requestId"), { action: "term_list.update", subjectType: "term_list", subjectId: list.id, details: { category: next.category } }),
        ]);
      } catch (e) {
        if (isUniqueViolation(e)) throw new ApiError(409, "term_list_name_taken", "A term list with this name exists.");
        throw e;
      }
      const n = await db.select({ n: count() }).from(terms).where(eq(terms.listId, list.id)).get();
      return c.json(listView(next, n?.n ?? 0), 200);
    },
  )
  .openapi(
    createRoute({
      ...admin,
      method: "delete",
      path: "/v1/term-lists/{id}",
      summary: "Delete a term list and all its terms (admin); takes effect at the next publish.",
      request: { params: ListParams },
      responses: { 200: { description: "Deleted", ...json(z.object({ id: z.string(), deletedTerms: z.number().int() })) }, ...problemResponses(401, 403, 404) },
    }),
    async (c) => {
      const db = createDb(c.env.DB);
      const list = await findList(db, c.req.valid("param").id);
      const [deleted] = await runAtomic(c.env.DB, [
        db.delete(terms).where(eq(terms.listId, list.id)),
        db.delete(termLists).where(eq(termLists.id, list.id)),
        auditStatement(c.get("principal")!, c.get("requestId"), { action: "term_list.delete", subjectType: "term_list", subjectId: list.id }),
      ]);
      return c.json({ id: list.id, deletedTerms: deleted?.meta.changes ?? 0 }, 200);
    },
  )
  .openapi(
    createRoute({
      ...admin,
      method: "post",
      path: "/v1/term-lists/{id}/terms",
      summary: "Import terms (admin): a JSON array of { pattern, severity, flags? } or CSV (header pattern,severity[,flags]). All-or-nothing; every bad row reported.",
      description:
        `Up to 100,000 rows per call. CSV: RFC 4180, header line required, flags cell lists flag names separated by \`;\` with \`!\` for false (\`pinyin;initials;!repeats\`). Errors name rows as \`rows[i]\` (JSON, 0-based) or \`line n\` (CSV, 1-based, header is line 1). ${POLICY_LIMITS} Rows past that are refused whole (\`POLICY_TOO_LARGE\`).`,
      request: {
        params: ListParams,
        body: {
          // Not `required`: that makes the validator parse a CSV body as JSON. The handler reads either.
          required: false,
          content: {
            "application/json": { schema: z.array(z.unknown()).openapi({ description: "Array of { pattern: string, severity: 1..10, flags?: TermFlags }" }) },
            "text/csv": { schema: z.string() },
          },
        },
      },
      responses: {
        201: { description: "Imported", ...json(z.object({ listId: z.string(), imported: z.number().int(), firstTermId: z.number().int(), lastTermId: z.number().int() })) },
        ...problemResponses(401, 403, 404, 409, 413, 415, 422),
      },
    }),
    async (c) => {
      const db = createDb(c.env.DB);
      const list = await findList(db, c.req.valid("param").id);
      const isCsv = (c.req.header("content-type") ?? "").toLowerCase().startsWith("text/csv");
      const errors: FieldError[] = [];
      const text = await c.req.text();
      if (text.trim() === "") throw new ApiError(422, "import_invalid", "The import is empty.", { errors: [{ field: "(body)", code: "EMPTY_IMPORT", message: "Send a JSON array or CSV." }] });
      // The body guard has already refused malformed JSON.
      const raw = isCsv ? rowsFromCsv(text, errors) : rowsFromJson(JSON.parse(text), errors);
      const [existing, policy] = await db.batch([
        db.select({ pattern: terms.pattern }).from(terms).where(eq(terms.listId, list.id)),
        policyTotals(db),
      ]);
      let rows: TermRow[];
      try {
        rows = validateRows(raw, new Set(existing.map((e) => patternKey(e.pattern))), errors, policy[0]);
      } catch (e) {
        if (e instanceof ImportError) {
          throw new ApiError(422, "import_invalid", `${e.errors.length} problem(s) in ${e.total} row(s); nothing was imported.`, { errors: e.errors });
        }
        throw e;
      }
      const now = Date.now();
      const before = await db.select({ max: sql<number>`coalesce(max(id), 0)` }).from(terms).get();
      try {
        // The json_each inserts are raw D1 statements; the audit row goes in the same transaction.
        // The guard, after the inserts, holds the limits against imports running at the same time.
        await runAtomic(c.env.DB, [
          db.update(termLists).set({ updatedAt: now }).where(eq(termLists.id, list.id)),
          ...insertStatements(c.env.DB, list.id, rows, now),
          guard(policyWithinLimits),
          auditStatement(c.get("principal")!, c.get("requestId"), { action: "term_list.import", subjectType: "term_list", subjectId: list.id, details: { rows: rows.length, format: isCsv ? "csv" : "json" } }),
        ]);
      } catch (e) {
        if (isUniqueViolation(e)) throw new ApiError(409, "import_conflict", "Another change to this list happened at the same time; nothing was imported. Retry.");
        if (e instanceof GuardFailed) {
          // Another import took the room validateRows counted on.
          throw new ApiError(422, "import_invalid", "The policy has no room for these rows beside terms imported at the same time; nothing was imported.", {
            errors: [{ field: "(body)", code: "POLICY_TOO_LARGE", message: POLICY_LIMITS }],
          });
        }
        throw e;
      }
      const range = await db
        .select({ first: sql<number>`min(id)`, last: sql<number>`max(id)` })
        .from(terms)
        .where(and(eq(terms.listId, list.id), gt(terms.id, before?.max ?? 0)))
        .get();
      return c.json({ listId: list.id, imported: rows.length, firstTermId: range?.first ?? 0, lastTermId: range?.last ?? 0 }, 201);
    },
  )
  .openapi(
    createRoute({
      ...admin,
      method: "get",
      path: "/v1/term-lists/{id}/terms",
      summary: "Page through the terms of a list (admin), by term id; `q` keeps the terms whose pattern contains it (case-insensitive for ASCII).",
      request: { params: ListParams, query: TermsQuery },
      responses: { 200: { description: "Terms", ...json(z.object({ terms: z.array(TermSchema), nextCursor: z.string().nullable() })) }, ...problemResponses(401, 403, 404, 422) },
    }),
    async (c) => {
      const db = createDb(c.env.DB);
      const list = await findList(db, c.req.valid("param").id);
      const { limit, cursor, q } = c.req.valid("query");
      const after = decodeCursor(cursor)?.key ?? 0;
      const contains = q ? sql`instr(lower(${terms.pattern}), lower(${q})) > 0` : undefined;
      const rows = await db.select().from(terms).where(and(eq(terms.listId, list.id), gt(terms.id, after), contains)).orderBy(asc(terms.id)).limit(limit);
      return c.json({ terms: rows.map(termView), nextCursor: nextCursor(rows, limit, (r) => ({ key: r.id, id: String(r.id) })) }, 200);
    },
  )
  .openapi(
    createRoute({
      ...admin,
      method: "patch",
      path: "/v1/term-lists/{id}/terms/{termId}",
      summary: "Change a term's pattern, severity or flags (admin).",
      request: { params: TermParams, body: { required: true, ...json(UpdateTermBody) } },
      responses: { 200: { description: "Updated", ...json(TermSchema) }, ...problemResponses(401, 403, 404, 409, 415, 422) },
    }),
    async (c) => {
      const db = createDb(c.env.DB);
      const { id, termId } = c.req.valid("param");
      const body = c.req.valid("json");
      const term = await db.select().from(terms).where(and(eq(terms.id, termId), eq(terms.listId, id))).get();
      if (!term) throw new ApiError(404, "term_not_found", "This list has no term with this id.");
      if (body.pattern !== undefined) {
        try {
          compile([{ id: 1, pattern: body.pattern, category: "check", severity: 1 }]);
        } catch (e) {
          if (!(e instanceof EngineInputError)) throw e;
          throw new ApiError(422, "validation_failed", "The engine refuses this pattern.", { errors: [{ field: "pattern", code: "PATTERN_REJECTED", message: "pattern has nothing left to match after normalisation." }] });
        }
        const key = patternKey(body.pattern);
        const others = await db.select({ id: terms.id, pattern: terms.pattern }).from(terms).where(eq(terms.listId, id));
        if (others.some((o) => o.id !== termId && patternKey(o.pattern) === key)) {
          throw new ApiError(409, "duplicate_pattern", "This list already has this pattern.");
        }
      }
      const next: TermRowDb = {
        ...term,
        ...(body.pattern !== undefined ? { pattern: body.pattern } : {}),
        ...(body.severity !== undefined ? { severity: body.severity } : {}),
        ...(body.flags !== undefined ? { flags: body.flags && Object.keys(body.flags).length ? JSON.stringify(body.flags) : null } : {}),
      };
      try {
        await runAtomic(c.env.DB, [
          db.update(terms).set({ pattern: next.pattern, severity: next.severity, flags: next.flags }).where(eq(terms.id, termId)),
          // A longer pattern may take the policy past its characters.
          ...(patternChars(next.pattern) > patternChars(term.pattern) ? [guard(policyWithinLimits)] : []),
          db.update(termLists).set({ updatedAt: Date.now() }).where(eq(termLists.id, id)),
          auditStatement(c.get("principal")!, c.get("requestId"), { action: "term.update", subjectType: "term", subjectId: String(termId), details: { listId: id, severity: next.severity } }),
        ]);
      } catch (e) {
        if (isUniqueViolation(e)) throw new ApiError(409, "duplicate_pattern", "This list already has this pattern.");
        if (e instanceof GuardFailed) {
          throw new ApiError(422, "validation_failed", "This pattern would take the policy past its limits.", { errors: [{ field: "pattern", code: "POLICY_TOO_LARGE", message: POLICY_LIMITS }] });
        }
        throw e;
      }
      return c.json(termView(next), 200);
    },
  )
  .openapi(
    createRoute({
      ...admin,
      method: "delete",
      path: "/v1/term-lists/{id}/terms/{termId}",
      summary: "Delete a term (admin); takes effect at the next publish.",
      request: { params: TermParams },
      responses: { 200: { description: "Deleted", ...json(TermSchema) }, ...problemResponses(401, 403, 404) },
    }),
    async (c) => {
      const db = createDb(c.env.DB);
      const { id, termId } = c.req.valid("param");
      const term = await db.select().from(terms).where(and(eq(terms.id, termId), eq(terms.listId, id))).get();
      if (!term) throw new ApiError(404, "term_not_found", "This list has no term with this id.");
      await runAtomic(c.env.DB, [
        db.delete(terms).where(eq(terms.id, termId)),
        db.update(termLists).set({ updatedAt: Date.now() }).where(eq(termLists.id, id)),
        auditStatement(c.get("principal")!, c.get("requestId"), { action: "term.delete", subjectType: "term", subjectId: String(termId), details: { listId: id } }),
      ]);
      return c.json(termView(term), 200);
    },
  );
