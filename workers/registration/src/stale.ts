import { and, eq, inArray, lt, or } from "drizzle-orm";
import { accounts, identityBindings, identityVault } from "../../../db/schema";
import type { Db } from "../../../pkg/db";
import { ApiError } from "../../../pkg/errors";
import type { Env } from "./env";
import { loadAccount, releaseIdentity, transition, type SystemActor } from "./repo";

export const EXPIRY_ACTOR: SystemActor = { keyId: "registration-expiry", role: "system" };

export function pendingPhoneTtlMs(env: Env): number {
  const hours = Number(env.PENDING_PHONE_TTL_HOURS);
  return (Number.isInteger(hours) && hours >= 1 && hours <= 24 * 30 ? hours : 24) * 3_600_000;
}

/**
 * Registrations that never verified their phone must not hold an identity or a phone
 * forever (someone could squat another person's document number). When a new registration
 * needs that identity or phone, such accounts older than PENDING_PHONE_TTL_HOURS are
 * closed and release both, each in its own audited transaction.
 */
export async function expireStalePending(db: Db, env: Env, now: number, wanted: { identityBidx: string; kind: "public" | "personal"; phoneBidx: string }): Promise<number> {
  const bound = db
    .select({ id: identityBindings.accountId })
    .from(identityBindings)
    .where(and(eq(identityBindings.identityBidx, wanted.identityBidx), eq(identityBindings.kind, wanted.kind)));
  const holdingPhone = db.select({ id: identityVault.accountId }).from(identityVault).where(eq(identityVault.phoneBidx, wanted.phoneBidx));
  const stale = await db
    .select({ id: accounts.id })
    .from(accounts)
    .where(and(eq(accounts.status, "pending_phone"), lt(accounts.createdAt, now - pendingPhoneTtlMs(env)), or(inArray(accounts.id, bound), inArray(accounts.id, holdingPhone))));
  let expired = 0;
  for (const { id } of stale) {
    try {
      await transition(db, await loadAccount(db, id), "close", {
        actor: EXPIRY_ACTOR,
        now,
        audit: { action: "account.expired_unverified", details: { reasonCode: "phone_not_verified_in_time" } },
        extra: [...releaseIdentity(db, id)],
      });
      expired++;
    } catch (err) {
      // Verified or closed meanwhile: it keeps what it holds, and the registration's own constraints decide.
      if (!(err instanceof ApiError)) throw err;
    }
  }
  return expired;
}
