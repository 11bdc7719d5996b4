import type { EvidenceSecrets } from "../../../pkg/evidence";
import type { WebhookSecretKeys } from "../../../pkg/webhook-secrets";
import type { AuditSigningSecrets } from "./audit-signing";

/**
 * Bindings of the moderation worker: generated from workers/moderation/wrangler.toml into
 * ../worker-configuration.d.ts (`npm run types`), plus the evidence, audit-signing and webhook-secret keys, which wrangler types
 * cannot see (`npm run secrets` prints how to set them).
 */
export type Env = ModerationEnv & EvidenceSecrets & AuditSigningSecrets & WebhookSecretKeys;
