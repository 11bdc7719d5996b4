/** Bindings of the screening worker (see workers/screening/wrangler.toml). */
export interface Env {
  DB: D1Database;
  ENVIRONMENT: string;
}
