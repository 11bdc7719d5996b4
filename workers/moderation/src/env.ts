import type { EvidenceSecrets } from "../../../pkg/evidence";
import type { AuditSigningSecrets } from "./audit-signing";

/**
 * Bindings of the moderation worker: generated from workers/moderation/wrangler.toml into
 * ../worker-configuration.d.ts (`npm run types`), plus the evidence and audit-signing secrets, which wrangler types
 * cannot see (`npm run secrets` prints how to set them).
 */
export type Env = ModerationEnv & EvidenceSecrets & AuditSigningSecrets;
