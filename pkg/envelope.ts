import { base64ToBytes, bytesToBase64 } from "./encoding";

/**
 * Envelope encryption (WebCrypto only), shared by the identity vault and the evidence store.
 *
 * Each owner (an account, a post) gets a random 256-bit data key; its data is AES-256-GCM under
 * that key. The data key is stored encrypted ("wrapped") with AES-256-GCM under a master key
 * named by a key id (kid), so master keys rotate by re-wrapping data keys, and destroying a
 * wrapped data key destroys its data. Every ciphertext carries additional authenticated data
 * naming its owner, so a ciphertext copied to another owner fails to decrypt.
 *
 * Two stored forms:
 *  - fields (the vault): `base64(iv ‖ ciphertext ‖ tag)`, the wrapped key stored beside them;
 *  - sealed objects (evidence): one self-describing blob holding kid, wrapped key and data.
 */

export interface MasterKeys {
  masters: ReadonlyMap<string, CryptoKey>;
  activeKid: string;
}

/** A master-key configuration that cannot be used; `what` names the setting, never its value. */
export class EnvelopeConfigError extends Error {
  constructor(readonly what: string) {
    super(`envelope keys misconfigured: ${what}`);
    this.name = "EnvelopeConfigError";
  }
}

/**
 * The master keys of one configuration (`keysName`, `activeName`), imported once per isolate and
 * again only when the configured values change; an unusable configuration rejects with
 * `misconfigured(name of the setting)`, and is retried on the next call.
 */
export function cachedMasterKeys(keysName: string, activeName: string, misconfigured: (what: string) => Error): (json: string | undefined, activeKid: string | undefined) => Promise<MasterKeys> {
  let cached: { fingerprint: string; keys: Promise<MasterKeys> } | undefined;
  return (json, activeKid) => {
    const fingerprint = `${json}\u0000${activeKid}`;
    if (cached?.fingerprint === fingerprint) return cached.keys;
    const keys = importMasterKeys(json, activeKid, keysName, activeName).catch((e: unknown) => {
      throw e instanceof EnvelopeConfigError ? misconfigured(e.what) : e;
    });
    cached = { fingerprint, keys };
    keys.catch(() => {
      if (cached?.keys === keys) cached = undefined;
    });
    return keys;
  };
}

const enc = new TextEncoder();
const IV_BYTES = 12;
const KID_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;

/**
 * Imports master keys from their secret form: a JSON object `{ kid: base64(32 bytes) }` and the
 * active kid. Throws `EnvelopeConfigError` naming `keysName` / `activeName` when either is unusable.
 */
export async function importMasterKeys(json: string | undefined, activeKid: string | undefined, keysName: string, activeName: string): Promise<MasterKeys> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json ?? "");
  } catch {
    throw new EnvelopeConfigError(keysName);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new EnvelopeConfigError(keysName);
  const masters = new Map<string, CryptoKey>();
  for (const [kid, b64] of Object.entries(parsed as Record<string, unknown>)) {
    let raw: Uint8Array;
    try {
      raw = base64ToBytes(String(b64));
    } catch {
      throw new EnvelopeConfigError(keysName);
    }
    if (raw.length !== 32 || !KID_PATTERN.test(kid)) throw new EnvelopeConfigError(keysName);
    masters.set(kid, await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]));
  }
  const active = activeKid ?? "";
  if (!masters.has(active)) throw new EnvelopeConfigError(activeName);
  return { masters, activeKid: active };
}

/** AES-256-GCM with a random 96-bit IV: `iv ‖ ciphertext ‖ tag`. */
export async function gcmSeal(key: CryptoKey, plaintext: Uint8Array, aad: string): Promise<Uint8Array> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: enc.encode(aad) }, key, plaintext));
  const out = new Uint8Array(IV_BYTES + ct.length);
  out.set(iv);
  out.set(ct, IV_BYTES);
  return out;
}

/** The inverse of `gcmSeal`; rejects (OperationError) when the key, AAD or bytes are wrong. */
export async function gcmOpen(key: CryptoKey, bytes: Uint8Array, aad: string): Promise<Uint8Array> {
  return new Uint8Array(
    await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.subarray(0, IV_BYTES), additionalData: enc.encode(aad) }, key, bytes.subarray(IV_BYTES)),
  );
}

export async function encryptToBase64(key: CryptoKey, plaintext: Uint8Array, aad: string): Promise<string> {
  return bytesToBase64(await gcmSeal(key, plaintext, aad));
}

export function decryptFromBase64(key: CryptoKey, b64: string, aad: string): Promise<Uint8Array> {
  return gcmOpen(key, base64ToBytes(b64), aad);
}

function masterFor(keys: MasterKeys, kid: string): CryptoKey {
  const master = keys.masters.get(kid);
  if (!master) throw new EnvelopeConfigError(`master key ${kid}`);
  return master;
}

async function importDataKey(raw: Uint8Array): Promise<CryptoKey> {
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  raw.fill(0);
  return key;
}

/** A fresh data key and its wrapped (storable, base64) form under the active master key; `wrapAad` names the owner. */
export async function newDataKey(keys: MasterKeys, wrapAad: string): Promise<{ key: CryptoKey; kid: string; wrapped: string }> {
  const raw = crypto.getRandomValues(new Uint8Array(32));
  const wrapped = await encryptToBase64(masterFor(keys, keys.activeKid), raw, wrapAad);
  return { key: await importDataKey(raw), kid: keys.activeKid, wrapped };
}

export async function unwrapDataKey(keys: MasterKeys, kid: string, wrapped: string, wrapAad: string): Promise<CryptoKey> {
  return importDataKey(await decryptFromBase64(masterFor(keys, kid), wrapped, wrapAad));
}

/** Re-wraps a data key under the active master key (rotation); data under it stays as it is. */
export async function rewrapDataKey(keys: MasterKeys, kid: string, wrapped: string, wrapAad: string): Promise<{ kid: string; wrapped: string }> {
  const raw = await decryptFromBase64(masterFor(keys, kid), wrapped, wrapAad);
  const rewrapped = await encryptToBase64(masterFor(keys, keys.activeKid), raw, wrapAad);
  raw.fill(0);
  return { kid: keys.activeKid, wrapped: rewrapped };
}

// Sealed objects: MAGIC ‖ kidLength (1 byte) ‖ kid ‖ wrapLength (2 bytes, big endian) ‖ wrapped key ‖ gcmSeal(data).
const MAGIC = enc.encode("GHE1");
const dec = new TextDecoder();

/** Thrown by `openSealed` when a blob is not a sealed object, or fails to authenticate for this owner. */
export class SealedObjectError extends Error {
  constructor(reason: string) {
    super(`sealed object unreadable: ${reason}`);
    this.name = "SealedObjectError";
  }
}

const wrapAadOf = (purpose: string, ownerId: string) => `${purpose}:wrapped_key:${ownerId}`;
const dataAadOf = (purpose: string, ownerId: string) => `${purpose}:data:${ownerId}`;

/**
 * One self-contained encrypted object (a fresh data key per object), bound to `purpose` and
 * `ownerId`: opening it as anything else fails.
 */
export async function seal(keys: MasterKeys, purpose: string, ownerId: string, plaintext: Uint8Array): Promise<Uint8Array> {
  const { key, kid, wrapped } = await newDataKey(keys, wrapAadOf(purpose, ownerId));
  const wrappedBytes = base64ToBytes(wrapped);
  const kidBytes = enc.encode(kid);
  const body = await gcmSeal(key, plaintext, dataAadOf(purpose, ownerId));
  const out = new Uint8Array(MAGIC.length + 1 + kidBytes.length + 2 + wrappedBytes.length + body.length);
  let at = 0;
  out.set(MAGIC, at);
  at += MAGIC.length;
  out[at++] = kidBytes.length;
  out.set(kidBytes, at);
  at += kidBytes.length;
  out[at++] = wrappedBytes.length >> 8;
  out[at++] = wrappedBytes.length & 0xff;
  out.set(wrappedBytes, at);
  at += wrappedBytes.length;
  out.set(body, at);
  return out;
}

/** The kid a sealed object's data key is wrapped under (for rotation bookkeeping). */
export function sealedKid(blob: Uint8Array): string {
  return parseSealed(blob).kid;
}

function parseSealed(blob: Uint8Array): { kid: string; wrapped: Uint8Array; body: Uint8Array } {
  const min = MAGIC.length + 1 + 1 + 2 + 1 + IV_BYTES + 16;
  if (blob.length < min || MAGIC.some((b, i) => blob[i] !== b)) throw new SealedObjectError("not a sealed object");
  let at = MAGIC.length;
  const kidLength = blob[at++]!;
  const kid = dec.decode(blob.subarray(at, at + kidLength));
  at += kidLength;
  const wrapLength = (blob[at]! << 8) | blob[at + 1]!;
  at += 2;
  if (at + wrapLength + IV_BYTES + 16 > blob.length) throw new SealedObjectError("truncated");
  return { kid, wrapped: blob.subarray(at, at + wrapLength), body: blob.subarray(at + wrapLength) };
}

/**
 * Opens a sealed object of `purpose` owned by `ownerId`. Throws `SealedObjectError` when the blob
 * is malformed, tampered with or belongs to another owner; `EnvelopeConfigError` when its kid is
 * not among the configured master keys.
 */
export async function openSealed(keys: MasterKeys, purpose: string, ownerId: string, blob: Uint8Array): Promise<Uint8Array> {
  const { kid, wrapped, body } = parseSealed(blob);
  let key: CryptoKey;
  try {
    key = await importDataKey(await gcmOpen(masterFor(keys, kid), wrapped, wrapAadOf(purpose, ownerId)));
  } catch (e) {
    if (e instanceof EnvelopeConfigError) throw e;
    throw new SealedObjectError("data key does not authenticate");
  }
  try {
    return await gcmOpen(key, body, dataAadOf(purpose, ownerId));
  } catch {
    throw new SealedObjectError("data does not authenticate");
  }
}
