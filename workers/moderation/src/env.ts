/**
 * Bindings of the moderation worker: generated from workers/moderation/wrangler.toml into
 * ../worker-configuration.d.ts (`npm run types`).
 */
export type Env = ModerationEnv;
