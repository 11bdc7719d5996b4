/** Admin API of the action taken on each kind of contact or advert. */
import { createRoute, z } from "@hono/zod-openapi";
import { asc, eq } from "drizzle-orm";
import { contactRules } from "../../../../db/schema";
import { createRouter } from "../../../../pkg/app";
import { auditStatement } from "../../../../pkg/audit";
import { runAtomic } from "../../../../pkg/batch";
import { createDb } from "../../../../pkg/db";
import { requireRole } from "../../../../pkg/principal";
import { isoOrNull, problemResponses } from "../../../../pkg/schemas";
import type { Env } from "../env";
import { ContactKindSchema, VerdictSchema } from "../schemas";

const RuleSchema = z.object({ kind: ContactKindSchema, action: VerdictSchema, updatedAt: z.string().nullable() }).openapi("ContactRule");
const admin = { security: [{ bearer: [] }], middleware: [requireRole("admin")], tags: ["contact-rules"] };
const json = <T extends z.ZodType>(schema: T) => ({ content: { "application/json": { schema } } });
const view = (r: typeof contactRules.$inferSelect) => ({ kind: r.kind, action: r.action, updatedAt: r.updatedAt ? isoOrNull(r.updatedAt) : null });

export const contactRuleRoutes = createRouter<Env>()
  .openapi(
    createRoute({
      ...admin,
      method: "get",
      path: "/v1/contact-rules",
      summary: "Actions for phone numbers, QQ and WeChat ids, e-mail addresses and URLs found in posts (admin).",
      responses: { 200: { description: "Rules", ...json(z.object({ rules: z.array(RuleSchema) })) }, ...problemResponses(401, 403) },
    }),
    async (c) => {
      const db = createDb(c.env.DB);
      const rows = await db.select().from(contactRules).orderBy(asc(contactRules.kind));
      return c.json({ rules: rows.map(view) }, 200);
    },
  )
  .openapi(
    createRoute({
      ...admin,
      method: "put",
      path: "/v1/contact-rules/{kind}",
      summary: "Set the action for one kind of contact (admin); takes effect at the next publish.",
      request: { params: z.object({ kind: ContactKindSchema }), body: { required: true, ...json(z.object({ action: VerdictSchema }).strict()) } },
      responses: { 200: { description: "Updated", ...json(RuleSchema) }, ...problemResponses(401, 403, 415, 422) },
    }),
    async (c) => {
      const db = createDb(c.env.DB);
      const { kind } = c.req.valid("param");
      const { action } = c.req.valid("json");
      const row = { kind, action, updatedAt: Date.now() };
      await runAtomic(c.env.DB, [
        db.insert(contactRules).values(row).onConflictDoUpdate({ target: contactRules.kind, set: { action, updatedAt: row.updatedAt } }),
        auditStatement(c.get("principal")!, c.get("requestId"), { action: "contact_rule.update", subjectType: "contact_rule", subjectId: kind, details: { action } }),
      ]);
      return c.json(view(row), 200);
    },
  );
