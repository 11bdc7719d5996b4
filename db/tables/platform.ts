import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";

/** API keys of the gateway. Only the SHA-256 of a key is kept; the key is shown once. */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    role: text("role", { enum: ["app", "operator", "admin"] }).notNull(),
    keyHash: text("key_hash").notNull().unique(),
    /** First characters of the key, so an admin can tell keys apart without the secret. */
    keyPrefix: text("key_prefix").notNull(),
    /** Rate-limit tier (workers/gateway/src/limits.ts): a Rate Limiting namespace per tier. */
    limitTier: text("limit_tier", { enum: ["standard", "high", "unlimited"] }).notNull().default("standard"),
    createdAt: integer("created_at").notNull(),
    revokedAt: integer("revoked_at"),
    lastUsedAt: integer("last_used_at"),
  },
);

/**
 * The accountable record of every decision (registration, licences, account actions,
 * identity reveals, moderation). Append-only: rows are never updated or deleted by the API.
 * Never holds plaintext personal data: subjects are ids, details are codes.
 */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    at: integer("at").notNull(),
    actorKeyId: text("actor_key_id").notNull(),
    actorRole: text("actor_role").notNull(),
    action: text("action").notNull(),
    subjectType: text("subject_type").notNull(),
    subjectId: text("subject_id").notNull(),
    reason: text("reason"),
    requestId: text("request_id"),
    /** JSON object with non-personal details (codes, previous/new status, ...). */
    details: text("details"),
    /**
     * The published screening policy version in force when the entry was written (read by the
     * writer in the entry's own batch; NULL before any policy was published).
     */
    policyVersion: integer("policy_version"),
    /**
     * Chain fields, set once by the moderation worker's AuditChain sequencer (never by writers):
     * a gapless number in insertion order, the previous entry's hash and
     * SHA-256(canonical JSON of the entry ‖ prev_hash). NULL until the entry is chained.
     */
    seq: integer("seq"),
    prevHash: text("prev_hash"),
    hash: text("hash"),
  },
  (t) => [
    index("audit_log_subject_idx").on(t.subjectType, t.subjectId, t.at),
    index("audit_log_at_idx").on(t.at),
    // Unique: two chaining runs can never give one number twice. NULLs (unchained) sort first, in rowid order.
    uniqueIndex("audit_log_seq_uq").on(t.seq),
  ],
);

/**
 * Signed checkpoints of the audit chain: "the entry numbered `seq` has hash `head_hash`",
 * signed with Ed25519 (`AUDIT_SIGNING_KEY`) by the moderation worker, daily and on demand.
 */
export const auditCheckpoints = sqliteTable("audit_checkpoints", {
  seq: integer("seq").primaryKey(),
  headHash: text("head_hash").notNull(),
  signedAt: integer("signed_at").notNull(),
  /** Which key signed: "ed25519:" + the first 16 hex digits of SHA-256 of the raw public key. */
  keyId: text("key_id").notNull(),
  /** base64 Ed25519 signature of the checkpoint message (workers/moderation/README.md). */
  signature: text("signature").notNull(),
});

/**
 * Never holds a row: `guard()` of pkg/batch.ts inserts NULL here when its condition is false,
 * which aborts the whole D1 batch (one transaction) it belongs to.
 */
export const batchGuards = sqliteTable("batch_guards", {
  // TEXT, not INTEGER: an INTEGER PRIMARY KEY is the rowid and would accept NULL.
  ok: text("ok").notNull().primaryKey(),
});
