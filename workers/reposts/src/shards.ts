/**
 * Which counting shard an account belongs to: FNV-1a of the account id modulo the post's
 * shard count. Deterministic, so one account always lands on the same shard and per-shard
 * deduplication is exact across the whole post.
 */
export function shardOf(key: string, shards: number): number {
  if (shards <= 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

/** Durable Object names: one coordinator per root post, and `shards` shard objects for hot posts. */
export const coordinatorName = (rootPostId: string) => `post:${rootPostId}`;
export const shardName = (rootPostId: string, index: number) => `post:${rootPostId}:shard:${index}`;

export const ALLOWED_SHARD_COUNTS = [1, 2, 4, 8, 16] as const;
