import { base64ToBytes, bytesToBase64 } from "./encoding";
import { cachedMasterKeys, openSealed, seal, type MasterKeys } from "./envelope";
import { ApiError } from "./errors";
import { log } from "./log";

/**
 * Webhook signing secrets at rest: each one sealed (pkg/envelope.ts) under the webhook master
 * keys and bound to its endpoint, so a copy of D1 (a backup, an export, a leaked dump) holds no
 * secret that could forge a delivery. Moderation seals them (create, rotate); the events worker
 * opens them to sign. This module is the format both share.
 */

export const WEBHOOK_SECRET_PURPOSE = "webhook-secret";
/** Stored form: this prefix and the sealed object in base64. Rows without it predate sealing. */
const SEALED_PREFIX = "sealed:";

export interface WebhookSecretKeys {
  /** JSON `{ kid: base64(32 bytes) }` (the same value in moderation and events). */
  WEBHOOK_MASTER_KEYS?: string;
  /** The kid new secrets are sealed under. */
  WEBHOOK_ACTIVE_KID?: string;
}

const webhookKeysOf = cachedMasterKeys("WEBHOOK_MASTER_KEYS", "WEBHOOK_ACTIVE_KID", (what) => webhookKeysMisconfigured(what));

/** The webhook master keys, imported once per isolate; 503 `webhook_signing_unavailable` when misconfigured. */
export function webhookKeys(env: WebhookSecretKeys): Promise<MasterKeys> {
  return webhookKeysOf(env.WEBHOOK_MASTER_KEYS, env.WEBHOOK_ACTIVE_KID);
}

function webhookKeysMisconfigured(what: string): ApiError {
  // The setting's name only, never its value.
  log("error", "webhook_keys_misconfigured", { what });
  return new ApiError(503, "webhook_signing_unavailable", "Webhook signing is not configured on this deployment.", { headers: { "retry-after": "60" } });
}

/** The stored form of `secret` (a `whsec_…` string) for endpoint `endpointId`. */
export async function sealWebhookSecret(keys: MasterKeys, endpointId: string, secret: string): Promise<string> {
  return SEALED_PREFIX + bytesToBase64(await seal(keys, WEBHOOK_SECRET_PURPOSE, endpointId, new TextEncoder().encode(secret)));
}

/**
 * The secret of a stored value of endpoint `endpointId`. A value stored before sealing (a plain
 * `whsec_…`, written up to 2026-12-06) is returned as it is; rotating the endpoint's secret
 * replaces it with a sealed one. Throws SealedObjectError (pkg/envelope.ts) if the value does not
 * open for this endpoint, EnvelopeConfigError if its master key is not configured.
 */
export async function openWebhookSecret(keys: MasterKeys, endpointId: string, stored: string): Promise<string> {
  if (!stored.startsWith(SEALED_PREFIX)) return stored;
  const bytes = await openSealed(keys, WEBHOOK_SECRET_PURPOSE, endpointId, base64ToBytes(stored.slice(SEALED_PREFIX.length)));
  return new TextDecoder().decode(bytes);
}
