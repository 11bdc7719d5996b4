import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../../../../pkg/app";
import { EVENT_TYPES } from "../../../../pkg/outbox";
import { requireRole } from "../../../../pkg/principal";
import { IdSchema, PageQuerySchema, problemResponses, safeText } from "../../../../pkg/schemas";
import type { Env } from "../env";
import {
  createWebhook,
  DEFAULT_OVERLAP_SECONDS,
  deleteWebhook,
  endpointView,
  listDeliveries,
  listWebhooks,
  loadEndpoint,
  MAX_OVERLAP_SECONDS,
  retryDelivery,
  rotateSecret,
  updateWebhook,
} from "../webhooks";

const WebhookIdParam = z.object({ id: IdSchema });
const DeliveryParams = z.object({ id: IdSchema, deliveryId: IdSchema });

const EventTypeSchema = z.enum(EVENT_TYPES);
const UrlField = z.string().min(1).max(2000).openapi({ description: "The receiver: https:// with a public host name (checked; see `webhook_url_*` codes)", example: "https://hooks.example.com/gatehouse" });
const EventTypesField = z.array(EventTypeSchema).min(1).max(EVENT_TYPES.length).openapi({ description: "Event types delivered to this endpoint" });
const DescriptionField = safeText({ max: 200 }).nullable();

const CreateWebhookBody = z.object({ url: UrlField, eventTypes: EventTypesField, description: DescriptionField.optional() }).strict().openapi("CreateWebhook");
const UpdateWebhookBody = z
  .object({
    url: UrlField.optional(),
    eventTypes: EventTypesField.optional(),
    description: DescriptionField.optional(),
    enabled: z.boolean().optional().openapi({ description: "true re-enables an endpoint disabled for failing (clears `disabledReason`)" }),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: "Name at least one field to change." })
  .openapi("UpdateWebhook");
const RotateSecretBody = z
  .object({
    overlapSeconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_OVERLAP_SECONDS)
      .default(DEFAULT_OVERLAP_SECONDS)
      .openapi({ description: `How long the previous secret keeps signing beside the new one (deliveries carry both signatures); default ${DEFAULT_OVERLAP_SECONDS} (a day), at most a week` }),
  })
  .strict()
  .openapi("RotateWebhookSecret");

export const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    eventTypes: z.array(EventTypeSchema),
    enabled: z.boolean(),
    disabledReason: z.string().nullable().openapi({ description: "Why deliveries stopped: `failing` (every delivery failed for WEBHOOK_DISABLE_AFTER_HOURS, 72) or `disabled_by_admin`" }),
    disabledAt: z.string().nullable(),
    failingSince: z.string().nullable().openapi({ description: "Start of the current run of failed attempts (null after a success)" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Webhook");

const WithSecret = WebhookSchema.extend({
  secret: z.string().openapi({ description: "The signing secret (`whsec_<base64>`, Standard Webhooks): shown only in this answer" }),
}).openapi("WebhookWithSecret");

const RotatedSchema = WithSecret.extend({
  previousSecretExpiresAt: z.string().openapi({ description: "Until then deliveries carry a signature by the previous secret too" }),
}).openapi("WebhookSecretRotated");

const AttemptSchema = z.object({
  attempt: z.number().int(),
  at: z.string(),
  statusCode: z.number().int().nullable(),
  latencyMs: z.number().int(),
  error: z.string().nullable().openapi({ description: "null on success; `http_status`, `timeout`, `network`, `endpoint_unavailable`, or `signing_unavailable` (Gatehouse could not sign: its webhook keys; not counted against the endpoint)" }),
  responseExcerpt: z.string().nullable().openapi({ description: "At most 200 printable characters of a failed answer" }),
  nextRetryAt: z.string().nullable(),
});

export const DeliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string().openapi({ description: "Also the `webhook-id` header of every attempt" }),
    eventType: EventTypeSchema,
    status: z.enum(["pending", "retrying", "succeeded", "dead", "skipped"]),
    attempts: z.array(AttemptSchema),
    nextAttemptAt: z.string().nullable(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    succeededAt: z.string().nullable(),
  })
  .openapi("WebhookDelivery");

/** What every webhook route shares: a bearer key of the admin role. */
const admin = { security: [{ bearer: [] }], middleware: [requireRole("admin")], tags: ["webhooks"] };

const createWebhookRoute = createRoute({
  method: "post",
  path: "/v1/webhooks",
  ...admin,
  summary: "Register a webhook endpoint (admin). The signing secret is in this answer only. Audited.",
  request: { body: { required: true, content: { "application/json": { schema: CreateWebhookBody } } } },
  responses: {
    201: { description: "Registered", content: { "application/json": { schema: WithSecret } } },
    ...problemResponses(401, 403, 422, 503),
  },
});

const listWebhooksRoute = createRoute({
  method: "get",
  path: "/v1/webhooks",
  ...admin,
  summary: "Webhook endpoints, oldest first (admin).",
  request: { query: PageQuerySchema },
  responses: {
    200: { description: "A page of endpoints", content: { "application/json": { schema: z.object({ webhooks: z.array(WebhookSchema), nextCursor: z.string().nullable() }) } } },
    ...problemResponses(401, 403, 422),
  },
});

const getWebhookRoute = createRoute({
  method: "get",
  path: "/v1/webhooks/{id}",
  ...admin,
  summary: "One webhook endpoint, with why it is disabled if it is (admin).",
  request: { params: WebhookIdParam },
  responses: {
    200: { description: "The endpoint", content: { "application/json": { schema: WebhookSchema } } },
    ...problemResponses(401, 403, 404, 422),
  },
});

const updateWebhookRoute = createRoute({
  method: "patch",
  path: "/v1/webhooks/{id}",
  ...admin,
  summary: "Change an endpoint's URL, event types, description, or enable or disable it (admin). Audited.",
  request: { params: WebhookIdParam, body: { required: true, content: { "application/json": { schema: UpdateWebhookBody } } } },
  responses: {
    200: { description: "Changed", content: { "application/json": { schema: WebhookSchema } } },
    ...problemResponses(401, 403, 404, 422),
  },
});

const deleteWebhookRoute = createRoute({
  method: "delete",
  path: "/v1/webhooks/{id}",
  ...admin,
  summary: "Delete an endpoint (admin): nothing more is delivered to it; its secrets are erased. Audited.",
  request: { params: WebhookIdParam },
  responses: {
    204: { description: "Deleted" },
    ...problemResponses(401, 403, 404, 422),
  },
});

const rotateSecretRoute = createRoute({
  method: "post",
  path: "/v1/webhooks/{id}/rotate-secret",
  ...admin,
  summary: "A new signing secret (shown once); the previous one keeps signing beside it for `overlapSeconds` (admin). Audited.",
  request: { params: WebhookIdParam, body: { required: false, content: { "application/json": { schema: RotateSecretBody } } } },
  responses: {
    200: { description: "Rotated", content: { "application/json": { schema: RotatedSchema } } },
    ...problemResponses(401, 403, 404, 409, 422, 503),
  },
});

const listDeliveriesRoute = createRoute({
  method: "get",
  path: "/v1/webhooks/{id}/deliveries",
  ...admin,
  summary: "An endpoint's deliveries, newest first, each with its attempts: status code, latency, error, next retry (admin).",
  request: { params: WebhookIdParam, query: PageQuerySchema.extend({ status: DeliverySchema.shape.status.optional() }) },
  responses: {
    200: { description: "A page of deliveries", content: { "application/json": { schema: z.object({ deliveries: z.array(DeliverySchema), nextCursor: z.string().nullable() }) } } },
    ...problemResponses(401, 403, 404, 422),
  },
});

const retryDeliveryRoute = createRoute({
  method: "post",
  path: "/v1/webhooks/{id}/deliveries/{deliveryId}/retry",
  ...admin,
  summary: "Redeliver now, whatever the delivery's state (admin). Audited.",
  request: { params: DeliveryParams },
  responses: {
    202: { description: "Queued", content: { "application/json": { schema: DeliverySchema } } },
    ...problemResponses(401, 403, 404, 422),
  },
});

export const webhookRoutes = createRouter<Env>()
  .openapi(createWebhookRoute, async (c) => {
    const { endpoint, secret } = await createWebhook(c.env, c.get("principal")!, c.get("requestId"), c.req.valid("json"));
    return c.json({ ...endpointView(endpoint), secret }, 201);
  })
  .openapi(listWebhooksRoute, async (c) => c.json(await listWebhooks(c.env, c.req.valid("query")), 200))
  .openapi(getWebhookRoute, async (c) => c.json(endpointView(await loadEndpoint(c.env, c.req.valid("param").id)), 200))
  .openapi(updateWebhookRoute, async (c) => {
    const row = await updateWebhook(c.env, c.get("principal")!, c.get("requestId"), c.req.valid("param").id, c.req.valid("json"));
    return c.json(endpointView(row), 200);
  })
  .openapi(deleteWebhookRoute, async (c) => {
    await deleteWebhook(c.env, c.get("principal")!, c.get("requestId"), c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(rotateSecretRoute, async (c) => {
    // The body is optional: without one the previous secret keeps the default overlap.
    const body = c.req.valid("json") as { overlapSeconds?: number } | undefined;
    const overlap = body?.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS;
    const { endpoint, secret, previousSecretExpiresAt } = await rotateSecret(c.env, c.get("principal")!, c.get("requestId"), c.req.valid("param").id, overlap);
    return c.json({ ...endpointView(endpoint), secret, previousSecretExpiresAt }, 200);
  })
  .openapi(listDeliveriesRoute, async (c) => c.json(await listDeliveries(c.env, c.req.valid("param").id, c.req.valid("query")), 200))
  .openapi(retryDeliveryRoute, async (c) => {
    const { id, deliveryId } = c.req.valid("param");
    return c.json(await retryDelivery(c.env, c.get("principal")!, c.get("requestId"), id, deliveryId), 202);
  });
