/**
 * Evidence in moderation: reading a post's evidence for an operator, and the purge cron.
 *
 * Retention (read at purge time, so a decision made after the write counts):
 *  - a post with an open review item: kept;
 *  - a post whose review items are all decided: kept until the last `decided_at` +
 *    `DECIDED_EVIDENCE_RETENTION_DAYS` (default 180) — the row's own `decided_at`, which a trigger
 *    on review_queue keeps (migration 0033), so the purge finds expired rows through one index
 *    instead of reading every row each run;
 *  - a post that never entered the queue: kept until its `retain_until` (written by screening:
 *    created_at + `EVIDENCE_RETENTION_DAYS`, default 30).
 * The purge deletes the metadata and its audit entry in one batch that re-checks the rule (a
 * review item opened meanwhile keeps the evidence), then the objects. An object whose delete
 * failed, or whose screening batch never committed, has no metadata: an orphan, deleted once it
 * is a day old by the sweep, which walks the bucket a page per run from where the last run stopped.
 */
import { sql } from "drizzle-orm";
import { auditStatement, type AuditActor } from "../../../pkg/audit";
import { runAtomic, type AtomicStatement } from "../../../pkg/batch";
import { DAY_MS, EVIDENCE_PREFIX, evidenceKeys, openEvidence, postIdOfObjectKey, retentionDays, type EvidenceDocument } from "../../../pkg/evidence";
import { SealedObjectError } from "../../../pkg/envelope";
import { ApiError } from "../../../pkg/errors";
import { log } from "../../../pkg/log";
import type { Env } from "./env";

export const RETENTION_ACTOR: AuditActor = { keyId: "retention", role: "system" };
/** Expired posts purged per run (two statements each in one batch, far below D1's limits). */
export const PURGE_BATCH = 100;
/** Objects the orphan sweep examines per run (one R2 list page). */
export const SWEEP_PAGE = 500;
/** An object without metadata is left alone this long: its screening batch may still be committing. */
export const ORPHAN_GRACE_MS = DAY_MS;

/**
 * When the evidence of the post in `e` (an alias of post_evidence) may be purged: ?1 now, ?2 the
 * latest decision time whose retention has run out (now − the decided retention). Both ranges are
 * read through post_evidence_purge_idx (decided_at, retain_until); only rows an open item holds are
 * read again on later runs.
 */
const EXPIRED_SQL = `((e.decided_at IS NULL AND e.retain_until <= ?1) OR e.decided_at <= ?2)
  AND NOT EXISTS (SELECT 1 FROM review_queue q WHERE q.subject_type = 'post' AND q.subject_id = e.post_id AND q.status <> 'decided')`;

export interface PurgeResult {
  purged: number;
  orphans: number;
}

/** One run of the purge: expired evidence first, then a page of the orphan sweep. */
export async function purgeEvidence(env: Env, now: number): Promise<PurgeResult> {
  const purged = await purgeExpired(env, now);
  const orphans = await sweepOrphans(env, now);
  if (purged || orphans) log("info", "evidence_purged", { purged, orphans });
  return { purged, orphans };
}

async function purgeExpired(env: Env, now: number): Promise<number> {
  const decidedMs = retentionDays(env.DECIDED_EVIDENCE_RETENTION_DAYS, 180) * DAY_MS;
  const { results } = await env.DB.prepare(
    `SELECT e.post_id, e.object_key FROM post_evidence e WHERE ${EXPIRED_SQL} AND e.created_at <= ?1 LIMIT ?3`,
  )
    .bind(now, now - decidedMs, PURGE_BATCH)
    .all<{ post_id: string; object_key: string }>();
  if (results.length === 0) return 0;
  const writes: AtomicStatement[] = [];
  for (const row of results) {
    writes.push(
      env.DB.prepare(`DELETE FROM post_evidence AS e WHERE e.post_id = ?3 AND e.object_key = ?4 AND ${EXPIRED_SQL}`).bind(now, now - decidedMs, row.post_id, row.object_key),
      auditStatement(RETENTION_ACTOR, null, { action: "evidence.purge", subjectType: "post", subjectId: row.post_id, details: { reason: "expired" } }, {
        onlyIf: sql`changes() = 1`,
        at: now,
      }),
    );
  }
  const outcome = await runAtomic(env.DB, writes);
  const deleted = results.filter((_, i) => outcome[2 * i]!.meta.changes === 1).map((r) => r.object_key);
  // After the metadata is gone: a failed delete leaves an orphan for the sweep, never metadata without its object.
  if (deleted.length) await env.EVIDENCE.delete(deleted);
  return deleted.length;
}

/** The sweep's position, kept beside what it walks (outside the evidence prefix). */
export const SWEEP_STATE_KEY = "_sweep/after";

async function sweepOrphans(env: Env, now: number): Promise<number> {
  const after = (await (await env.EVIDENCE.get(SWEEP_STATE_KEY))?.text()) ?? "";
  const listed = await env.EVIDENCE.list({ prefix: EVIDENCE_PREFIX, limit: SWEEP_PAGE, ...(after ? { startAfter: after } : {}) });
  const old = listed.objects.filter((o) => o.uploaded.getTime() <= now - ORPHAN_GRACE_MS);
  let orphans: { key: string; postId: string }[] = [];
  if (old.length) {
    const keys = old.map((o) => o.key);
    const { results } = await env.DB.prepare("SELECT object_key FROM post_evidence WHERE object_key IN (SELECT value FROM json_each(?1))")
      .bind(JSON.stringify(keys))
      .all<{ object_key: string }>();
    const known = new Set(results.map((r) => r.object_key));
    orphans = keys.filter((k) => !known.has(k)).map((key) => ({ key, postId: postIdOfObjectKey(key) ?? key.slice(EVIDENCE_PREFIX.length, EVIDENCE_PREFIX.length + 128) }));
  }
  // Where the next run goes on: after this page, or from the start once the bucket is walked.
  const next = listed.truncated && listed.objects.length ? listed.objects[listed.objects.length - 1]!.key : "";
  if (orphans.length) {
    await runAtomic(
      env.DB,
      orphans.map((o) => auditStatement(RETENTION_ACTOR, null, { action: "evidence.purge", subjectType: "post", subjectId: o.postId, details: { reason: "orphan" } }, { at: now })),
    );
    await env.EVIDENCE.delete(orphans.map((o) => o.key));
  }
  if (next !== after) await env.EVIDENCE.put(SWEEP_STATE_KEY, next);
  return orphans.length;
}

/** The decrypted evidence of a post; 404 `evidence_not_found` when there is none (never written, or purged). */
export async function readEvidence(env: Env, postId: string): Promise<EvidenceDocument & { screenedAt: number; retainUntil: number }> {
  const row = await env.DB.prepare("SELECT object_key, created_at, retain_until FROM post_evidence WHERE post_id = ?1")
    .bind(postId)
    .first<{ object_key: string; created_at: number; retain_until: number }>();
  const object = row ? await env.EVIDENCE.get(row.object_key) : null;
  if (!row || !object) throw new ApiError(404, "evidence_not_found", "There is no evidence of this item's post (it was never recorded, or it has been purged).");
  const keys = await evidenceKeys(env);
  try {
    const doc = await openEvidence(keys, postId, new Uint8Array(await object.arrayBuffer()));
    return { ...doc, screenedAt: row.created_at, retainUntil: row.retain_until };
  } catch (e) {
    // Tampered bytes, or an object of another post under this key: never shown.
    if (e instanceof SealedObjectError) log("error", "evidence_unreadable", { postId });
    throw e;
  }
}
