import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Stories: groups of near-duplicate posts (workers/screening/src/stories). Screening writes
 * `stories`, `story_buckets` and `story_posts` when it records a post; the reposts worker writes
 * the spread columns (`reposts`, `views`, `spread_updated_at`, `escalated_at`) when it flushes a
 * copy's counts; moderation writes `removed_*` when it removes a story.
 */
export const stories = sqliteTable(
  "stories",
  {
    id: text("id").primaryKey(),
    /** MinHash signature of the first copy (base64 of 128 little-endian uint32), the story's reference text. */
    signature: text("signature").notNull(),
    firstPostId: text("first_post_id").notNull(),
    firstSeenAt: integer("first_seen_at").notNull(),
    lastSeenAt: integer("last_seen_at").notNull(),
    /** Posts in the story (screened copies) and distinct posting accounts among them. */
    copies: integer("copies").notNull().default(1),
    accounts: integer("accounts").notNull().default(1),
    /** Reposts and views summed over the copies' flushed spread (post_spread), by the reposts worker. */
    reposts: integer("reposts").notNull().default(0),
    views: integer("views").notNull().default(0),
    spreadUpdatedAt: integer("spread_updated_at"),
    /** When a story threshold first opened its review signal (set once). */
    escalatedAt: integer("escalated_at"),
    /** Set when moderators removed the story: a new copy is then screened with `matches_removed_story`. */
    removedAt: integer("removed_at"),
    removedDecisionId: text("removed_decision_id"),
  },
  (t) => [
    index("stories_copies_idx").on(t.copies, t.id),
    index("stories_accounts_idx").on(t.accounts, t.id),
    index("stories_reposts_idx").on(t.reposts, t.id),
    index("stories_views_idx").on(t.views, t.id),
  ],
);

/**
 * LSH buckets of each story's reference signature: `bucket` = band × 2^32 + the band's hash. A
 * post's candidates are the stories sharing one of its buckets.
 */
export const storyBuckets = sqliteTable(
  "story_buckets",
  {
    bucket: integer("bucket").notNull(),
    storyId: text("story_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.storyId] }), index("story_buckets_story_idx").on(t.storyId)],
);

/** Which story a post belongs to (at most one), with its estimated similarity to the story's reference text. */
export const storyPosts = sqliteTable(
  "story_posts",
  {
    postId: text("post_id").primaryKey(),
    storyId: text("story_id").notNull(),
    accountId: text("account_id").notNull(),
    /** Estimated similarity in percent (100 for the first copy). */
    similarity: integer("similarity").notNull(),
    joinedAt: integer("joined_at").notNull(),
  },
  (t) => [index("story_posts_story_idx").on(t.storyId, t.joinedAt), index("story_posts_account_idx").on(t.storyId, t.accountId)],
);

export const STORY_METRICS = ["copies", "accounts", "reposts", "views"] as const;
export type StoryMetric = (typeof STORY_METRICS)[number];
