import type { VaultSecrets } from "./vault";

/** Bindings of the registration worker (see workers/registration/wrangler.toml and README). */
export interface Env extends VaultSecrets {
  DB: D1Database;
  ENVIRONMENT: string;
  /** "http" (production) or "local" (dev and tests: D1 outbox + /v1/dev routes). */
  SMS_SENDER?: string;
  SMS_GATEWAY_URL?: string;
  SMS_GATEWAY_KEY?: string;
  /** "http" (provider + webhook) or "manual" (operators review every identity). */
  IDENTITY_VERIFIER?: string;
  IDV_URL?: string;
  IDV_KEY?: string;
  IDV_WEBHOOK_SECRET?: string;
  MAX_PUBLIC_ACCOUNTS_PER_IDENTITY?: string;
  MAX_PERSONAL_ACCOUNTS_PER_IDENTITY?: string;
  /** Unverified registrations older than this give up their identity and phone when claimed (default 24). */
  PENDING_PHONE_TTL_HOURS?: string;
  CODE_TTL_SECONDS?: string;
  CODE_RESEND_COOLDOWN_SECONDS?: string;
  CODE_MAX_PER_HOUR?: string;
  CODE_MAX_PER_DAY?: string;
  CODE_MAX_ATTEMPTS?: string;
}

/** What the app gets from outside, injectable for tests: the clock and outbound fetch. */
export interface Deps {
  now: () => number;
  fetch: typeof fetch;
}

export const defaultDeps = (): Deps => ({ now: () => Date.now(), fetch: (input, init) => fetch(input, init) });
