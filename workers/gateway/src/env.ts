/**
 * Bindings of the gateway. Vars and bindings come from the root wrangler.toml through the
 * generated `GatewayEnv` (workers/gateway/worker-configuration.d.ts, `npm run types`); what
 * wrangler types cannot see is declared here.
 */
export type Env = Omit<GatewayEnv, "RATE_LIMITER"> & {
  /** Workers Rate Limiting binding; absent in some local setups, then the in-memory fallback applies. */
  RATE_LIMITER?: RateLimit;
  /** Bootstrap admin credential (a secret: `npm run secrets`). */
  ADMIN_KEY?: string;
};

/** The function workers behind the gateway, by binding name. */
export const UPSTREAMS = ["REGISTRATION", "SCREENING", "REPOSTS", "MODERATION"] as const;
export type Upstream = (typeof UPSTREAMS)[number];
