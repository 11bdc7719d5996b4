import { createRoute, z } from "@hono/zod-openapi";
import { apiKeyView, changeApiKeyTier, createApiKey, findApiKeyById, listApiKeys, revokeApiKey } from "../../../../pkg/api-keys";
import { createRouter } from "../../../../pkg/app";
import { createDb } from "../../../../pkg/db";
import { ApiError } from "../../../../pkg/errors";
import { requireRole, ROLES } from "../../../../pkg/principal";
import { PageQuerySchema, problemResponses, safeText } from "../../../../pkg/schemas";
import type { Env } from "../env";
import { forgetKeyById } from "../keys";
import { LIMIT_TIERS } from "../limits";

const TierSchema = z.enum(LIMIT_TIERS).openapi({ description: "Rate-limit tier: standard (600 requests a minute), high (1,000 a second), unlimited" });

const KeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    tier: TierSchema,
    prefix: z.string().openapi({ description: "First characters of the key, to tell keys apart" }),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
  })
  .openapi("ApiKey");

const CreateKeyBody = z
  .object({
    role: z.enum(ROLES),
    name: safeText({ max: 100 }),
    tier: TierSchema.optional().openapi({ description: "Defaults by role: app → high, operator and admin → standard" }),
  })
  .strict()
  .openapi("CreateApiKey");

const UpdateKeyBody = z.object({ tier: TierSchema, reason: safeText({ max: 500 }).optional() }).strict().openapi("UpdateApiKey");
const KeyIdParam = z.object({ id: z.string().regex(/^key_[0-9a-z]{8,64}$/, "Malformed key id") });
const admin = { tags: ["keys"], security: [{ bearer: [] }], middleware: [requireRole("admin")] };

const createKey = createRoute({
  ...admin,
  method: "post",
  path: "/v1/keys",
  summary: "Create an API key (admin). The key is returned once and stored only as a hash.",
  request: { body: { required: true, content: { "application/json": { schema: CreateKeyBody } } } },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: KeySchema.extend({ key: z.string() }) } } },
    ...problemResponses(400, 401, 403, 413, 415, 422, 429),
  },
});

const listKeys = createRoute({
  ...admin,
  method: "get",
  path: "/v1/keys",
  summary: "List API keys (admin), newest first; never the keys themselves.",
  request: { query: PageQuerySchema },
  responses: {
    200: { description: "Keys", content: { "application/json": { schema: z.object({ keys: z.array(KeySchema), nextCursor: z.string().nullable() }) } } },
    ...problemResponses(401, 403, 422, 429),
  },
});

const updateKey = createRoute({
  ...admin,
  method: "patch",
  path: "/v1/keys/{id}",
  summary: "Change an API key's rate-limit tier (admin). Audited; takes effect within seconds.",
  request: { params: KeyIdParam, body: { required: true, content: { "application/json": { schema: UpdateKeyBody } } } },
  responses: {
    200: { description: "Updated", content: { "application/json": { schema: KeySchema } } },
    ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 429),
  },
});

const revokeKey = createRoute({
  ...admin,
  method: "delete",
  path: "/v1/keys/{id}",
  summary: "Revoke an API key (admin). Idempotent; audited; takes effect at once.",
  request: { params: KeyIdParam },
  responses: {
    200: { description: "Revoked", content: { "application/json": { schema: KeySchema } } },
    ...problemResponses(401, 403, 404, 422, 429),
  },
});

const toView = apiKeyView;

async function loadKey(env: Env, id: string) {
  const row = await findApiKeyById(createDb(env.DB), id);
  if (!row) throw new ApiError(404, "key_not_found", "No API key has this id.");
  return row;
}

export const keysRoutes = createRouter<Env>()
  .openapi(createKey, async (c) => {
    const { role, name, tier } = c.req.valid("json");
    const { row, key } = await createApiKey(c.env.DB, c.get("principal")!, c.get("requestId"), { role, name, tier });
    return c.json({ ...toView(row), key }, 201);
  })
  .openapi(listKeys, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const page = await listApiKeys(createDb(c.env.DB), limit, cursor);
    return c.json({ keys: page.rows.map(toView), nextCursor: page.nextCursor }, 200);
  })
  .openapi(updateKey, async (c) => {
    const { id } = c.req.valid("param");
    const { tier, reason } = c.req.valid("json");
    const change = await changeApiKeyTier(c.env.DB, c.get("principal")!, c.get("requestId"), id, tier, reason);
    if (change.outcome === "not_found") throw new ApiError(404, "key_not_found", "No API key has this id.");
    if (change.outcome === "revoked") throw new ApiError(409, "key_revoked", "This API key is revoked; create a new one.");
    if (change.outcome === "changed") forgetKeyById(id);
    return c.json(toView(change.row), 200);
  })
  .openapi(revokeKey, async (c) => {
    const { id } = c.req.valid("param");
    const row = await loadKey(c.env, id);
    if (row.revokedAt == null) await revokeApiKey(c.env.DB, c.get("principal")!, c.get("requestId"), id);
    forgetKeyById(id);
    return c.json(toView(await loadKey(c.env, id)), 200);
  });
