import { createRoute, z } from "@hono/zod-openapi";
import { desc, eq } from "drizzle-orm";
import { apiKeys } from "../../../../db/schema";
import { createRouter } from "../../../../pkg/app";
import { createDb } from "../../../../pkg/db";
import { ApiError } from "../../../../pkg/errors";
import { newId, sha256Hex } from "../../../../pkg/ids";
import { requireRole, ROLES } from "../../../../pkg/principal";
import { isoOrNull, problemResponses } from "../../../../pkg/schemas";
import type { Env } from "../env";
import { forgetKeyById, generateKey, KEY_PREFIX_LENGTH } from "../keys";

const KeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    prefix: z.string().openapi({ description: "First characters of the key, to tell keys apart" }),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
  })
  .openapi("ApiKey");

const CreateKeyBody = z
  .object({
    role: z.enum(ROLES),
    name: z.string().trim().min(1).max(100),
  })
  .strict()
  .openapi("CreateApiKey");

const createKey = createRoute({
  method: "post",
  path: "/v1/keys",
  tags: ["keys"],
  summary: "Create an API key (admin). The key is returned once and stored only as a hash.",
  security: [{ bearer: [] }],
  middleware: [requireRole("admin")] as const,
  request: { body: { required: true, content: { "application/json": { schema: CreateKeyBody } } } },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: KeySchema.extend({ key: z.string() }) } } },
    ...problemResponses(401, 403, 415, 422),
  },
});

const listKeys = createRoute({
  method: "get",
  path: "/v1/keys",
  tags: ["keys"],
  summary: "List API keys (admin), newest first; never the keys themselves.",
  security: [{ bearer: [] }],
  middleware: [requireRole("admin")] as const,
  responses: {
    200: { description: "Keys", content: { "application/json": { schema: z.object({ keys: z.array(KeySchema) }) } } },
    ...problemResponses(401, 403),
  },
});

const revokeKey = createRoute({
  method: "delete",
  path: "/v1/keys/{id}",
  tags: ["keys"],
  summary: "Revoke an API key (admin). Idempotent; takes effect at once.",
  security: [{ bearer: [] }],
  middleware: [requireRole("admin")] as const,
  request: { params: z.object({ id: z.string().max(100) }) },
  responses: {
    200: { description: "Revoked", content: { "application/json": { schema: KeySchema } } },
    ...problemResponses(401, 403, 404),
  },
});

type KeyRow = typeof apiKeys.$inferSelect;
const toView = (r: KeyRow) => ({
  id: r.id,
  name: r.name,
  role: r.role,
  prefix: r.keyPrefix,
  createdAt: isoOrNull(r.createdAt)!,
  revokedAt: isoOrNull(r.revokedAt),
  lastUsedAt: isoOrNull(r.lastUsedAt),
});

export const keysRoutes = createRouter<Env>()
  .openapi(createKey, async (c) => {
    const { role, name } = c.req.valid("json");
    const key = generateKey();
    const row: KeyRow = {
      id: newId("key"),
      name,
      role,
      keyHash: await sha256Hex(key),
      keyPrefix: key.slice(0, KEY_PREFIX_LENGTH),
      createdAt: Date.now(),
      revokedAt: null,
      lastUsedAt: null,
    };
    await createDb(c.env.DB).insert(apiKeys).values(row);
    return c.json({ ...toView(row), key }, 201);
  })
  .openapi(listKeys, async (c) => {
    const rows = await createDb(c.env.DB).select().from(apiKeys).orderBy(desc(apiKeys.createdAt)).limit(1000);
    return c.json({ keys: rows.map(toView) }, 200);
  })
  .openapi(revokeKey, async (c) => {
    const { id } = c.req.valid("param");
    const db = createDb(c.env.DB);
    const row = await db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
    if (!row) throw new ApiError(404, "key_not_found", "No API key has this id.");
    let revoked = row;
    if (row.revokedAt == null) {
      revoked = { ...row, revokedAt: Date.now() };
      await db.update(apiKeys).set({ revokedAt: revoked.revokedAt }).where(eq(apiKeys.id, id));
    }
    forgetKeyById(id);
    return c.json(toView(revoked), 200);
  });
