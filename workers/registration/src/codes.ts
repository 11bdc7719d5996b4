import { eq, sql } from "drizzle-orm";
import { phoneCodes } from "../../../db/schema";
import type { Db } from "../../../pkg/db";
import type { CodePolicy } from "./config";
import { codeHmac, type VaultKeys } from "./vault";

const HOUR = 3_600_000;
const DAY = 86_400_000;

/**
 * A uniformly random 6-digit code: 32-bit values at or above the largest multiple of
 * 1,000,000 are drawn again, so `% 1_000_000` has no bias.
 */
export function generateCode(random: (buf: Uint32Array) => Uint32Array = (b) => crypto.getRandomValues(b)): string {
  const limit = Math.floor(0x1_0000_0000 / 1_000_000) * 1_000_000;
  const buf = new Uint32Array(1);
  for (;;) {
    const v = random(buf)[0]!;
    if (v < limit) return String(v % 1_000_000).padStart(6, "0");
  }
}

export type IssueResult =
  | { issued: true; code: string }
  | { issued: false; reason: "code_resend_cooldown" | "code_hourly_cap" | "code_daily_cap"; retryAfterSeconds: number };

/**
 * Issues a new code for a phone if its cooldown and hourly/daily caps allow: one
 * conditional upsert, so the limits are exact across isolates. Counting windows start at
 * the first send in them. The previous code stops working; wrong-try counter resets.
 */
export async function issueCode(db: Db, keys: VaultKeys, policy: CodePolicy, phoneBidx: string, accountId: string, now: number): Promise<IssueResult> {
  const code = generateCode();
  const hmac = await codeHmac(keys, phoneBidx, code);
  const rows = await db.all<{ last_sent_at: number }>(sql`
    INSERT INTO phone_codes (phone_bidx, account_id, code_hmac, expires_at, attempts, last_sent_at, hour_start, hour_count, day_start, day_count)
    VALUES (${phoneBidx}, ${accountId}, ${hmac}, ${now + policy.ttlMs}, 0, ${now}, ${now}, 1, ${now}, 1)
    ON CONFLICT (phone_bidx) DO UPDATE SET
      account_id = excluded.account_id,
      code_hmac = excluded.code_hmac,
      expires_at = excluded.expires_at,
      attempts = 0,
      last_sent_at = excluded.last_sent_at,
      hour_count = CASE WHEN phone_codes.hour_start <= ${now - HOUR} THEN 1 ELSE phone_codes.hour_count + 1 END,
      hour_start = CASE WHEN phone_codes.hour_start <= ${now - HOUR} THEN ${now} ELSE phone_codes.hour_start END,
      day_count = CASE WHEN phone_codes.day_start <= ${now - DAY} THEN 1 ELSE phone_codes.day_count + 1 END,
      day_start = CASE WHEN phone_codes.day_start <= ${now - DAY} THEN ${now} ELSE phone_codes.day_start END
    WHERE phone_codes.last_sent_at <= ${now - policy.cooldownMs}
      AND (phone_codes.hour_start <= ${now - HOUR} OR phone_codes.hour_count < ${policy.perHour})
      AND (phone_codes.day_start <= ${now - DAY} OR phone_codes.day_count < ${policy.perDay})
    RETURNING last_sent_at`);
  if (rows.length === 1) return { issued: true, code };

  const row = await db.select().from(phoneCodes).where(eq(phoneCodes.phoneBidx, phoneBidx)).get();
  if (!row) return { issued: false, reason: "code_resend_cooldown", retryAfterSeconds: 1 };
  const waits: { reason: "code_resend_cooldown" | "code_hourly_cap" | "code_daily_cap"; ms: number }[] = [
    { reason: "code_resend_cooldown", ms: row.lastSentAt + policy.cooldownMs - now },
  ];
  if (row.hourStart > now - HOUR && row.hourCount >= policy.perHour) waits.push({ reason: "code_hourly_cap", ms: row.hourStart + HOUR - now });
  if (row.dayStart > now - DAY && row.dayCount >= policy.perDay) waits.push({ reason: "code_daily_cap", ms: row.dayStart + DAY - now });
  const longest = waits.reduce((a, b) => (b.ms > a.ms ? b : a));
  return { issued: false, reason: longest.reason, retryAfterSeconds: Math.max(1, Math.ceil(longest.ms / 1000)) };
}
