import { ApiError } from "../../../pkg/errors";
import { toHex } from "../../../pkg/ids";
import { log } from "../../../pkg/log";
import {
  decryptFromBase64,
  encryptToBase64,
  EnvelopeConfigError,
  importMasterKeys,
  newDataKey as newEnvelopeDataKey,
  rewrapDataKey as rewrapEnvelopeDataKey,
  unwrapDataKey as unwrapEnvelopeDataKey,
} from "../../../pkg/envelope";

/**
 * The identity vault's cryptography (WebCrypto only).
 *
 * Envelope encryption (pkg/envelope.ts, shared with the evidence store): each account has a
 * random 256-bit data key; its fields are AES-256-GCM ciphertexts under that key with additional authenticated data
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
  masters: ReadonlyMap<string, CryptoKey>;
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
    let masters: VaultKeys["masters"];
    let activeKid: string;
    try {
      ({ masters, activeKid } = await importMasterKeys(env.VAULT_MASTER_KEYS, env.VAULT_ACTIVE_KID, "VAULT_MASTER_KEYS", "VAULT_ACTIVE_KID"));
    } catch (e) {
      throw e instanceof EnvelopeConfigError ? misconfigured(e.what) : e;
    }
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

const dekAad = (accountId: string) => `${VAULT_TABLE}:wrapped_key:${accountId}`;
const fieldAad = (column: VaultColumn, accountId: string) => `${VAULT_TABLE}:${column}:${accountId}`;

/** Envelope key errors become the vault's 503 (naming the setting, never a value). */
async function keyOp<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    throw e instanceof EnvelopeConfigError ? misconfigured(e.what) : e;
  }
}

/** A fresh data key for one account, and its wrapped (storable) form under the active master key. */
export function newDataKey(keys: VaultKeys, accountId: string): Promise<{ key: CryptoKey; kid: string; wrapped: string }> {
  return keyOp(() => newEnvelopeDataKey(keys, dekAad(accountId)));
}

export function unwrapDataKey(keys: VaultKeys, accountId: string, kid: string, wrapped: string): Promise<CryptoKey> {
  return keyOp(() => unwrapEnvelopeDataKey(keys, kid, wrapped, dekAad(accountId)));
}

/** Re-wraps a data key under the active master key (rotation); the fields stay as they are. */
export function rewrapDataKey(keys: VaultKeys, accountId: string, kid: string, wrapped: string): Promise<{ kid: string; wrapped: string }> {
  return keyOp(() => rewrapEnvelopeDataKey(keys, kid, wrapped, dekAad(accountId)));
}

export function encryptField(dataKey: CryptoKey, column: VaultColumn, accountId: string, plaintext: string): Promise<string> {
  return encryptToBase64(dataKey, enc.encode(plaintext), fieldAad(column, accountId));
}

export async function decryptField(dataKey: CryptoKey, column: VaultColumn, accountId: string, ciphertext: string): Promise<string> {
  return dec.decode(await decryptFromBase64(dataKey, ciphertext, fieldAad(column, accountId)));
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
