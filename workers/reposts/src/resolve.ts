import { ApiError } from "../../../pkg/errors";

/** A post id resolved to its root post, with what counting needs to know about both. */
export interface ResolvedPost {
  rootPostId: string;
  /** True when the given id was a recorded repost rather than the root itself. */
  viaChain: boolean;
  verdict: string;
  categories: string[];
  /** Shard count fixed for the root post, or null before its first count. */
  shards: number | null;
  /** Shard counts of earlier epochs (empty unless the post was raised). */
  history: number[];
  authorKind: string | null;
  target: { verdict: string | null; removedAt: number | null };
  root: { removedAt: number | null };
}

interface Row {
  root: string;
  via_chain: number;
  t_verdict: string | null;
  t_removed: number | null;
  p_id: string | null;
  p_verdict: string | null;
  p_removed: number | null;
  p_categories: string | null;
  a_kind: string | null;
  shards: number | null;
  shard_history: string | null;
}

/**
 * One D1 round trip: the chain (repost -> root), the post itself, the root post, its author's
 * kind and its spread row. Unknown post (neither screened nor a recorded repost) -> 404.
 */
export async function resolvePost(db: D1Database, postId: string): Promise<ResolvedPost> {
  const row = await db
    .prepare(
      `WITH r AS (SELECT COALESCE((SELECT root_post_id FROM repost_chain WHERE repost_post_id = ?1), ?1) AS root,
                         EXISTS (SELECT 1 FROM repost_chain WHERE repost_post_id = ?1) AS via_chain)
       SELECT r.root, r.via_chain, t.verdict AS t_verdict, t.removed_at AS t_removed,
              p.id AS p_id, p.verdict AS p_verdict, p.removed_at AS p_removed, p.categories AS p_categories,
              a.kind AS a_kind, s.shards, s.shard_history
       FROM r LEFT JOIN posts t ON t.id = ?1 LEFT JOIN posts p ON p.id = r.root
              LEFT JOIN accounts a ON a.id = p.account_id LEFT JOIN post_spread s ON s.root_post_id = r.root`,
    )
    .bind(postId)
    .first<Row>();
  if (!row || row.p_id === null) throw new ApiError(404, "post_not_found", "No screened post or recorded repost has this id.");
  return {
    rootPostId: row.root,
    viaChain: row.via_chain === 1,
    verdict: row.p_verdict ?? "allow",
    categories: parseCategories(row.p_categories),
    shards: row.shards,
    history: parseHistory(row.shard_history),
    authorKind: row.a_kind,
    target: { verdict: row.t_verdict, removedAt: row.t_removed },
    root: { removedAt: row.p_removed },
  };
}

function parseHistory(json: string | null): number[] {
  try {
    const v: unknown = JSON.parse(json ?? "[]");
    return Array.isArray(v) ? v.filter((n): n is number => Number.isInteger(n) && n > 0) : [];
  } catch {
    return [];
  }
}

function parseCategories(json: string | null): string[] {
  try {
    const v: unknown = JSON.parse(json ?? "[]");
    return Array.isArray(v) ? v.filter((c): c is string => typeof c === "string") : [];
  } catch {
    return [];
  }
}

/** Reposting spreads a post further: refused when it (or its root) was blocked or removed. */
export function assertRepostable(p: ResolvedPost): void {
  if (p.target.removedAt !== null || p.root.removedAt !== null) {
    throw new ApiError(409, "post_removed", "Moderation removed this post; it cannot be reposted or counted.");
  }
  if (p.target.verdict === "block" || p.verdict === "block") {
    throw new ApiError(409, "post_blocked", "Screening blocked this post; it cannot be reposted or counted.");
  }
}
