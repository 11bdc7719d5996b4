import { createRoute, z } from "@hono/zod-openapi";
import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import { auditLog } from "../../../../db/schema";
import { createRouter } from "../../../../pkg/app";
import { decodeCursor, pageOf } from "../../../../pkg/cursor";
import { createDb } from "../../../../pkg/db";
import { requireRole } from "../../../../pkg/principal";
import { isoOrNull, PageQuerySchema, problemResponses } from "../../../../pkg/schemas";
import type { Env } from "../env";

const AuditEntrySchema = z
  .object({
    id: z.string(),
    at: z.string(),
    actorKeyId: z.string(),
    actorRole: z.string(),
    action: z.string(),
    subjectType: z.string(),
    subjectId: z.string(),
    reason: z.string().nullable(),
    requestId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    policyVersion: z.number().int().nullable().openapi({ description: "The published screening policy version in force when the entry was written" }),
  })
  .openapi("AuditEntry");

const listAudit = createRoute({
  method: "get",
  path: "/v1/audit",
  tags: ["moderation"],
  summary: "The audit log of every decision, newest first (operator); filter by subject or action.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: {
    query: PageQuerySchema.extend({
      subjectType: z.string().max(40).optional(),
      subjectId: z.string().max(128).optional(),
      action: z.string().max(80).optional(),
    }),
  },
  responses: {
    200: { description: "A page of entries", content: { "application/json": { schema: z.object({ entries: z.array(AuditEntrySchema), nextCursor: z.string().nullable() }) } } },
    ...problemResponses(401, 403, 422),
  },
});

export const auditRoutes = createRouter<Env>().openapi(listAudit, async (c) => {
  const q = c.req.valid("query");
  const before = decodeCursor(q.cursor);
  const filters: (SQL | undefined)[] = [];
  if (q.subjectType) filters.push(eq(auditLog.subjectType, q.subjectType));
  if (q.subjectId) filters.push(eq(auditLog.subjectId, q.subjectId));
  if (q.action) filters.push(eq(auditLog.action, q.action));
  if (before) filters.push(or(lt(auditLog.at, before.key), and(eq(auditLog.at, before.key), lt(auditLog.id, before.id))));
  const rows = await createDb(c.env.DB)
    .select()
    .from(auditLog)
    .where(and(...filters))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(q.limit + 1);
  const { page, nextCursor } = pageOf(rows, q.limit, (r) => ({ key: r.at, id: r.id }));
  return c.json(
    {
      entries: page.map((r) => ({
        id: r.id,
        at: isoOrNull(r.at)!,
        actorKeyId: r.actorKeyId,
        actorRole: r.actorRole,
        action: r.action,
        subjectType: r.subjectType,
        subjectId: r.subjectId,
        reason: r.reason,
        requestId: r.requestId,
        details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : {},
        policyVersion: r.policyVersion,
      })),
      nextCursor,
    },
    200,
  );
});
