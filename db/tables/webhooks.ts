import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Outbound webhooks: endpoints an admin registers (moderation worker, workers/moderation/src/webhooks.ts),
 * their signing secrets, and the delivery log the events worker (workers/events/) writes.
 */

/**
 * A receiver of events. `event_types` is a JSON array of EVENT_TYPES (pkg/outbox.ts).
 * `failing_since` is when the current run of failed attempts began (null after a success); an
 * endpoint failing continuously for WEBHOOK_DISABLE_AFTER_HOURS is disabled with a reason.
 * `secret_version` changes on every rotation (concurrent rotations: one wins). Deleted endpoints
 * keep their row (`deleted_at`) so their delivery log stays readable to the audit trail.
 */
export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    url: text("url").notNull(),
    description: text("description"),
    eventTypes: text("event_types").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    disabledReason: text("disabled_reason"),
    disabledAt: integer("disabled_at"),
    failingSince: integer("failing_since"),
    secretVersion: integer("secret_version").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    deletedAt: integer("deleted_at"),
  },
  (t) => [index("webhook_endpoints_created_idx").on(t.createdAt, t.id)],
);

/**
 * Signing secrets (`whsec_<base64>`, the Standard Webhooks format). The current one has
 * `expires_at` null; a rotation gives the previous one an `expires_at` (the overlap), and until
 * then deliveries carry a signature by each.
 */
export const webhookSecrets = sqliteTable(
  "webhook_secrets",
  {
    id: text("id").primaryKey(),
    endpointId: text("endpoint_id").notNull(),
    secret: text("secret").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at"),
  },
  (t) => [index("webhook_secrets_endpoint_idx").on(t.endpointId, t.createdAt)],
);

/**
 * One delivery per (event, endpoint): the unique index makes a redelivered event message create
 * nothing twice. `status`: `pending` (not yet tried, or a manual retry asked), `retrying` (failed,
 * another attempt is queued), `succeeded`, `dead` (retries exhausted: the dead-letter queue),
 * `skipped` (the endpoint was disabled or deleted before it could be delivered).
 * `lease_until`: an attempt in flight holds it, so two copies of a queue message never POST at once.
 */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    eventId: text("event_id").notNull(),
    endpointId: text("endpoint_id").notNull(),
    eventType: text("event_type").notNull(),
    status: text("status", { enum: ["pending", "retrying", "succeeded", "dead", "skipped"] }).notNull(),
    attempts: integer("attempts").notNull(),
    nextAttemptAt: integer("next_attempt_at"),
    leaseUntil: integer("lease_until"),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    succeededAt: integer("succeeded_at"),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_event_endpoint_uq").on(t.eventId, t.endpointId),
    index("webhook_deliveries_endpoint_idx").on(t.endpointId, t.createdAt, t.id),
    index("webhook_deliveries_status_idx").on(t.status, t.nextAttemptAt),
  ],
);

/**
 * Each HTTP attempt of a delivery: status code, latency and an error class — never the
 * receiver's response body beyond a short excerpt of printable characters.
 */
export const webhookDeliveryAttempts = sqliteTable(
  "webhook_delivery_attempts",
  {
    id: text("id").primaryKey(),
    deliveryId: text("delivery_id").notNull(),
    attempt: integer("attempt").notNull(),
    startedAt: integer("started_at").notNull(),
    statusCode: integer("status_code"),
    latencyMs: integer("latency_ms").notNull(),
    /** null on success; `http_status`, `timeout`, `network`, `endpoint_unavailable`, `signing_unavailable` (Gatehouse could not sign). */
    errorClass: text("error_class"),
    responseExcerpt: text("response_excerpt"),
    /** When the next attempt is due (null: none queued). */
    nextRetryAt: integer("next_retry_at"),
  },
  (t) => [uniqueIndex("webhook_delivery_attempts_uq").on(t.deliveryId, t.attempt)],
);
