import type { PostCounter } from "./post-counter";
import type { RepostShard } from "./repost-shard";

/** Bindings of the reposts worker (see workers/reposts/wrangler.toml). */
export interface Env {
  DB: D1Database;
  /** One coordinator object per root post. */
  POST_COUNTER: DurableObjectNamespace<PostCounter>;
  /** Counting shards of hot posts. */
  REPOST_SHARD: DurableObjectNamespace<RepostShard>;
  ENVIRONMENT: string;
  /** Shards of an ordinary post (1 = the coordinator counts alone). */
  DEFAULT_SHARDS?: string;
  /** Shards of a post by a public account (likely to go viral). */
  HOT_SHARDS?: string;
}
