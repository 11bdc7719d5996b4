import { cachedMasterKeys, openSealed, seal, type MasterKeys } from "./envelope";
import { ApiError } from "./errors";
import { sha256Hex } from "./ids";
import { log } from "./log";
import { intVar } from "./config";

/**
 * Evidence of screened posts: what a moderator judges, sealed with the envelope scheme
 * (pkg/envelope.ts) into one R2 object per post, bound to the post id. Screening writes it
 * (workers/screening/src/evidence.ts); moderation reads and purges it
 * (workers/moderation/src/evidence.ts). This module is the format both share.
 */

export const EVIDENCE_PURPOSE = "evidence";
/** Every evidence object's key starts with this (the orphan sweep lists it). */
export const EVIDENCE_PREFIX = "posts/";
export const DAY_MS = 86_400_000;

export interface EvidenceSecrets {
  /** JSON `{ kid: base64(32 bytes) }`: the evidence master keys (the same value in screening and moderation). */
  EVIDENCE_MASTER_KEYS?: string;
  /** The kid new evidence is sealed under. */
  EVIDENCE_ACTIVE_KID?: string;
}

/** The plaintext of one evidence object. Deterministic for one request: no times, no random ids. */
export interface EvidenceDocument {
  postId: string;
  accountId: string;
  kind: "post" | "news" | "reprint";
  title: string | null;
  text: string;
  links: string[];
  verdict: string;
  /** The reasons as POST /v1/screen returned them: codes, offsets, excerpts. */
  reasons: unknown[];
  categories: string[];
  policyVersion: number;
}

const evidenceKeysOf = cachedMasterKeys("EVIDENCE_MASTER_KEYS", "EVIDENCE_ACTIVE_KID", (what) => evidenceMisconfigured(what));

/** The evidence master keys, imported once per isolate; 503 `evidence_unavailable` when misconfigured. */
export function evidenceKeys(env: EvidenceSecrets): Promise<MasterKeys> {
  return evidenceKeysOf(env.EVIDENCE_MASTER_KEYS, env.EVIDENCE_ACTIVE_KID);
}

export function evidenceMisconfigured(what: string): ApiError {
  // The setting's name only, never its value.
  log("error", "evidence_misconfigured", { what });
  return new ApiError(503, "evidence_unavailable", "The evidence store is not configured on this deployment.", { headers: { "retry-after": "60" } });
}

export function evidenceObjectKey(postId: string, contentHash: string): string {
  return `${EVIDENCE_PREFIX}${postId}/${contentHash}`;
}

/** The post id an evidence object key names, or null for a key of another shape. */
export function postIdOfObjectKey(key: string): string | null {
  const m = /^posts\/([^/]+)\/[0-9a-f]{64}$/.exec(key);
  return m ? m[1]! : null;
}

/**
 * Seals a document: its key names the post and the SHA-256 of its plaintext, so identical
 * requests name one object and any other content another.
 */
export async function sealEvidence(keys: MasterKeys, doc: EvidenceDocument): Promise<{ objectKey: string; contentHash: string; bytes: Uint8Array }> {
  const plaintext = new TextEncoder().encode(JSON.stringify(doc));
  const contentHash = await sha256Hex(plaintext);
  const bytes = await seal(keys, EVIDENCE_PURPOSE, doc.postId, plaintext);
  return { objectKey: evidenceObjectKey(doc.postId, contentHash), contentHash, bytes };
}

/** Opens the evidence of `postId`; throws (SealedObjectError) for an object of another post or tampered bytes. */
export async function openEvidence(keys: MasterKeys, postId: string, bytes: Uint8Array): Promise<EvidenceDocument> {
  const plaintext = await openSealed(keys, EVIDENCE_PURPOSE, postId, bytes);
  return JSON.parse(new TextDecoder().decode(plaintext)) as EvidenceDocument;
}

/** A whole number of days from a var, or the default when it is unset or not a positive integer. */
export function retentionDays(value: string | undefined, fallback: number): number {
  return intVar(value, fallback, 1, Number.MAX_SAFE_INTEGER);
}
