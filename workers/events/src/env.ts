import type { WebhookSecretKeys } from "../../../pkg/webhook-secrets";

/**
 * Bindings of the events worker: generated from workers/events/wrangler.toml into
 * ../worker-configuration.d.ts (`npm run types`), plus the webhook master keys, which open the
 * endpoints' signing secrets sealed in D1 (webhook_secrets; pkg/webhook-secrets.ts).
 */
export type Env = EventsEnv & WebhookSecretKeys;

/** `{ kind: "delivery", deliveryId }` on gatehouse-deliveries (and, out of retries, on its dead-letter queue). */
export interface DeliveryMessage {
  kind: "delivery";
  deliveryId: string;
}
