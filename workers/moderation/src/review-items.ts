import { reviewQueue } from "../../../db/schema";
import { isoOrNull } from "../../../pkg/schemas";

type ReviewRow = typeof reviewQueue.$inferSelect;

/** The API view of a review-queue row (details are stored as JSON text). */
export function reviewItemView(row: ReviewRow, reportCount?: number) {
  return {
    id: row.id,
    subjectType: row.subjectType,
    subjectId: row.subjectId,
    source: row.source,
    reasonCode: row.reasonCode,
    status: row.status,
    details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : {},
    createdAt: isoOrNull(row.createdAt)!,
    decidedAt: isoOrNull(row.decidedAt),
    decision: row.decision,
    decidedBy: row.decidedBy,
    ...(reportCount !== undefined ? { reports: reportCount } : {}),
  };
}

/**
 * The dedupe key of the one open report item of a subject. Concurrent reports converge on
 * it through the unique index; deciding the item renames the key (`…:open` → `…:<itemId>`)
 * so a later report opens a fresh item.
 */
export function openReportKey(subjectType: string, subjectId: string): string {
  return `report:${subjectType}:${subjectId}:open`;
}
