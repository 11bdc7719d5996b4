import type { PostCounter } from "./post-counter";

/** Bindings of the reposts worker (see workers/reposts/wrangler.toml). */
export interface Env {
  DB: D1Database;
  POST_COUNTER: DurableObjectNamespace<PostCounter>;
  ENVIRONMENT: string;
}
