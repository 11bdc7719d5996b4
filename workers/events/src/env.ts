/**
 * Bindings of the events worker: generated from workers/events/wrangler.toml into
 * ../worker-configuration.d.ts (`npm run types`). It has no secrets of its own: endpoints'
 * signing secrets are in D1 (webhook_secrets).
 */
export type Env = EventsEnv;

/** `{ kind: "delivery", deliveryId }` on gatehouse-deliveries (and, out of retries, on its dead-letter queue). */
export interface DeliveryMessage {
  kind: "delivery";
  deliveryId: string;
}
