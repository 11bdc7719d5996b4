import { describe, expect, it } from "vitest";
import { ACCOUNT_STATUSES, type AccountStatus } from "../../../db/schema";
import { ACCOUNT_EVENTS, mayPublish, nextStatus, type AccountEvent } from "../src/state-machine";

/** The expected lifecycle, written out independently of the implementation's table. */
const EXPECTED: Record<string, AccountStatus> = {
  "pending_phone/phone_verified": "pending_identity",
  "pending_identity/identity_matched": "verified",
  "pending_identity/to_review": "under_review",
  "under_review/approve": "verified",
  "under_review/reject": "rejected",
  "pending_phone/suspend": "suspended",
  "pending_identity/suspend": "suspended",
  "under_review/suspend": "suspended",
  "verified/suspend": "suspended",
  "pending_phone/close": "closed",
  "pending_identity/close": "closed",
  "under_review/close": "closed",
  "verified/close": "closed",
  "rejected/close": "closed",
  "suspended/close": "closed",
};

describe("account state machine", () => {
  const pairs = ACCOUNT_STATUSES.flatMap((s) => ACCOUNT_EVENTS.filter((e) => e !== "restore").map((e) => [s, e] as [AccountStatus, AccountEvent]));
  it.each(pairs)("%s --%s-->", (from, event) => {
    expect(nextStatus(from, event)).toBe(EXPECTED[`${from}/${event}`] ?? null);
  });

  it.each(ACCOUNT_STATUSES.flatMap((from) => ACCOUNT_STATUSES.map((prev) => [from, prev] as const)))("restore from %s (suspended from %s)", (from, prev) => {
    const restorable = ["pending_phone", "pending_identity", "under_review", "verified"].includes(prev);
    expect(nextStatus(from, "restore", prev)).toBe(from === "suspended" && restorable ? prev : null);
  });

  it("cannot restore without knowing the previous status", () => {
    expect(nextStatus("suspended", "restore", null)).toBeNull();
  });

  it("closed is terminal", () => {
    for (const e of ACCOUNT_EVENTS) expect(nextStatus("closed", e, "verified")).toBeNull();
  });

  it("only verified accounts may publish", () => {
    expect(ACCOUNT_STATUSES.filter(mayPublish)).toEqual(["verified"]);
  });
});
