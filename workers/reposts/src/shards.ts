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

/** Durable Object names: one coordinator per root post, and `shards` shard objects per epoch for hot posts. */
export const coordinatorName = (rootPostId: string) => `post:${rootPostId}`;
export const shardName = (rootPostId: string, index: number, epoch = 0) =>
  epoch === 0 ? `post:${rootPostId}:shard:${index}` : `post:${rootPostId}:e${epoch}:shard:${index}`;

/** The coordinator's key for one shard's reported totals. */
export const slotOf = (epoch: number, index: number) => `${epoch}:${index}`;

/** Who counts `key` in an epoch of `count` shards: epoch 0 with one shard is the coordinator itself. */
export type Owner = { kind: "coordinator" } | { kind: "shard"; epoch: number; index: number };
export function ownerOf(epoch: number, count: number, key: string): Owner {
  if (epoch === 0 && count <= 1) return { kind: "coordinator" };
  return { kind: "shard", epoch, index: shardOf(key, count) };
}

export const ALLOWED_SHARD_COUNTS = [1, 2, 4, 8, 16] as const;
