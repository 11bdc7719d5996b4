import { asc, count, eq } from "drizzle-orm";
import { reports, reviewQueue, reviewSignals } from "../../../db/schema";
import { createDb } from "../../../pkg/db";
import { ApiError } from "../../../pkg/errors";
import { isoOrNull } from "../../../pkg/schemas";
import type { Env } from "./env";
import { intVar } from "../../../pkg/config";

export type ReviewRow = typeof reviewQueue.$inferSelect;
type SignalRow = typeof reviewSignals.$inferSelect;

function json(text: string | null): Record<string, unknown> {
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** The live claim of an item at `now`, or null (none, or its lease ran out). */
export function liveClaim(row: Pick<ReviewRow, "claimedBy" | "claimedUntil">, now: number): { heldBy: string; until: string } | null {
  return row.claimedBy && row.claimedUntil !== null && row.claimedUntil > now ? { heldBy: row.claimedBy, until: isoOrNull(row.claimedUntil)! } : null;
}

export function signalView(s: SignalRow) {
  return {
    id: s.id,
    source: s.source,
    reasonCode: s.reasonCode,
    category: s.category,
    severity: s.severity,
    details: json(s.details),
    status: s.status,
    createdAt: isoOrNull(s.createdAt)!,
    closedAt: isoOrNull(s.closedAt),
  };
}

/** The API view of a review-queue row; `extra` adds the signals and report count of single-item reads. */
export function reviewItemView(row: ReviewRow, now: number, extra: { reports?: number; signals?: SignalRow[] } = {}) {
  return {
    id: row.id,
    subjectType: row.subjectType,
    subjectId: row.subjectId,
    source: row.source,
    reasonCode: row.reasonCode,
    status: row.status,
    details: json(row.details),
    createdAt: isoOrNull(row.createdAt)!,
    decidedAt: isoOrNull(row.decidedAt),
    decision: row.decision,
    decidedBy: row.decidedBy,
    priority: row.priority,
    severity: row.severity,
    reporters: row.reporters,
    repostsPerHour: row.velocity,
    signalCount: row.signalCount,
    lastSignalAt: isoOrNull(row.lastSignalAt),
    claim: row.status === "open" ? liveClaim(row, now) : null,
    ...(extra.reports !== undefined ? { reports: extra.reports } : {}),
    ...(extra.signals ? { signals: extra.signals.map(signalView) } : {}),
  };
}

/** One item's row, or 404 `review_item_not_found`. */
export async function loadRow(env: Env, id: string): Promise<ReviewRow> {
  const row = await createDb(env.DB).select().from(reviewQueue).where(eq(reviewQueue.id, id)).get();
  if (!row) throw new ApiError(404, "review_item_not_found", "No review item has this id.");
  return row;
}

/** One item as `GET /v1/review-queue/{id}` shows it: with its signals (oldest first) and report count. */
export async function loadItemView(env: Env, id: string) {
  const db = createDb(env.DB);
  const row = await loadRow(env, id);
  const [signals, reportCount] = await Promise.all([
    db.select().from(reviewSignals).where(eq(reviewSignals.reviewItemId, id)).orderBy(asc(reviewSignals.createdAt), asc(reviewSignals.id)),
    db.select({ n: count() }).from(reports).where(eq(reports.reviewItemId, id)).get(),
  ]);
  return reviewItemView(row, Date.now(), { reports: reportCount?.n ?? 0, signals });
}

/** 409 `item_claimed`: another operator holds a live claim on the item. */
export function itemClaimed(claim: { heldBy: string; until: string }): ApiError {
  return new ApiError(409, "item_claimed", "Another operator holds this item; wait for the claim to end or ask them to release it.", claim);
}

/** The claim lease in minutes: `CLAIM_LEASE_MINUTES` (1–1440), 15 when unset or not a whole number in range. */
export function claimLeaseMinutes(env: Env): number {
  return intVar(env.CLAIM_LEASE_MINUTES, 15, 1, 1440);
}
