import { API_KEY_RE, findApiKey } from "../../../pkg/api-keys";
import type { Db } from "../../../pkg/db";
import { sha256Hex, timingSafeEqualStr } from "../../../pkg/ids";
import type { Principal, Role } from "../../../pkg/principal";
import type { LimitTier } from "./limits";

interface CachedKey {
  principal: Principal | null;
  tier: LimitTier;
  until: number;
}

/**
 * Isolate-level cache of key lookups, so most requests cost no D1 read. Revocation through
 * this isolate drops the entry at once; other isolates see it within CACHE_MS.
 */
const cache = new Map<string, CachedKey>();
const CACHE_MS = 10_000;
const CACHE_MAX = 10_000;

export function forgetKeyById(id: string): void {
  for (const [hash, entry] of cache) if (entry.principal?.keyId === id) cache.delete(hash);
}

/** Per isolate: when each key's use was last written to D1 (at most once a minute per key). */
const useRecordedAt = new Map<string, number>();
const USE_RECORD_MS = 60_000;

/** True when this isolate should write the key's `last_used_at` now; false for the next minute. */
function claimUseRecord(keyId: string, now: number): boolean {
  const last = useRecordedAt.get(keyId);
  if (last !== undefined && now - last < USE_RECORD_MS) return false;
  if (useRecordedAt.size >= CACHE_MAX) useRecordedAt.clear();
  useRecordedAt.set(keyId, now);
  return true;
}

/** `recordUse`: write the key's `last_used_at` (off the request path); the bootstrap key has no row. */
export type AuthResult = { ok: true; principal: Principal; tier: LimitTier; recordUse: boolean } | { ok: false; code: "invalid_key" | "revoked_key" };

/** Resolves a presented bearer token to a principal: the bootstrap ADMIN_KEY or a stored key. */
export async function authenticate(db: Db, token: string, adminKey: string | undefined): Promise<AuthResult> {
  if (adminKey && adminKey.length >= 16 && timingSafeEqualStr(token, adminKey)) {
    return { ok: true, principal: { keyId: "bootstrap-admin", role: "admin" }, tier: "standard", recordUse: false };
  }
  if (!API_KEY_RE.test(token)) return { ok: false, code: "invalid_key" };
  const keyHash = await sha256Hex(token);
  const now = Date.now();
  const hit = cache.get(keyHash);
  if (hit && hit.until > now) {
    return hit.principal ? { ok: true, principal: hit.principal, tier: hit.tier, recordUse: claimUseRecord(hit.principal.keyId, now) } : { ok: false, code: "invalid_key" };
  }

  const row = await findApiKey(db, token);
  if (row?.revokedAt != null) {
    cache.delete(keyHash);
    return { ok: false, code: "revoked_key" };
  }
  const principal = row ? { keyId: row.id, role: row.role as Role } : null;
  if (cache.size >= CACHE_MAX) cache.clear();
  const tier = row?.tier ?? "standard";
  cache.set(keyHash, { principal, tier, until: now + CACHE_MS });
  return principal ? { ok: true, principal, tier, recordUse: claimUseRecord(principal.keyId, now) } : { ok: false, code: "invalid_key" };
}
