import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";

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
 * `expires_at` is in the future; screening checks both on every news post.
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
  (t) => [index("publisher_licences_account_idx").on(t.accountId, t.expiresAt)],
);
