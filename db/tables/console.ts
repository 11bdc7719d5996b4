import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";

/**
 * Sessions of the operator console (workers/console). A session is opened by signing in with a
 * stored API key; only the SHA-256 of the session id is kept (the id lives in the browser's
 * HttpOnly cookie), and the key itself is never stored — `key_id` points at `api_keys`, whose
 * `revoked_at` ends every session of the key at once.
 */
export const consoleSessions = sqliteTable(
  "console_sessions",
  {
    idHash: text("id_hash").primaryKey(),
    keyId: text("key_id").notNull(),
    role: text("role", { enum: ["operator", "admin"] }).notNull(),
    /** The synchronizer token every form of the session carries (random, per session). */
    csrfToken: text("csrf_token").notNull(),
    createdAt: integer("created_at").notNull(),
    lastSeenAt: integer("last_seen_at").notNull(),
    /** Idle expiry: moved forward on use (at most once a minute). */
    idleExpiresAt: integer("idle_expires_at").notNull(),
    /** Absolute expiry: never moved. */
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("console_sessions_key_idx").on(t.keyId), index("console_sessions_expires_idx").on(t.expiresAt)],
);
