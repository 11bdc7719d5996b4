import { sql } from "drizzle-orm";
import { runAtomic } from "../../../pkg/batch";
import { newId } from "../../../pkg/ids";
import type { DeliveryMessage, Env } from "./env";

export interface EventRow {
  id: string;
  type: string;
  subject_type: string;
  subject_id: string;
  occurred_at: number;
  payload: string;
}

export async function loadEvent(env: Env, eventId: string): Promise<EventRow | null> {
  return env.DB.prepare("SELECT id, type, subject_type, subject_id, occurred_at, payload FROM event_outbox WHERE id = ?").bind(eventId).first<EventRow>();
}

/**
 * One event to every enabled endpoint subscribed to its type (and registered before it
 * happened): one delivery row per (event, endpoint) — the unique index makes a redelivered
 * message create nothing twice — and a delivery message for each delivery not yet tried.
 * Returns how many deliveries were queued.
 */
export async function fanOut(env: Env, eventId: string): Promise<number> {
  const event = await loadEvent(env, eventId);
  if (!event) return 0;
  const { results: endpoints } = await env.DB.prepare(
    `SELECT id FROM webhook_endpoints
     WHERE enabled = 1 AND deleted_at IS NULL AND created_at <= ?
       AND EXISTS (SELECT 1 FROM json_each(webhook_endpoints.event_types) WHERE value = ?)`,
  )
    .bind(event.occurred_at, event.type)
    .all<{ id: string }>();
  const now = Date.now();
  await runAtomic(env.DB, [
    ...endpoints.map(
      (e) => sql`INSERT INTO webhook_deliveries (id, event_id, endpoint_id, event_type, status, attempts, next_attempt_at, created_at, updated_at)
        VALUES (${newId("dlv")}, ${event.id}, ${e.id}, ${event.type}, 'pending', 0, ${now}, ${now}, ${now})
        ON CONFLICT(event_id, endpoint_id) DO NOTHING`,
    ),
    // The relay's mark, in case this message came from a send whose mark was lost.
    sql`UPDATE event_outbox SET relayed_at = ${now} WHERE id = ${event.id} AND relayed_at IS NULL`,
  ]);
  // Not-yet-tried deliveries of this event, including those a crash left unqueued last time;
  // a duplicate message is harmless (an attempt holds a lease and a finished delivery is skipped).
  const { results: fresh } = await env.DB.prepare("SELECT id FROM webhook_deliveries WHERE event_id = ? AND status = 'pending' AND attempts = 0").bind(event.id).all<{ id: string }>();
  await queueDeliveries(env, fresh.map((d) => d.id));
  return fresh.length;
}

export async function queueDeliveries(env: Env, ids: readonly string[], delaySeconds = 0): Promise<void> {
  for (let i = 0; i < ids.length; i += 100) {
    await env.DELIVERIES.sendBatch(
      ids.slice(i, i + 100).map((deliveryId) => ({ body: { kind: "delivery", deliveryId } satisfies DeliveryMessage, contentType: "json" as const, ...(delaySeconds ? { delaySeconds } : {}) })),
    );
  }
}
