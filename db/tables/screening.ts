import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";

export const VERDICTS = ["allow", "review", "block"] as const;
export type Verdict = (typeof VERDICTS)[number];

/**
 * Every screened post. Written by the screening worker; the reposts worker reads it
 * to resolve chains and refuse reposts of blocked or removed posts, and moderation
 * sets `removed_at`.
 */
export const posts = sqliteTable(
  "posts",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    /** SHA-256 (hex) of the screened title + text; the text itself is not kept. */
    contentHash: text("content_hash").notNull(),
    kind: text("kind", { enum: ["post", "news", "reprint"] }).notNull(),
    verdict: text("verdict", { enum: VERDICTS }).notNull(),
    /** JSON array of reasons as returned by POST /v1/screen. */
    reasons: text("reasons").notNull(),
    /** JSON array of matched categories, used to pick spread thresholds. */
    categories: text("categories").notNull().default("[]"),
    policyVersion: integer("policy_version").notNull(),
    sourcePostId: text("source_post_id"),
    sourceUrl: text("source_url"),
    createdAt: integer("created_at").notNull(),
    removedAt: integer("removed_at"),
  },
  (t) => [index("posts_account_idx").on(t.accountId, t.createdAt)],
);
