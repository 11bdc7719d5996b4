import { FixedWindowLimiter } from "../../../pkg/rate-limit";
import type { Env } from "./env";

/**
 * Failed sign-ins per client address, as the gateway limits failed authentications: 10 a
 * minute. Each isolate counts exactly (pkg/rate-limit); the Rate Limiting binding adds an
 * approximate count across isolates where it runs (its local simulation never refuses). Once
 * over, the address is refused before any key lookup until the window ends.
 */
export const SIGN_IN_FAILURES = { limit: 10, periodSeconds: 60 };

const limiter = new FixedWindowLimiter(SIGN_IN_FAILURES.limit, SIGN_IN_FAILURES.periodSeconds * 1000);
const blocked = new Map<string, number>();

export function signInBlockedFor(address: string, now = Date.now()): number {
  const until = blocked.get(address);
  if (until === undefined) return 0;
  if (until <= now) {
    blocked.delete(address);
    return 0;
  }
  return Math.ceil((until - now) / 1000);
}

/** Counts one failed sign-in; returns the seconds the address is now refused for (0: not refused). */
export async function recordSignInFailure(env: Env, address: string): Promise<number> {
  const local = limiter.hit(address);
  const remote = env.ENVIRONMENT === "development" || !env.RATE_LIMIT_SIGN_IN_FAILURES ? true : (await env.RATE_LIMIT_SIGN_IN_FAILURES.limit({ key: address })).success;
  if (local.allowed && remote) return 0;
  const retryAfter = local.allowed ? SIGN_IN_FAILURES.periodSeconds : local.retryAfter;
  if (blocked.size > 50_000) blocked.clear();
  blocked.set(address, Date.now() + retryAfter * 1000);
  return retryAfter;
}
