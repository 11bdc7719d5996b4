/**
 * The evidence write of POST /v1/screen: the post's content (title, text, links, reasons with
 * offsets) sealed into one R2 object (pkg/evidence.ts), and the statement recording its metadata
 * in the batch that records the post.
 *
 * Order: the object is put first, then the D1 batch commits the post and the metadata together.
 * A batch that fails leaves an object without metadata (an orphan); moderation's purge cron
 * deletes orphans older than a day. The object key names the post and the SHA-256 of the
 * plaintext, and the put only creates: identical requests (retries, replays, races) name one
 * object and never rewrite it; different content under one post id names another object, which
 * stays an orphan unless its batch wins.
 */
import { DAY_MS, evidenceKeys, retentionDays, sealEvidence, type EvidenceDocument, type EvidenceSecrets } from "../../../pkg/evidence";
import { ApiError } from "../../../pkg/errors";
import { log } from "../../../pkg/log";

export type EvidenceEnv = EvidenceSecrets & { EVIDENCE: R2Bucket; EVIDENCE_RETENTION_DAYS?: string };

export interface StoredEvidence {
  objectKey: string;
  contentHash: string;
  size: number;
}

/** Seals `doc` and puts it in R2 unless an object of that key (the same content) exists already. */
export async function putEvidence(env: EvidenceEnv, doc: EvidenceDocument): Promise<StoredEvidence> {
  const keys = await evidenceKeys(env);
  const { objectKey, contentHash, bytes } = await sealEvidence(keys, doc);
  try {
    // Create-only (If-None-Match: *): an existing object under this key holds the same plaintext.
    await env.EVIDENCE.put(objectKey, bytes, { onlyIf: { etagDoesNotMatch: "*" } });
  } catch (e) {
    log("error", "evidence_put_failed", { postId: doc.postId, error: String((e as Error)?.message ?? e) });
    throw new ApiError(503, "evidence_unavailable", "The evidence store could not be written; retry.", { headers: { "retry-after": "1" } });
  }
  // Sealed sizes depend only on the plaintext's length, so an existing object has this size too.
  return { objectKey, contentHash, size: bytes.length };
}

/**
 * The metadata row, inserted only when the batch inserted the post (`postId` with this
 * `createdAt` and content hash exists inside the batch's transaction).
 */
export function evidenceMetadataStatement(d1: D1Database, env: EvidenceEnv, postId: string, postContentHash: string, createdAt: number, stored: StoredEvidence): D1PreparedStatement {
  const retainUntil = createdAt + retentionDays(env.EVIDENCE_RETENTION_DAYS, 30) * DAY_MS;
  return d1
    .prepare(
      `INSERT INTO post_evidence (post_id, object_key, content_hash, size, created_at, retain_until)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM posts WHERE id = ?1 AND created_at = ?5 AND content_hash = ?7)`,
    )
    .bind(postId, stored.objectKey, stored.contentHash, stored.size, createdAt, retainUntil, postContentHash);
}
