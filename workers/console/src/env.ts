/**
 * Bindings of the console worker: generated from workers/console/wrangler.toml into
 * ../worker-configuration.d.ts (`npm run types`). It has no secrets: sessions are random ids
 * whose hashes live in D1.
 */
export type Env = ConsoleEnv;

/** The function workers the console calls, each over its own service binding. */
export type Upstream = "REGISTRATION" | "SCREENING" | "REPOSTS" | "MODERATION";
