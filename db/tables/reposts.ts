import { sql } from "drizzle-orm";
import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Write-behind copy of each root post's spread, flushed by the post's Durable Object.
 * `version` only grows: a flush applies only when newer (`WHERE version < excluded.version`),
 * so a late, older flush never overwrites a newer count. Reads never wake an object.
 */
export const postSpread = sqliteTable(
  "post_spread",
  {
    rootPostId: text("root_post_id").primaryKey(),
    reposts: integer("reposts").notNull().default(0),
    views: integer("views").notNull().default(0),
    version: integer("version").notNull().default(0),
    /** JSON array of `{ name, crossedAt }` (crossedAt in ms). */
    levels: text("levels").notNull().default("[]"),
    escalated: integer("escalated", { mode: "boolean" }).notNull().default(false),
    /** Counting shards of the post's current epoch; set at its first count, only ever raised. */
    shards: integer("shards").notNull().default(1),
    /** JSON array of the shard counts of earlier epochs (frozen), oldest first; "[]" if never raised. */
    shardHistory: text("shard_history").notNull().default("[]"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("post_spread_updated_idx").on(t.updatedAt), index("post_spread_reposts_idx").on(t.reposts)],
);

/** Repost post id -> root post id, so a repost of a repost counts toward the root. */
export const repostChain = sqliteTable(
  "repost_chain",
  {
    repostPostId: text("repost_post_id").primaryKey(),
    rootPostId: text("root_post_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("repost_chain_root_idx").on(t.rootPostId)],
);

export const SPREAD_METRICS = ["reposts", "views"] as const;
/** escalate: one review-queue item; label: informational; shard: raise the post to HOT_SHARDS counting shards. */
export const SPREAD_ACTIONS = ["escalate", "label", "shard"] as const;

/**
 * Spread threshold rules. A level (e.g. "spreading", "escalate") is crossed when any of its
 * applicable rules is met; `category` / `verdict` null mean "any". Seeded by a migration.
 * A rule's identity (its slot) is (level, metric, category, verdict), null = any: one rule per
 * slot, enforced by a unique index (`PATCH /v1/spread/thresholds` changes rules by slot).
 */
export const spreadThresholds = sqliteTable(
  "spread_thresholds",
  {
    id: text("id").primaryKey(),
    level: text("level").notNull(),
    metric: text("metric", { enum: SPREAD_METRICS }).notNull(),
    value: integer("value").notNull(),
    action: text("action", { enum: SPREAD_ACTIONS }).notNull(),
    category: text("category"),
    verdict: text("verdict"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("spread_thresholds_slot_idx").on(t.level, t.metric, sql`coalesce(${t.category}, '')`, sql`coalesce(${t.verdict}, '')`)],
);
