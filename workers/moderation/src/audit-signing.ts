import { sql } from "drizzle-orm";
import { auditStatement, type AuditActor } from "../../../pkg/audit";
import { runAtomic } from "../../../pkg/batch";
import { base64ToBytes, base64UrlToBytes, bytesToBase64, bytesToBase64Url } from "../../../pkg/encoding";
import { ApiError } from "../../../pkg/errors";
import { sha256Hex } from "../../../pkg/ids";
import type { Env } from "./env";
import { canonicalJson, type ChainHead } from "./audit-chain";

/**
 * Signed checkpoints: Ed25519 (WebCrypto) over the canonical JSON of
 * `{ "headHash": <hex>, "log": "gatehouse-audit", "seq": <n>, "signedAt": <ms> }`, i.e. exactly
 * `{"headHash":"…","log":"gatehouse-audit","seq":12,"signedAt":1767225600000}` in UTF-8.
 * The private key is the secret `AUDIT_SIGNING_KEY`: a PKCS#8 DER in base64, or a JWK
 * (`{"kty":"OKP","crv":"Ed25519","d":…,"x":…}`).
 */
export interface AuditSigningSecrets {
  AUDIT_SIGNING_KEY?: string;
}

export const CHECKPOINT_LOG = "gatehouse-audit";

export interface Checkpoint {
  seq: number;
  headHash: string;
  signedAt: number;
  keyId: string;
  signature: string;
}

export interface PublicKeyView {
  algorithm: "Ed25519";
  keyId: string;
  /** The raw 32-byte public key, base64. */
  publicKey: string;
  jwk: { kty: "OKP"; crv: "Ed25519"; x: string };
  /** SubjectPublicKeyInfo PEM, for `openssl` and node:crypto's createPublicKey. */
  pem: string;
}

interface SigningKey {
  privateKey: CryptoKey;
  publicKey: PublicKeyView;
}

// One import per isolate and secret value.
let cached: { secret: string; key: Promise<SigningKey> } | null = null;

export function checkpointMessage(c: { seq: number; headHash: string; signedAt: number }): string {
  return canonicalJson({ headHash: c.headHash, log: CHECKPOINT_LOG, seq: c.seq, signedAt: c.signedAt });
}

/** The signing key, or 503 `audit_signing_unavailable` when the secret is absent or unusable. */
export async function signingKey(env: AuditSigningSecrets): Promise<SigningKey> {
  const secret = env.AUDIT_SIGNING_KEY?.trim();
  if (!secret) throw new ApiError(503, "audit_signing_unavailable", "The audit signing key (AUDIT_SIGNING_KEY) is not configured.");
  if (cached?.secret !== secret) cached = { secret, key: importSigningKey(secret) };
  try {
    return await cached.key;
  } catch {
    cached = null;
    throw new ApiError(503, "audit_signing_unavailable", "The audit signing key (AUDIT_SIGNING_KEY) is not a usable Ed25519 private key.");
  }
}

async function importSigningKey(secret: string): Promise<SigningKey> {
  const algorithm = { name: "Ed25519" };
  const privateKey = secret.startsWith("{")
    ? await crypto.subtle.importKey("jwk", JSON.parse(secret) as JsonWebKey, algorithm, true, ["sign"])
    : await crypto.subtle.importKey("pkcs8", base64ToBytes(secret), algorithm, true, ["sign"]);
  const jwk = (await crypto.subtle.exportKey("jwk", privateKey)) as JsonWebKey;
  if (!jwk.x) throw new Error("no public part");
  const raw = base64UrlToBytes(jwk.x);
  if (raw.length !== 32) throw new Error("not an Ed25519 key");
  // SubjectPublicKeyInfo of an Ed25519 key: a fixed 12-byte prefix, then the raw key.
  const spki = new Uint8Array([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00, ...raw]);
  const pemBody = bytesToBase64(spki);
  return {
    privateKey,
    publicKey: {
      algorithm: "Ed25519",
      keyId: `ed25519:${(await sha256Hex(raw)).slice(0, 16)}`,
      publicKey: bytesToBase64(raw),
      jwk: { kty: "OKP", crv: "Ed25519", x: bytesToBase64Url(raw) },
      pem: `-----BEGIN PUBLIC KEY-----\n${pemBody}\n-----END PUBLIC KEY-----\n`,
    },
  };
}

/**
 * The checkpoint of `head`: the existing one when the head was already signed, else a new one,
 * written with its audit entry (`audit.checkpoint`) in one batch. Called only by the AuditChain
 * object, right after chaining, so `head` is the head.
 */
export async function signCheckpoint(
  env: Env,
  head: ChainHead,
  actor: { keyId: string; role: string },
  requestId: string | null,
  now: number,
): Promise<{ checkpoint: Checkpoint; created: boolean }> {
  const existing = await env.DB.prepare("SELECT seq, head_hash AS headHash, signed_at AS signedAt, key_id AS keyId, signature FROM audit_checkpoints WHERE seq = ?")
    .bind(head.seq)
    .first<Checkpoint>();
  if (existing) return { checkpoint: existing, created: false };
  const key = await signingKey(env);
  const unsigned = { seq: head.seq, headHash: head.hash, signedAt: now };
  const signature = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key.privateKey, new TextEncoder().encode(checkpointMessage(unsigned))));
  const checkpoint: Checkpoint = { ...unsigned, keyId: key.publicKey.keyId, signature: bytesToBase64(signature) };
  await runAtomic(env.DB, [
    sql`INSERT INTO audit_checkpoints (seq, head_hash, signed_at, key_id, signature) VALUES (${checkpoint.seq}, ${checkpoint.headHash}, ${checkpoint.signedAt}, ${checkpoint.keyId}, ${checkpoint.signature}) ON CONFLICT (seq) DO NOTHING`,
    auditStatement(
      actor as AuditActor,
      requestId,
      { action: "audit.checkpoint", subjectType: "audit_log", subjectId: String(checkpoint.seq), details: { seq: checkpoint.seq, keyId: checkpoint.keyId } },
      { onlyIf: sql`changes() = 1`, at: now },
    ),
  ]);
  return { checkpoint, created: true };
}
