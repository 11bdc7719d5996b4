/** Bindings of the gateway (see the root wrangler.toml). */
export interface Env {
  DB: D1Database;
  REGISTRATION: Fetcher;
  SCREENING: Fetcher;
  REPOSTS: Fetcher;
  MODERATION: Fetcher;
  /** Workers Rate Limiting binding; absent in some local setups, then the in-memory fallback applies. */
  RATE_LIMITER?: RateLimit;
  /** Bootstrap admin credential (a secret). */
  ADMIN_KEY?: string;
  ENVIRONMENT: string;
  MAX_BODY_BYTES?: string;
  TERM_IMPORT_MAX_BODY_BYTES?: string;
  RATE_LIMIT_PER_MINUTE?: string;
}

/** The function workers behind the gateway, by binding name. */
export const UPSTREAMS = ["REGISTRATION", "SCREENING", "REPOSTS", "MODERATION"] as const;
export type Upstream = (typeof UPSTREAMS)[number];
