import { eq, sql } from "drizzle-orm";
import { phoneCodes } from "../../../db/schema";
import type { Db } from "../../../pkg/db";
import { ApiError } from "../../../pkg/errors";
import { timingSafeEqualStr } from "../../../pkg/ids";
import { log } from "../../../pkg/log";
import type { Principal } from "../../../pkg/principal";
import { issueCode } from "./codes";
import { codePolicy, smsChannel, type SmsChannel } from "./config";
import type { Deps, Env } from "./env";
import { guard } from "../../../pkg/batch";
import { concurrentChange, isGuardFailure, transition, type EventRelay, type LoadedAccount } from "./repo";
import { SmsDeliveryError } from "./sms";
import { codeHmac, loadVaultKeys } from "./vault";

export interface PhoneTarget {
  accountId: string;
  phoneBidx: string;
  e164: string;
}

export type CodeDelivery = { codeSent: true } | { codeSent: false; reason: "code_resend_cooldown" | "code_hourly_cap" | "code_daily_cap" | "sms_delivery_failed"; retryAfterSeconds?: number };

/**
 * Issues a code (if the phone's cooldown and caps allow) and sends it. Delivery failures
 * are reported, not thrown: the account exists either way and can ask for a resend. A
 * misconfigured channel is 503 `sms_unavailable` before any code is issued (`smsChannel`).
 */
export async function registerPhoneCode(env: Env, db: Db, deps: Deps, target: PhoneTarget, requestId?: string, channel: SmsChannel = smsChannel(env, db, deps)): Promise<CodeDelivery> {
  const keys = await loadVaultKeys(env);
  const policy = codePolicy(env);
  const issued = await issueCode(db, keys, policy, target.phoneBidx, target.accountId, deps.now());
  if (!issued.issued) return { codeSent: false, reason: issued.reason, retryAfterSeconds: issued.retryAfterSeconds };
  try {
    await channel.sender.send({ e164: target.e164, phoneBidx: target.phoneBidx }, channel.message(issued.code, policy.ttlMs));
  } catch (err) {
    if (!(err instanceof SmsDeliveryError)) throw err;
    log("warn", "sms_delivery_failed", { requestId, accountId: target.accountId, error: err.message.slice(0, 100) });
    return { codeSent: false, reason: "sms_delivery_failed" };
  }
  return { codeSent: true };
}

/** The 429 of a refused send, with Retry-After. */
export function throttled(reason: "code_resend_cooldown" | "code_hourly_cap" | "code_daily_cap", retryAfterSeconds: number): ApiError {
  const detail =
    reason === "code_resend_cooldown"
      ? "A code was sent less than a minute ago; wait before asking for another."
      : reason === "code_hourly_cap"
        ? "Too many codes were sent to this phone in the last hour."
        : "Too many codes were sent to this phone today.";
  return new ApiError(429, reason, detail, { retryAfterSeconds, headers: { "retry-after": String(retryAfterSeconds) } });
}

/**
 * Checks a submitted code. Wrong tries are counted with a conditional increment (exact
 * across isolates); the code locks after the policy's maximum. A right code is consumed
 * in the same transaction that moves the account on, guarded so it works once only.
 */
export async function verifyPhoneCode(env: Env, db: Db, deps: Deps, loaded: LoadedAccount, code: string, actor: Principal, requestId?: string, relay?: EventRelay): Promise<void> {
  const { account, vault } = loaded;
  if (account.status !== "pending_phone") {
    throw new ApiError(409, "invalid_transition", `The phone of an account that is ${account.status} cannot be verified.`, { accountStatus: account.status });
  }
  if (!vault?.phoneBidx) throw new ApiError(409, "code_not_active", "No code is active for this account; request a new one.");
  const policy = codePolicy(env);
  const now = deps.now();
  const row = await db.select().from(phoneCodes).where(eq(phoneCodes.phoneBidx, vault.phoneBidx)).get();
  if (!row || row.accountId !== account.id || !row.codeHmac) throw new ApiError(409, "code_not_active", "No code is active for this account; request a new one.");
  if (row.attempts >= policy.maxAttempts) throw locked(row.lastSentAt, policy.cooldownMs, now);
  if (row.expiresAt <= now) throw new ApiError(410, "code_expired", "This code has expired; request a new one.");

  const keys = await loadVaultKeys(env);
  const submitted = await codeHmac(keys, vault.phoneBidx, code);
  if (!timingSafeEqualStr(submitted, row.codeHmac)) {
    const counted = await db.all<{ attempts: number }>(sql`
      UPDATE phone_codes SET attempts = attempts + 1
      WHERE phone_bidx = ${vault.phoneBidx} AND code_hmac = ${row.codeHmac} AND attempts < ${policy.maxAttempts}
      RETURNING attempts`);
    const attempts = counted[0]?.attempts ?? policy.maxAttempts;
    if (attempts >= policy.maxAttempts) throw locked(row.lastSentAt, policy.cooldownMs, now);
    throw new ApiError(422, "code_incorrect", "The code is not correct.", { attemptsRemaining: policy.maxAttempts - attempts });
  }

  try {
    await transition(db, loaded, "phone_verified", {
      actor,
      requestId,
      now,
      audit: { action: "account.phone_verified" },
      relay,
      extra: [
        // Runs first in the batch's extra statements: the code must still be the active one.
        guard(
          sql`EXISTS (SELECT 1 FROM phone_codes WHERE phone_bidx = ${vault.phoneBidx} AND code_hmac = ${row.codeHmac}
                AND attempts < ${policy.maxAttempts} AND expires_at > ${now} AND account_id = ${account.id})`,
        ),
        db.update(phoneCodes).set({ codeHmac: null }).where(eq(phoneCodes.phoneBidx, vault.phoneBidx)),
      ],
    });
  } catch (err) {
    if (err instanceof ApiError && err.code === "concurrent_change") {
      throw new ApiError(409, "code_not_active", "This code was already used or replaced; request a new one.");
    }
    if (isGuardFailure(err)) throw concurrentChange();
    throw err;
  }
}

function locked(lastSentAt: number, cooldownMs: number, now: number): ApiError {
  const retryAfterSeconds = Math.max(1, Math.ceil((lastSentAt + cooldownMs - now) / 1000));
  return new ApiError(429, "code_locked", "Too many wrong codes: this code is locked. Request a new code.", {
    retryAfterSeconds,
    headers: { "retry-after": String(retryAfterSeconds) },
  });
}
