import type { VaultSecrets } from "./vault";

/**
 * Bindings of the registration worker. Vars come from workers/registration/wrangler.toml
 * through the generated `RegistrationEnv` (../worker-configuration.d.ts, `npm run types`;
 * see README for their meaning); the secrets, which wrangler types cannot see, are declared
 * here (`npm run secrets` prints how to set them).
 */
export type Env = RegistrationEnv &
  VaultSecrets & {
    /** Credential of the SMS gateway (SMS_SENDER "http"). */
    SMS_GATEWAY_KEY?: string;
    /** Credential of the identity provider and the secret its webhooks are signed with (IDENTITY_VERIFIER "http"). */
    IDV_KEY?: string;
    IDV_WEBHOOK_SECRET?: string;
  };

/** What the app gets from outside, injectable for tests: the clock and outbound fetch. */
export interface Deps {
  now: () => number;
  fetch: typeof fetch;
}

export const defaultDeps = (): Deps => ({ now: () => Date.now(), fetch: (input, init) => fetch(input, init) });
