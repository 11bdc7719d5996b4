import { ApiError } from "../../../pkg/errors";
import { toHex } from "../../../pkg/ids";
import { log } from "../../../pkg/log";
import { base64ToBytes, bytesToBase64 } from "../../../pkg/encoding";

/**
 * The identity vault's cryptography (WebCrypto only).
 *
 * Envelope encryption: each account has a random 256-bit data key; its fields are
 * AES-256-GCM ciphertexts under that key with additional authenticated data
 * `identity_vault:<column>:<accountId>`, so a ciphertext copied to another row or column
 * fails to decrypt. The data key is stored encrypted ("wrapped") with AES-256-GCM under a
 * master key named by a key id (AAD `identity_vault:wrapped_key:<accountId>`). Rotation
 * re-wraps data keys under the active master key; erasure destroys the wrapped data key.
 *
 * Blind indexes and code hashes are HMAC-SHA256 under their own secrets, so a leak of one
 * secret does not expose the others.
 */

export const VAULT_TABLE = "identity_vault";
export type VaultColumn = "name_ct" | "document_ct" | "phone_ct";

export interface VaultSecrets {
  VAULT_MASTER_KEYS?: string;
  VAULT_ACTIVE_KID?: string;
  BLIND_INDEX_KEY?: string;
  CODE_HMAC_KEY?: string;
}

export interface VaultKeys {
  masters: Map<string, CryptoKey>;
  activeKid: string;
  blindKey: CryptoKey;
  codeKey: CryptoKey;
}

const enc = new TextEncoder();
const dec = new TextDecoder();


function misconfigured(what: string): ApiError {
  // The secret's name only, never its value.
  log("error", "vault_misconfigured", { what });
  return new ApiError(503, "vault_unavailable", "The identity vault is not configured on this deployment.");
}

async function importHmac(secret: string, what: string): Promise<CryptoKey> {
  if (secret.length < 32) throw misconfigured(what);
  return crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

let cached: { fingerprint: string; keys: Promise<VaultKeys> } | undefined;

/** Parses and imports the vault secrets once per isolate (re-imported if they change). */
export function loadVaultKeys(env: VaultSecrets): Promise<VaultKeys> {
  const fingerprint = `${env.VAULT_MASTER_KEYS}\u0000${env.VAULT_ACTIVE_KID}\u0000${env.BLIND_INDEX_KEY}\u0000${env.CODE_HMAC_KEY}`;
  if (cached?.fingerprint === fingerprint) return cached.keys;
  const keys = (async (): Promise<VaultKeys> => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(env.VAULT_MASTER_KEYS ?? "");
    } catch {
      throw misconfigured("VAULT_MASTER_KEYS");
    }
    if (!parsed || typeof parsed !== "object") throw misconfigured("VAULT_MASTER_KEYS");
    const masters = new Map<string, CryptoKey>();
    for (const [kid, b64] of Object.entries(parsed as Record<string, unknown>)) {
      let raw: Uint8Array;
      try {
        raw = base64ToBytes(String(b64));
      } catch {
        throw misconfigured("VAULT_MASTER_KEYS");
      }
      if (raw.length !== 32 || !/^[A-Za-z0-9_.-]{1,32}$/.test(kid)) throw misconfigured("VAULT_MASTER_KEYS");
      masters.set(kid, await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]));
    }
    const activeKid = env.VAULT_ACTIVE_KID ?? "";
    if (!masters.has(activeKid)) throw misconfigured("VAULT_ACTIVE_KID");
    return {
      masters,
      activeKid,
      blindKey: await importHmac(env.BLIND_INDEX_KEY ?? "", "BLIND_INDEX_KEY"),
      codeKey: await importHmac(env.CODE_HMAC_KEY ?? "", "CODE_HMAC_KEY"),
    };
  })();
  cached = { fingerprint, keys };
  keys.catch(() => {
    if (cached?.keys === keys) cached = undefined;
  });
  return keys;
}

async function gcmEncrypt(key: CryptoKey, plaintext: Uint8Array, aad: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: enc.encode(aad) }, key, plaintext));
  const out = new Uint8Array(12 + ct.length);
  out.set(iv);
  out.set(ct, 12);
  return bytesToBase64(out);
}

async function gcmDecrypt(key: CryptoKey, b64: string, aad: string): Promise<Uint8Array> {
  const bytes = base64ToBytes(b64);
  return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.slice(0, 12), additionalData: enc.encode(aad) }, key, bytes.slice(12)));
}

const dekAad = (accountId: string) => `${VAULT_TABLE}:wrapped_key:${accountId}`;
const fieldAad = (column: VaultColumn, accountId: string) => `${VAULT_TABLE}:${column}:${accountId}`;

/** A fresh data key for one account, and its wrapped (storable) form under the active master key. */
export async function newDataKey(keys: VaultKeys, accountId: string): Promise<{ key: CryptoKey; kid: string; wrapped: string }> {
  const raw = crypto.getRandomValues(new Uint8Array(32));
  const wrapped = await gcmEncrypt(keys.masters.get(keys.activeKid)!, raw, dekAad(accountId));
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  raw.fill(0);
  return { key, kid: keys.activeKid, wrapped };
}

async function unwrapRaw(keys: VaultKeys, accountId: string, kid: string, wrapped: string): Promise<Uint8Array> {
  const master = keys.masters.get(kid);
  if (!master) throw misconfigured(`master key ${kid}`);
  return gcmDecrypt(master, wrapped, dekAad(accountId));
}

export async function unwrapDataKey(keys: VaultKeys, accountId: string, kid: string, wrapped: string): Promise<CryptoKey> {
  const raw = await unwrapRaw(keys, accountId, kid, wrapped);
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  raw.fill(0);
  return key;
}

/** Re-wraps a data key under the active master key (rotation); the fields stay as they are. */
export async function rewrapDataKey(keys: VaultKeys, accountId: string, kid: string, wrapped: string): Promise<{ kid: string; wrapped: string }> {
  const raw = await unwrapRaw(keys, accountId, kid, wrapped);
  const rewrapped = await gcmEncrypt(keys.masters.get(keys.activeKid)!, raw, dekAad(accountId));
  raw.fill(0);
  return { kid: keys.activeKid, wrapped: rewrapped };
}

export function encryptField(dataKey: CryptoKey, column: VaultColumn, accountId: string, plaintext: string): Promise<string> {
  return gcmEncrypt(dataKey, enc.encode(plaintext), fieldAad(column, accountId));
}

export async function decryptField(dataKey: CryptoKey, column: VaultColumn, accountId: string, ciphertext: string): Promise<string> {
  return dec.decode(await gcmDecrypt(dataKey, ciphertext, fieldAad(column, accountId)));
}

async function hmacHex(key: CryptoKey, message: string): Promise<string> {
  return toHex(await crypto.subtle.sign("HMAC", key, enc.encode(message)));
}

/** Blind index of a normalised identity document: equal documents, equal index; nothing else learnable. */
export function identityIndex(keys: VaultKeys, documentType: string, number: string): Promise<string> {
  return hmacHex(keys.blindKey, `identity:${documentType}:${number}`);
}

/** Blind index of an E.164 phone number. */
export function phoneIndex(keys: VaultKeys, e164: string): Promise<string> {
  return hmacHex(keys.blindKey, `phone:${e164}`);
}

/** What is stored of a verification code: an HMAC bound to the phone it was sent to. */
export function codeHmac(keys: VaultKeys, phoneBidx: string, code: string): Promise<string> {
  return hmacHex(keys.codeKey, `code:${phoneBidx}:${code}`);
}
