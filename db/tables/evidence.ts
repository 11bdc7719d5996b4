import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";

/**
 * Metadata of the evidence of screened posts: what a moderator judges (title, text, links,
 * reasons with offsets) lives encrypted in R2 (`EVIDENCE`, sealed with pkg/envelope.ts, bound
 * to the post id); D1 keeps only where it is and how long it may be kept. Written by screening
 * in the batch that records the post; deleted, with its object, by moderation's purge cron.
 */
export const postEvidence = sqliteTable(
  "post_evidence",
  {
    postId: text("post_id").primaryKey(),
    /** R2 key: `posts/<postId>/<contentHash>`. */
    objectKey: text("object_key").notNull().unique(),
    /** SHA-256 (hex) of the plaintext evidence document (not of the sealed bytes). */
    contentHash: text("content_hash").notNull(),
    /** Size of the sealed object in bytes. */
    size: integer("size").notNull(),
    createdAt: integer("created_at").notNull(),
    /**
     * Earliest time the purge may delete it when the post never entered the review queue;
     * a review item of the post overrides it (open: kept; decided: decided_at + the decided retention).
     */
    retainUntil: integer("retain_until").notNull(),
    /** The latest decision of a review item of the post; kept by triggers on review_queue (migration 0033). */
    decidedAt: integer("decided_at"),
  },
  // The purge's two ranges (workers/moderation/src/evidence.ts): never decided and past
  // retain_until; decided before the decided retention's start.
  (t) => [index("post_evidence_purge_idx").on(t.decidedAt, t.retainUntil)],
);
