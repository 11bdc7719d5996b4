import { base64ToBytes } from "../../../pkg/encoding";
import { GENESIS_HASH, entryHash, readHead, toChainEntry, type AuditRow } from "./audit-chain";
import { checkpointMessage, signingKey, type AuditSigningSecrets, type Checkpoint } from "./audit-signing";

/** Why a link is broken, at the first `seq` where it shows. */
export type BrokenReason =
  /** No entry has this number (deleted, or the numbering was edited). */
  | "missing"
  /** The entry's prev_hash is not the previous entry's hash (an entry was replaced or reordered). */
  | "prev_hash_mismatch"
  /** The entry's content does not hash to its stored hash (it was edited). */
  | "hash_mismatch"
  /** A signed checkpoint at this number names another head hash (the chain was rewritten). */
  | "checkpoint_mismatch"
  /** A checkpoint at this number does not verify under the current public key. */
  | "checkpoint_signature_invalid";

export interface VerifyResult {
  ok: boolean;
  from: number;
  to: number;
  checked: number;
  firstBroken: { seq: number; reason: BrokenReason } | null;
}

const PAGE = 500;

/**
 * Recomputes the chain over `[from, to]` (default: all of it, up to the head or the last
 * checkpoint, whichever is higher, so a deleted tail shows as `missing`). Pages through D1 in
 * `seq` order with constant memory and stops at the first broken link.
 */
export async function verifyChain(db: D1Database, env: AuditSigningSecrets, range: { from?: number; to?: number }): Promise<VerifyResult> {
  const head = await readHead(db);
  const lastCheckpoint = await db.prepare("SELECT max(seq) AS seq FROM audit_checkpoints").first<{ seq: number | null }>();
  const from = range.from ?? 1;
  const to = range.to ?? Math.max(head?.seq ?? 0, lastCheckpoint?.seq ?? 0);
  const verifyKey = await checkpointVerifyKey(env);
  let prev: string | null = from === 1 ? GENESIS_HASH : ((await db.prepare("SELECT hash FROM audit_log WHERE seq = ?").bind(from - 1).first<{ hash: string }>())?.hash ?? null);
  let expected = from;
  let checked = 0;
  const broken = (seq: number, reason: BrokenReason): VerifyResult => ({ ok: false, from, to, checked, firstBroken: { seq, reason } });
  while (expected <= to) {
    const last = Math.min(to, expected + PAGE - 1);
    const [{ results: rows }, { results: checkpoints }] = await Promise.all([
      db.prepare("SELECT * FROM audit_log WHERE seq BETWEEN ? AND ? ORDER BY seq").bind(expected, last).all<AuditRow>(),
      db
        .prepare("SELECT seq, head_hash AS headHash, signed_at AS signedAt, key_id AS keyId, signature FROM audit_checkpoints WHERE seq BETWEEN ? AND ?")
        .bind(expected, last)
        .all<Checkpoint>(),
    ]);
    const checkpointAt = new Map(checkpoints.map((c) => [c.seq, c]));
    for (const row of rows) {
      if (row.seq !== expected) return broken(expected, "missing");
      if (prev !== null && row.prev_hash !== prev) return broken(expected, "prev_hash_mismatch");
      if ((await entryHash(toChainEntry(row), row.prev_hash ?? "")) !== row.hash) return broken(expected, "hash_mismatch");
      const checkpoint = checkpointAt.get(expected);
      if (checkpoint) {
        if (checkpoint.headHash !== row.hash) return broken(expected, "checkpoint_mismatch");
        if (verifyKey && checkpoint.keyId === verifyKey.keyId && !(await verifyKey.verify(checkpoint))) return broken(expected, "checkpoint_signature_invalid");
      }
      prev = row.hash;
      expected += 1;
      checked += 1;
    }
    if (expected <= last) return broken(expected, "missing");
  }
  return { ok: true, from, to, checked, firstBroken: null };
}

/** Verifies checkpoints signed by the current key; null when no key is configured. */
async function checkpointVerifyKey(env: AuditSigningSecrets): Promise<{ keyId: string; verify(c: Checkpoint): Promise<boolean> } | null> {
  if (!env.AUDIT_SIGNING_KEY) return null;
  const key = await signingKey(env);
  const publicKey = await crypto.subtle.importKey("raw", base64ToBytes(key.publicKey.publicKey), { name: "Ed25519" }, false, ["verify"]);
  const encoder = new TextEncoder();
  return {
    keyId: key.publicKey.keyId,
    verify: async (c) => {
      try {
        return await crypto.subtle.verify({ name: "Ed25519" }, publicKey, base64ToBytes(c.signature), encoder.encode(checkpointMessage(c)));
      } catch {
        return false; // not even base64
      }
    },
  };
}
