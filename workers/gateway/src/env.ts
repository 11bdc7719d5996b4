import type { LimitSpec } from "./limits";

/**
 * Bindings of the gateway. Vars and bindings come from the root wrangler.toml through the
 * generated `GatewayEnv` (workers/gateway/worker-configuration.d.ts, `npm run types`); what
 * wrangler types cannot see is declared here.
 */
export type Env = Omit<GatewayEnv, LimitSpec["binding"]> &
  /** Rate Limiting bindings (limits.ts); absent in some local setups, then the in-isolate fallback applies. */
  Partial<Record<LimitSpec["binding"], RateLimit>> & {
    /** Bootstrap admin credential (a secret: `npm run secrets`). */
    ADMIN_KEY?: string;
    /** Local tests only: lower the in-isolate fallback's limit, e.g. RATE_LIMIT_STANDARD=120 (limits.ts). */
    RATE_LIMIT_STANDARD_FALLBACK?: string;
    /** Local stacks only: log every distinct SQL text the workers prepare (pkg/d1-query-log.ts). */
    D1_QUERY_LOG?: string;
  };

/** The function workers behind the gateway, by binding name. */
export const UPSTREAMS = ["REGISTRATION", "SCREENING", "REPOSTS", "MODERATION"] as const;
export type Upstream = (typeof UPSTREAMS)[number];
