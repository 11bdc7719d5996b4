/** Bindings of the moderation worker (see workers/moderation/wrangler.toml). */
export interface Env {
  DB: D1Database;
  ENVIRONMENT: string;
}
