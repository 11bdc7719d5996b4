import { auditLog } from "../db/schema";
import type { Db } from "./db";
import { newId } from "./ids";
import type { Principal } from "./principal";

export interface AuditEntry {
  action: string;
  subjectType: string;
  subjectId: string;
  reason?: string | null;
  /** Non-personal details only: codes, statuses, counts. */
  details?: Record<string, unknown>;
}

/**
 * The insert statement of one audit row, to be put in the same `db.batch` as the change
 * it records, so a decision and its record commit together or not at all.
 */
export function auditInsert(db: Db, actor: Principal, requestId: string | undefined, entry: AuditEntry) {
  return db.insert(auditLog).values({
    id: newId("aud"),
    at: Date.now(),
    actorKeyId: actor.keyId,
    actorRole: actor.role,
    action: entry.action,
    subjectType: entry.subjectType,
    subjectId: entry.subjectId,
    reason: entry.reason ?? null,
    requestId: requestId ?? null,
    details: entry.details ? JSON.stringify(entry.details) : null,
  });
}
