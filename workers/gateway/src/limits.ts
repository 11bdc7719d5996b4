import { FixedWindowLimiter, type RateDecision } from "../../../pkg/rate-limit";

export { FixedWindowLimiter, type RateDecision };

/**
 * Request limits of the gateway. Each limit is a Workers Rate Limiting namespace in
 * wrangler.toml (approximate and per location, as the binding is); `LIMITS` is the one source
 * of their numbers: the check in workers/gateway/test/limits.test.ts fails when wrangler.toml's
 * `[[ratelimits]]` disagree. Where a binding is absent, or locally (`wrangler dev`'s simulated
 * binding never refuses), an in-isolate fixed window applies the same numbers.
 */
export const LIMIT_TIERS = ["standard", "high", "unlimited"] as const;
export type LimitTier = (typeof LIMIT_TIERS)[number];

export interface LimitSpec {
  /** The Rate Limiting binding's name. */
  binding: "RATE_LIMIT_STANDARD" | "RATE_LIMIT_HIGH" | "RATE_LIMIT_KEYLESS" | "RATE_LIMIT_AUTH_FAILURES";
  /** Requests per period and key; periods are 10 or 60 seconds (the binding's choices). */
  limit: number;
  period: 10 | 60;
}

export const LIMITS = {
  /** Per key: people's tools and scripts (operators, admins). 600 a minute. */
  standard: { binding: "RATE_LIMIT_STANDARD", limit: 100, period: 10 },
  /** Per key: a platform's backend calling for its users. 1,000 a second. */
  high: { binding: "RATE_LIMIT_HIGH", limit: 10_000, period: 10 },
  /** Per client address: public routes (profiles, health, provider webhooks) called without a key. */
  keyless: { binding: "RATE_LIMIT_KEYLESS", limit: 100, period: 10 },
  /** Per client address: failed authentications (unknown, revoked or malformed keys). */
  authFailures: { binding: "RATE_LIMIT_AUTH_FAILURES", limit: 20, period: 60 },
} as const satisfies Record<string, LimitSpec>;

export type LimitName = keyof typeof LIMITS;

/** The part of a Workers Rate Limiting binding the gateway uses. */
export interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}
export type LimitBindings = Partial<Record<LimitSpec["binding"], RateLimitBinding>> & { ENVIRONMENT?: string } & Partial<Record<string, unknown>>;

const fallbacks = new Map<LimitName, FixedWindowLimiter>();

/**
 * Counts one request of `key` against the limit `name`. A var `<BINDING>_FALLBACK` (e.g.
 * `RATE_LIMIT_STANDARD_FALLBACK=120`) lowers the in-isolate fallback's limit, for local tests only.
 */
export async function hitLimit(env: LimitBindings, name: LimitName, key: string): Promise<RateDecision> {
  const spec: LimitSpec = LIMITS[name];
  const binding = env.ENVIRONMENT === "development" ? undefined : (env[spec.binding] as RateLimitBinding | undefined);
  if (binding) {
    const { success } = await binding.limit({ key });
    // The binding does not say when its window ends; at most one period.
    return { allowed: success, retryAfter: spec.period };
  }
  let limiter = fallbacks.get(name);
  if (!limiter) {
    const override = Number(env[`${spec.binding}_FALLBACK`]);
    limiter = new FixedWindowLimiter(Number.isInteger(override) && override > 0 ? override : spec.limit, spec.period * 1000);
    fallbacks.set(name, limiter);
  }
  return limiter.hit(key);
}

/**
 * Addresses whose failed authentications went over the limit, until when: checked before a
 * key is looked up, so a key-guessing client costs no D1 read while it is refused.
 */
const blockedAddresses = new Map<string, number>();

export function authBlockedFor(address: string, now = Date.now()): number {
  const until = blockedAddresses.get(address);
  if (until === undefined) return 0;
  if (until <= now) {
    blockedAddresses.delete(address);
    return 0;
  }
  return Math.ceil((until - now) / 1000);
}

/** Records a failed authentication; returns the seconds the address is now refused for (0: not refused). */
export async function recordAuthFailure(env: LimitBindings, address: string): Promise<number> {
  const decision = await hitLimit(env, "authFailures", address);
  if (decision.allowed) return 0;
  if (blockedAddresses.size > 50_000) blockedAddresses.clear();
  blockedAddresses.set(address, Date.now() + decision.retryAfter * 1000);
  return decision.retryAfter;
}
