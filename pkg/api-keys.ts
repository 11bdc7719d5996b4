import { eq } from "drizzle-orm";
import { apiKeys } from "../db/schema";
import type { Db } from "./db";
import { sha256Hex } from "./ids";
import type { Role } from "./principal";

/** Keys look like `gh_<43 base64url chars>`: 256 random bits, so a plain SHA-256 is a safe store. */
export const API_KEY_RE = /^gh_[A-Za-z0-9_-]{43}$/;

export interface StoredKey {
  id: string;
  role: Role;
  tier: "standard" | "high" | "unlimited";
  revokedAt: number | null;
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
