/** Bindings of the registration worker (see workers/registration/wrangler.toml). */
export interface Env {
  DB: D1Database;
  ENVIRONMENT: string;
}
