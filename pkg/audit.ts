import { sql, type SQL } from "drizzle-orm";
import { newId } from "./ids";
import type { Principal } from "./principal";

/** Who did it: an API key's principal, or a system actor (a provider webhook, a cron job). */
export type AuditActor = Principal | { keyId: string; role: "system" };

export interface AuditEntry {
  action: string;
  subjectType: string;
  subjectId: string;
  reason?: string | null;
  /** Non-personal details only: codes, statuses, counts. Never identity data or post text. */
  details?: Record<string, unknown>;
}

/**
 * The only writer of `audit_log`: the statement of one entry, to be put in the same
 * `runAtomic` batch (pkg/batch.ts) as the change it records, so a change and its record commit
 * together or not at all. Every entry also records the published screening policy version in
 * force (`policy_version`). `onlyIf` (an SQL condition, e.g. `changes() = 1` of the statement
 * before it) writes the entry only when the change happened.
 */
export function auditStatement(actor: AuditActor, requestId: string | undefined | null, entry: AuditEntry, options: { onlyIf?: SQL; id?: string; at?: number } = {}): SQL {
  // The policy version is read inside the entry's own batch, so it is the version in force when the
  // change committed (a publish's entry names the version it published).
  const values = sql`${options.id ?? newId("aud")}, ${options.at ?? Date.now()}, ${actor.keyId}, ${actor.role}, ${entry.action}, ${entry.subjectType}, ${entry.subjectId}, ${entry.reason ?? null}, ${requestId ?? null}, ${entry.details ? JSON.stringify(entry.details) : null}, (SELECT version FROM policy_current WHERE id = 1)`;
  const columns = sql`INSERT INTO audit_log (id, at, actor_key_id, actor_role, action, subject_type, subject_id, reason, request_id, details, policy_version)`;
  return options.onlyIf ? sql`${columns} SELECT ${values} WHERE ${options.onlyIf}` : sql`${columns} VALUES (${values})`;
}


/**
 * The chain fields of one entry, set once by the audit chain's sequencer (the moderation
 * worker's `AuditChain` Durable Object, the only caller): guarded so a chained entry is never
 * renumbered.
 */
export function chainStatement(p: { id: string; seq: number; prevHash: string; hash: string }): SQL {
  return sql`UPDATE audit_log SET seq = ${p.seq}, prev_hash = ${p.prevHash}, hash = ${p.hash} WHERE id = ${p.id} AND seq IS NULL`;
}
