import { runAtomic } from "../../../pkg/batch";
import { ApiError } from "../../../pkg/errors";

/**
 * The repost chain (`repost_chain`: repost -> root) is kept flat, a forest of depth one: every
 * `root_post_id` is a root (never itself a repost), every repost has one root (primary key),
 * and a post with spread of its own (`post_spread`) or with reposts of its own never becomes a
 * repost. A flat forest has no cycles.
 *
 * The rule is enforced where an edge is written, in ONE statement, so no interleaving of
 * requests can break it (D1 runs statements one at a time): the root is read from the chain
 * inside the insert (so a parent chained meanwhile is followed to its current root), and the
 * insert happens only if the new repost is not that root and is not a root of anything. The
 * trigger `repost_chain_forest` (migration) refuses any other writer's edge that would break it.
 */
const INSERT_EDGE_SQL = `INSERT INTO repost_chain (repost_post_id, root_post_id, created_at)
  SELECT ?1, r.root, ?3 FROM (SELECT COALESCE((SELECT root_post_id FROM repost_chain WHERE repost_post_id = ?2), ?2) AS root) r
  WHERE r.root <> ?1
    AND NOT EXISTS (SELECT 1 FROM repost_chain WHERE root_post_id = ?1)
    AND NOT EXISTS (SELECT 1 FROM post_spread WHERE root_post_id = ?1)
  ON CONFLICT (repost_post_id) DO NOTHING`;

/**
 * Records `repostPostId` as a repost of `parentPostId`'s root (idempotent: the same edge again
 * is fine). Returns the root the repost is now chained to, which the caller counts toward:
 * it can differ from the root the caller resolved before, when the parent was itself chained
 * to another root meanwhile. Anything else is a conflict: the repost id is already a repost of
 * another root, spreads as a root of its own, or is the parent's root (a loop).
 */
export async function recordChain(db: D1Database, repostPostId: string, parentPostId: string): Promise<string> {
  // The read is in the same transaction as the write: it sees exactly what the write left.
  const [, read] = await runAtomic(db, [
    db.prepare(INSERT_EDGE_SQL).bind(repostPostId, parentPostId, Date.now()),
    db
      .prepare(
        `SELECT (SELECT root_post_id FROM repost_chain WHERE repost_post_id = ?1) AS chained,
                COALESCE((SELECT root_post_id FROM repost_chain WHERE repost_post_id = ?2), ?2) AS parent_root`,
      )
      .bind(repostPostId, parentPostId),
  ]);
  const row = read?.results[0] as { chained: string | null; parent_root: string } | undefined;
  if (!row || row.chained === null || row.chained !== row.parent_root) {
    throw new ApiError(409, "repost_chain_conflict", "`repostPostId` is already a repost of another post, spreads as a root of its own, or would make the repost chain loop.");
  }
  return row.chained;
}
