import { and, desc, eq, lt, or, sql } from "drizzle-orm";
import { apiKeys } from "../db/schema";
import { auditStatement, type AuditActor } from "./audit";
import { runAtomic } from "./batch";
import { decodeCursor, nextCursor } from "./cursor";
import { createDb, type Db } from "./db";
import { bytesToBase64Url } from "./encoding";
import { newId, sha256Hex } from "./ids";
import type { Role } from "./principal";
import { isoOrNull } from "./schemas";

/**
 * API keys, for the gateway (its /v1/keys routes and its authentication) and the console (its
 * sign-in and its Keys page): one implementation of the hash check, creation, listing and
 * revocation. The gateway's isolate cache of lookups stays in the gateway.
 */

/** Keys look like `gh_<43 base64url chars>`: 256 random bits, so a plain SHA-256 is a safe store. */
export const API_KEY_RE = /^gh_[A-Za-z0-9_-]{43}$/;
export const KEY_PREFIX_LENGTH = 10;

export type KeyTier = "standard" | "high" | "unlimited";
/** The tier a new key gets unless the admin chooses: apps are backends, people are not. */
export const DEFAULT_TIER: Record<Role, KeyTier> = { app: "high", operator: "standard", admin: "standard" };

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export interface StoredKey {
  id: string;
  role: Role;
  tier: KeyTier;
  revokedAt: number | null;
}

export function generateApiKey(): string {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  return `gh_${bytesToBase64Url(bytes)}`;
}

/** What an admin sees of a key: never the key, never its hash. */
export function apiKeyView(r: ApiKeyRow) {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    tier: r.limitTier,
    prefix: r.keyPrefix,
    createdAt: isoOrNull(r.createdAt)!,
    revokedAt: isoOrNull(r.revokedAt),
    lastUsedAt: isoOrNull(r.lastUsedAt),
  };
}

/**
 * The stored key a presented token is, by its SHA-256 (the one hash check of the gateway and
 * the console's sign-in): null for a malformed or unknown token. The caller decides what a
 * revoked key means.
 */
export async function findApiKey(db: Db, token: string): Promise<StoredKey | null> {
  if (!API_KEY_RE.test(token)) return null;
  const keyHash = await sha256Hex(token);
  const row = await db
    .select({ id: apiKeys.id, role: apiKeys.role, tier: apiKeys.limitTier, revokedAt: apiKeys.revokedAt })
    .from(apiKeys)
    .where(eq(apiKeys.keyHash, keyHash))
    .get();
  return row ? { id: row.id, role: row.role as Role, tier: row.tier, revokedAt: row.revokedAt } : null;
}

export async function findApiKeyById(db: Db, id: string): Promise<ApiKeyRow | undefined> {
  return db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
}

/** Creates a key (stored as its SHA-256) with its audit entry in one batch; the key itself is returned once. */
export async function createApiKey(
  d1: D1Database,
  actor: AuditActor,
  requestId: string,
  input: { role: Role; name: string; tier?: KeyTier },
): Promise<{ row: ApiKeyRow; key: string }> {
  const key = generateApiKey();
  const row: ApiKeyRow = {
    id: newId("key"),
    name: input.name,
    role: input.role,
    limitTier: input.tier ?? DEFAULT_TIER[input.role],
    keyHash: await sha256Hex(key),
    keyPrefix: key.slice(0, KEY_PREFIX_LENGTH),
    createdAt: Date.now(),
    revokedAt: null,
    lastUsedAt: null,
  };
  await runAtomic(d1, [
    createDb(d1).insert(apiKeys).values(row),
    auditStatement(actor, requestId, { action: "key.created", subjectType: "api_key", subjectId: row.id, details: { role: input.role, tier: row.limitTier } }),
  ]);
  return { row, key };
}

/** Keys newest first, a page at a time (`nextCursor` null on the last page). */
export async function listApiKeys(db: Db, limit: number, cursor: string | undefined): Promise<{ rows: ApiKeyRow[]; nextCursor: string | null }> {
  const after = decodeCursor(cursor);
  const rows = await db
    .select()
    .from(apiKeys)
    .where(after ? or(lt(apiKeys.createdAt, after.key), and(eq(apiKeys.createdAt, after.key), lt(apiKeys.id, after.id))) : undefined)
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
    .limit(limit);
  return { rows, nextCursor: nextCursor(rows, limit, (r) => ({ key: r.createdAt, id: r.id })) };
}

/** Revokes a key; revoking twice, or many times at once, writes one revocation and one audit entry. */
export async function revokeApiKey(d1: D1Database, actor: AuditActor, requestId: string, id: string): Promise<void> {
  await runAtomic(d1, [
    d1.prepare(`UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`).bind(Date.now(), id),
    auditStatement(actor, requestId, { action: "key.revoked", subjectType: "api_key", subjectId: id }, { onlyIf: sql`changes() = 1` }),
  ]);
}

export type TierChange = { outcome: "not_found" } | { outcome: "revoked" } | { outcome: "changed" | "unchanged"; row: ApiKeyRow };

/**
 * Changes a key's rate-limit tier, audited as `key.tier_changed` with `{from, to}`. The update is
 * guarded by the tier it read, so of concurrent changes each one that changes something is
 * audited once, and asking for the current tier writes nothing. A revoked key is not changed.
 * The gateway's isolate cache of the key is the caller's to forget.
 */
export async function changeApiKeyTier(d1: D1Database, actor: AuditActor, requestId: string, id: string, tier: KeyTier, reason?: string): Promise<TierChange> {
  const db = createDb(d1);
  const row = await findApiKeyById(db, id);
  if (!row) return { outcome: "not_found" };
  if (row.revokedAt != null) return { outcome: "revoked" };
  if (row.limitTier === tier) return { outcome: "unchanged", row };
  await runAtomic(d1, [
    d1.prepare(`UPDATE api_keys SET limit_tier = ? WHERE id = ? AND limit_tier = ?`).bind(tier, id, row.limitTier),
    auditStatement(actor, requestId, { action: "key.tier_changed", subjectType: "api_key", subjectId: id, reason, details: { from: row.limitTier, to: tier } }, { onlyIf: sql`changes() = 1` }),
  ]);
  const after = await findApiKeyById(db, id);
  return after ? { outcome: "changed", row: after } : { outcome: "not_found" };
}
