import { sqliteTable, text, integer, index, primaryKey, uniqueIndex } from "drizzle-orm/sqlite-core";

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

/**
 * Screening categories and what each severity (1–10) of a match in them leads to.
 * `ranges` is a JSON array of `{ min, max, action }`; severities no range covers are allowed.
 * `licence_required`: matches only pass for accounts holding a current publisher licence
 * whose scope names this category (`political_news`). Seeded by a custom migration.
 */
export const screeningCategories = sqliteTable("screening_categories", {
  name: text("name").primaryKey(),
  ranges: text("ranges").notNull(),
  licenceRequired: integer("licence_required", { mode: "boolean" }).notNull().default(false),
  updatedAt: integer("updated_at").notNull(),
});

/** A named list of terms; every term of it belongs to the list's category. */
export const termLists = sqliteTable("term_lists", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  category: text("category").notNull(),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * Terms of the lists. The integer id is the engine's `termId`, so reasons can name the
 * term; AUTOINCREMENT never reuses an id, so ids in older policy versions stay unambiguous.
 * `flags` is a JSON object of engine flags (null = engine defaults).
 */
export const terms = sqliteTable(
  "terms",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    listId: text("list_id").notNull(),
    pattern: text("pattern").notNull(),
    severity: integer("severity").notNull(),
    flags: text("flags"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("terms_list_pattern_idx").on(t.listId, t.pattern)],
);

/** Phrases whose occurrences never count as a term match (e.g. a place name containing a term). */
export const allowPhrases = sqliteTable("allow_phrases", {
  id: text("id").primaryKey(),
  phrase: text("phrase").notNull().unique(),
  createdAt: integer("created_at").notNull(),
});

/** Domains whose links block a post; subdomains are included. Stored lower-case, punycode. */
export const blockedDomains = sqliteTable("blocked_domains", {
  id: text("id").primaryKey(),
  domain: text("domain").notNull().unique(),
  createdAt: integer("created_at").notNull(),
});

/** The action for each kind of contact or advert found in a post. Seeded. */
export const contactRules = sqliteTable("contact_rules", {
  kind: text("kind", { enum: ["phone", "qq", "wechat", "email", "url"] }).primaryKey(),
  action: text("action", { enum: VERDICTS }).notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * Immutable published policies. `config` is the JSON snapshot of categories, contact rules
 * and blocked domains taken at publish time, so a version (and a rollback to it) means
 * exactly what was published. The compiled matcher is the R2 object `object_key` (bucket
 * POLICIES); versions published before 2026-12-07 keep it in `policy_chunks` (object_key null).
 */
export const policyVersions = sqliteTable("policy_versions", {
  version: integer("version").primaryKey(),
  contentHash: text("content_hash").notNull(),
  termCount: integer("term_count").notNull(),
  allowCount: integer("allow_count").notNull(),
  byteSize: integer("byte_size").notNull(),
  chunkCount: integer("chunk_count").notNull(),
  objectKey: text("object_key"),
  config: text("config").notNull(),
  createdAt: integer("created_at").notNull(),
  createdBy: text("created_by").notNull(),
});

/**
 * The serialized matcher of a version published before 2026-12-07, base64 in chunks well under
 * D1's 2 MB row limit. Read only: publishing writes an R2 object (policy_versions.object_key).
 */
export const policyChunks = sqliteTable(
  "policy_chunks",
  {
    version: integer("version").notNull(),
    seq: integer("seq").notNull(),
    data: text("data").notNull(),
  },
  (t) => [primaryKey({ columns: [t.version, t.seq] })],
);

/** One row (id = 1): the version every isolate should screen with. */
export const policyCurrent = sqliteTable("policy_current", {
  id: integer("id").primaryKey(),
  version: integer("version").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * Web outlets of news publishers: a reprint whose source URL is on one of these domains
 * (subdomains included) counts as authorised while the account holds a current licence.
 */
export const publisherOutlets = sqliteTable(
  "publisher_outlets",
  {
    domain: text("domain").primaryKey(),
    accountId: text("account_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("publisher_outlets_account_idx").on(t.accountId)],
);
