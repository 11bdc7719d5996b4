/** Admin API of blocked domains: a link to one (or a subdomain) blocks a post. */
import { createRoute, z } from "@hono/zod-openapi";
import { asc, eq, gt } from "drizzle-orm";
import { blockedDomains } from "../../../../db/schema";
import { createRouter } from "../../../../pkg/app";
import { auditStatement } from "../../../../pkg/audit";
import { runAtomic } from "../../../../pkg/batch";
import { decodeCursor, nextCursor } from "../../../../pkg/cursor";
import { chunkedInserts, createDb } from "../../../../pkg/db";
import { ApiError, type FieldError } from "../../../../pkg/errors";
import { newId } from "../../../../pkg/ids";
import { requireRole } from "../../../../pkg/principal";
import { isoOrNull, PageQuerySchema, problemResponses } from "../../../../pkg/schemas";
import { normalizeDomain } from "../domains";
import type { Env } from "../env";

const DomainSchema = z.object({ id: z.string(), domain: z.string(), createdAt: z.string() }).openapi("BlockedDomain");
const AddBody = z.object({ domains: z.array(z.string().max(300)).min(1).max(1000) }).strict().openapi("AddBlockedDomains");
const admin = { security: [{ bearer: [] }], middleware: [requireRole("admin")], tags: ["blocked-domains"] };
const json = <T extends z.ZodType>(schema: T) => ({ content: { "application/json": { schema } } });
const view = (r: typeof blockedDomains.$inferSelect) => ({ id: r.id, domain: r.domain, createdAt: isoOrNull(r.createdAt)! });

export const blockedDomainRoutes = createRouter<Env>()
  .openapi(
    createRoute({
      ...admin,
      method: "post",
      path: "/v1/blocked-domains",
      summary: "Block domains (admin), subdomains included; all or none; takes effect at the next publish.",
      request: { body: { required: true, ...json(AddBody) } },
      responses: { 201: { description: "Added", ...json(z.object({ domains: z.array(DomainSchema) })) }, ...problemResponses(401, 403, 415, 422) },
    }),
    async (c) => {
      const db = createDb(c.env.DB);
      const { domains } = c.req.valid("json");
      const existing = new Set((await db.select({ domain: blockedDomains.domain }).from(blockedDomains)).map((r) => r.domain));
      const errors: FieldError[] = [];
      const seen = new Set<string>();
      const clean = domains.map((d, i) => {
        const domain = normalizeDomain(d);
        const field = `domains[${i}]`;
        if (!domain) errors.push({ field, code: "INVALID_DOMAIN", message: "Not a domain name such as example.com." });
        else if (seen.has(domain) || existing.has(domain)) errors.push({ field, code: "DUPLICATE_DOMAIN", message: `${domain} is already blocked or repeated.` });
        else seen.add(domain);
        return domain ?? "";
      });
      if (errors.length) throw new ApiError(422, "validation_failed", "Some domains are invalid; nothing was added.", { errors });
      const now = Date.now();
      const rows = clean.map((domain) => ({ id: newId("bd"), domain, createdAt: now }));
      await runAtomic(c.env.DB, [
        ...chunkedInserts(db, blockedDomains, rows),
        auditStatement(c.get("principal")!, c.get("requestId"), { action: "blocked_domains.add", subjectType: "blocked_domains", subjectId: "blocked_domains", details: { count: rows.length } }),
      ]);
      return c.json({ domains: rows.map(view) }, 201);
    },
  )
  .openapi(
    createRoute({
      ...admin,
      method: "get",
      path: "/v1/blocked-domains",
      summary: "Page through blocked domains (admin).",
      request: { query: PageQuerySchema },
      responses: { 200: { description: "Domains", ...json(z.object({ domains: z.array(DomainSchema), nextCursor: z.string().nullable() })) }, ...problemResponses(401, 403, 422) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const after = decodeCursor(cursor, "string");
      const db = createDb(c.env.DB);
      const rows = await db.select().from(blockedDomains).where(after ? gt(blockedDomains.id, after.id) : undefined).orderBy(asc(blockedDomains.id)).limit(limit);
      return c.json({ domains: rows.map(view), nextCursor: nextCursor(rows, limit, (r) => ({ key: r.id, id: r.id })) }, 200);
    },
  )
  .openapi(
    createRoute({
      ...admin,
      method: "delete",
      path: "/v1/blocked-domains/{id}",
      summary: "Unblock a domain (admin).",
      request: { params: z.object({ id: z.string().min(1).max(100) }) },
      responses: { 200: { description: "Removed", ...json(DomainSchema) }, ...problemResponses(401, 403, 404) },
    }),
    async (c) => {
      const db = createDb(c.env.DB);
      const { id } = c.req.valid("param");
      const row = await db.select().from(blockedDomains).where(eq(blockedDomains.id, id)).get();
      if (!row) throw new ApiError(404, "blocked_domain_not_found", "There is no blocked domain with this id.");
      await runAtomic(c.env.DB, [
        db.delete(blockedDomains).where(eq(blockedDomains.id, id)),
        auditStatement(c.get("principal")!, c.get("requestId"), { action: "blocked_domains.remove", subjectType: "blocked_domains", subjectId: id, details: { domain: row.domain } }),
      ]);
      return c.json(view(row), 200);
    },
  );
