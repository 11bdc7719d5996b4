import { createRoute, z } from "@hono/zod-openapi";
import { desc, eq, sql } from "drizzle-orm";
import { devSmsOutbox } from "../../../../db/schema";
import { createRouter } from "../../../../pkg/app";
import { createDb } from "../../../../pkg/db";
import { ApiError } from "../../../../pkg/errors";
import { isoOrNull, problemResponses } from "../../../../pkg/schemas";
import { requireRole } from "../../../../pkg/principal";
import type { Env } from "../env";
import { parseMobile } from "../phone";
import { loadVaultKeys, phoneIndex } from "../vault";

const sms = createRoute({
  method: "post",
  path: "/v1/dev/sms",
  tags: ["dev"],
  summary: "Messages of the local SMS sender for a phone, newest first (admin; local dev and tests only). The phone is in the body, never the URL: URLs land in traces.",
  security: [{ bearer: [] }],
  middleware: [requireRole("admin")] as const,
  request: {
    body: {
      required: true,
      content: { "application/json": { schema: z.object({ phone: z.string().min(1).max(64).openapi({ example: "+8613900139000" }) }).strict().openapi("DevSmsQuery") } },
    },
  },
  responses: {
    200: {
      description: "Messages",
      content: { "application/json": { schema: z.object({ messages: z.array(z.object({ body: z.string(), createdAt: z.string() })) }) } },
    },
    ...problemResponses(401, 403, 415, 422),
  },
});

/** Mounted only when SMS_SENDER is "local": in a production configuration the route does not exist. */
export const devRoutes = () =>
  createRouter<Env>().openapi(sms, async (c) => {
    const phone = parseMobile(c.req.valid("json").phone);
    if (!phone.ok) throw new ApiError(422, "validation_failed", "Some fields are missing or invalid; see `errors`.", { errors: [{ field: "phone", code: phone.code, message: phone.message }] });
    const bidx = await phoneIndex(await loadVaultKeys(c.env), phone.e164);
    const rows = await createDb(c.env.DB).select().from(devSmsOutbox).where(eq(devSmsOutbox.phoneBidx, bidx)).orderBy(desc(devSmsOutbox.createdAt), desc(sql`rowid`)).limit(20);
    return c.json({ messages: rows.map((r) => ({ body: r.body, createdAt: isoOrNull(r.createdAt)! })) }, 200);
  });
