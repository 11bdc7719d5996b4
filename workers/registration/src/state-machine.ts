import type { AccountStatus } from "../../../db/schema";

/**
 * The account lifecycle, as one transition table. Screening relies on it: only `verified`
 * accounts publish; `suspended` and `closed` block everything.
 *
 *   pending_phone ─phone_verified→ pending_identity ─identity_matched→ verified
 *                                  pending_identity ─to_review→ under_review ─approve→ verified
 *                                                                            ─reject→  rejected
 *   any but closed ─suspend→ suspended ─restore→ (the status it was suspended from)
 *   any ─close→ closed (terminal)
 */
export const ACCOUNT_EVENTS = ["phone_verified", "identity_matched", "to_review", "approve", "reject", "suspend", "restore", "close"] as const;
export type AccountEvent = (typeof ACCOUNT_EVENTS)[number];

/** `restore` is resolved against the status saved at suspension, hence the marker. */
const RESTORE = "__previous__" as const;
type Target = AccountStatus | typeof RESTORE;

export const TRANSITIONS: Record<AccountStatus, Partial<Record<AccountEvent, Target>>> = {
  pending_phone: { phone_verified: "pending_identity", suspend: "suspended", close: "closed" },
  pending_identity: { identity_matched: "verified", to_review: "under_review", suspend: "suspended", close: "closed" },
  under_review: { approve: "verified", reject: "rejected", suspend: "suspended", close: "closed" },
  verified: { suspend: "suspended", close: "closed" },
  rejected: { close: "closed" },
  suspended: { restore: RESTORE, close: "closed" },
  closed: {},
};

/** Statuses an account may be restored to (anything it can be suspended from). */
const RESTORABLE = new Set<AccountStatus>(
  (Object.keys(TRANSITIONS) as AccountStatus[]).filter((s) => TRANSITIONS[s].suspend === "suspended"),
);

/**
 * The next status after `event`, or null when the transition is illegal. `restore` needs the
 * status the account was suspended from.
 */
export function nextStatus(from: AccountStatus, event: AccountEvent, suspendedFrom?: AccountStatus | null): AccountStatus | null {
  const target = TRANSITIONS[from][event];
  if (target === undefined) return null;
  if (target === RESTORE) return suspendedFrom && RESTORABLE.has(suspendedFrom) ? suspendedFrom : null;
  return target;
}

/** Only verified accounts may publish (the rule screening applies). */
export function mayPublish(status: AccountStatus): boolean {
  return status === "verified";
}
