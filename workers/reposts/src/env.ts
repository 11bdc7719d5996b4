/**
 * Bindings of the reposts worker (POST_COUNTER: one coordinator object per root post;
 * REPOST_SHARD: counting shards of hot posts; DEFAULT_SHARDS / HOT_SHARDS: shards of an
 * ordinary post / a post by a public account): generated from workers/reposts/wrangler.toml
 * into ../worker-configuration.d.ts (`npm run types`).
 */
export type Env = RepostsEnv;
