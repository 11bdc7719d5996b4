/**
 * Bindings of the screening worker: generated from workers/screening/wrangler.toml into
 * ../worker-configuration.d.ts (`npm run types`).
 */
export type Env = ScreeningEnv;
