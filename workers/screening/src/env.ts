import type { EvidenceSecrets } from "../../../pkg/evidence";

/**
 * Bindings of the screening worker: generated from workers/screening/wrangler.toml into
 * ../worker-configuration.d.ts (`npm run types`), plus the evidence secrets, which wrangler types
 * cannot see (`npm run secrets` prints how to set them).
 */
export type Env = ScreeningEnv & EvidenceSecrets;
