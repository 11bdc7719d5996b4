import { sql } from "drizzle-orm";
import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";

export const ACCOUNT_STATUSES = [
  "pending_phone",
  "pending_identity",
  "under_review",
  "verified",
  "rejected",
  "suspended",
  "closed",
] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

/**
 * Public and personal accounts. Owned by the registration worker; screening reads
 * `status` and `kind`, so those columns are a cross-worker contract.
 */
export const accounts = sqliteTable(
  "accounts",
  {
    id: text("id").primaryKey(),
    handle: text("handle").notNull().unique(),
    displayName: text("display_name").notNull(),
    kind: text("kind", { enum: ["public", "personal"] }).notNull(),
    status: text("status", { enum: ACCOUNT_STATUSES }).notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    verifiedAt: integer("verified_at"),
  },
  (t) => [index("accounts_status_idx").on(t.status)],
);

/**
 * News-publisher licences. A licence counts while `revoked_at` is null and
 * `expires_at` is in the future; screening checks both on every news post. At most one
 * unrevoked licence per (account, licence number) (partial unique index).
 */
export const publisherLicences = sqliteTable(
  "publisher_licences",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id),
    /** JSON array of categories this licence covers, e.g. ["political_news"]. */
    scope: text("scope").notNull(),
    licenceNumber: text("licence_number").notNull(),
    issuer: text("issuer").notNull(),
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
    revokedReason: text("revoked_reason"),
    createdAt: integer("created_at").notNull(),
    createdBy: text("created_by").notNull(),
  },
  (t) => [
    index("publisher_licences_account_idx").on(t.accountId, t.expiresAt),
    // One unrevoked licence per account and licence number, whatever the races of grants:
    // a second concurrent grant fails here and is answered from the row that won.
    uniqueIndex("publisher_licences_active_uq").on(t.accountId, t.licenceNumber).where(sql`revoked_at IS NULL`),
  ],
);

// ---------------------------------------------------------------------------------------
// Registration-internal tables (owned by workers/registration). None of them holds a
// plaintext name, document number or phone: ciphertexts, keyed HMACs and ids only.
// ---------------------------------------------------------------------------------------

/**
 * Extra per-account state of the registration worker, kept beside `accounts` so the
 * cross-worker contract table stays unchanged.
 */
export const accountState = sqliteTable("account_state", {
  accountId: text("account_id")
    .primaryKey()
    .references(() => accounts.id),
  /** Status to return to on `restore` (set while suspended). */
  statusBeforeSuspension: text("status_before_suspension", { enum: ACCOUNT_STATUSES }),
  warningCount: integer("warning_count").notNull().default(0),
});

/**
 * The identity vault: one row per account. Fields are AES-256-GCM ciphertexts
 * (base64 of iv || ciphertext+tag) under the account's own data key; the data key is
 * stored wrapped by the master key `kid`. Crypto-shredding nulls `wrapped_key` (and the
 * ciphertexts): copies kept by D1 Time Travel can no longer be decrypted.
 */
export const identityVault = sqliteTable(
  "identity_vault",
  {
    accountId: text("account_id")
      .primaryKey()
      .references(() => accounts.id),
    documentType: text("document_type").notNull(),
    kid: text("kid"),
    wrappedKey: text("wrapped_key"),
    nameCt: text("name_ct"),
    documentCt: text("document_ct"),
    phoneCt: text("phone_ct"),
    /** HMAC blind index of the E.164 phone: one account per phone. */
    phoneBidx: text("phone_bidx").unique(),
    /** How the identity is being checked: "provider" (asynchronous) or "manual". */
    checkMethod: text("check_method"),
    /** Provider's reference of the pending check, matched by its webhook. */
    checkRef: text("check_ref"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    erasedAt: integer("erased_at"),
  },
  (t) => [index("identity_vault_kid_idx").on(t.kid)],
);

/**
 * Which accounts an identity is bound to. `slot` runs 1..N (N per account kind); the
 * unique (identity, kind, slot) index makes "at most N accounts per identity" exact under
 * concurrency, and a NOT NULL slot makes an insert fail when no slot is free.
 */
export const identityBindings = sqliteTable(
  "identity_bindings",
  {
    identityBidx: text("identity_bidx").notNull(),
    kind: text("kind", { enum: ["public", "personal"] }).notNull(),
    slot: integer("slot").notNull(),
    accountId: text("account_id")
      .notNull()
      .unique()
      .references(() => accounts.id),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("identity_bindings_slot_uq").on(t.identityBidx, t.kind, t.slot)],
);

/**
 * Phone verification codes and their throttling counters, per phone (blind index), so
 * cooldown and hourly/daily caps hold across isolates and across accounts of one phone.
 */
export const phoneCodes = sqliteTable("phone_codes", {
  phoneBidx: text("phone_bidx").primaryKey(),
  accountId: text("account_id").notNull(),
  /** HMAC of the current code; null when none is active. */
  codeHmac: text("code_hmac"),
  expiresAt: integer("expires_at").notNull().default(0),
  attempts: integer("attempts").notNull().default(0),
  lastSentAt: integer("last_sent_at").notNull().default(0),
  hourStart: integer("hour_start").notNull().default(0),
  hourCount: integer("hour_count").notNull().default(0),
  dayStart: integer("day_start").notNull().default(0),
  dayCount: integer("day_count").notNull().default(0),
});

/** Identity-provider webhook events already processed (de-duplication by event id). */
export const idvWebhookEvents = sqliteTable("idv_webhook_events", {
  eventId: text("event_id").primaryKey(),
  accountId: text("account_id"),
  outcome: text("outcome").notNull(),
  receivedAt: integer("received_at").notNull(),
});

/**
 * Messages of the local SMS sender (local dev and tests only; empty in production).
 * Keyed by the phone's blind index, so even this table holds no phone number.
 */
export const devSmsOutbox = sqliteTable(
  "dev_sms_outbox",
  {
    id: text("id").primaryKey(),
    phoneBidx: text("phone_bidx").notNull(),
    body: text("body").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("dev_sms_outbox_phone_idx").on(t.phoneBidx, t.createdAt)],
);
