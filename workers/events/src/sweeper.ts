import { intVar } from "../../../pkg/config";
import { log } from "../../../pkg/log";
import type { EventMessage } from "../../../pkg/outbox";
import type { Env } from "./env";
import { queueDeliveries } from "./fanout";

/** Deliveries due this long ago and still unsent lost their message (a failed send, a lost retry). */
export const LOST_DELIVERY_AFTER_MS = 15 * 60_000;
const BATCH = 500;

/**
 * The cron: the after-commit relay is best effort, so outbox rows still unrelayed after
 * OUTBOX_RELAY_AFTER_SECONDS are handed to gatehouse-events here (and marked), and deliveries
 * whose message was lost are queued again. Duplicates are harmless downstream.
 */
export async function sweep(env: Env, now = Date.now()): Promise<{ relayed: number; requeued: number }> {
  const relayAfterMs = intVar(env.OUTBOX_RELAY_AFTER_SECONDS, 30, 0, 86_400) * 1000;
  const { results: events } = await env.DB.prepare("SELECT id FROM event_outbox WHERE relayed_at IS NULL AND occurred_at <= ? ORDER BY occurred_at LIMIT ?")
    .bind(now - relayAfterMs, BATCH)
    .all<{ id: string }>();
  for (let i = 0; i < events.length; i += 100) {
    const chunk = events.slice(i, i + 100).map((e) => e.id);
    await env.EVENTS.sendBatch(chunk.map((eventId) => ({ body: { kind: "event", eventId } satisfies EventMessage, contentType: "json" as const })));
    await env.DB.prepare(`UPDATE event_outbox SET relayed_at = ? WHERE relayed_at IS NULL AND id IN (${chunk.map(() => "?").join(", ")})`)
      .bind(now, ...chunk)
      .run();
  }
  const { results: lost } = await env.DB.prepare(
    `SELECT id FROM webhook_deliveries WHERE status IN ('pending', 'retrying') AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?) LIMIT ?`,
  )
    .bind(now - LOST_DELIVERY_AFTER_MS, now, BATCH)
    .all<{ id: string }>();
  if (lost.length > 0) {
    await queueDeliveries(
      env,
      lost.map((d) => d.id),
    );
    // Not picked again next minute: due again in LOST_DELIVERY_AFTER_MS if this message is lost too.
    for (let i = 0; i < lost.length; i += 90) {
      const chunk = lost.slice(i, i + 90).map((d) => d.id);
      await env.DB.prepare(`UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id IN (${chunk.map(() => "?").join(", ")})`)
        .bind(now, ...chunk)
        .run();
    }
  }
  if (events.length || lost.length) log("info", "events_sweep", { relayed: events.length, requeued: lost.length });
  return { relayed: events.length, requeued: lost.length };
}
