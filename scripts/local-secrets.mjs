// Local secrets of each worker, written to `.dev.vars` beside its wrangler.toml when absent.
// Every worker lists here the secrets it needs; values are random per checkout.
// In production set the same names with `wrangler secret put NAME -c <config>`.
import { generateKeyPairSync, randomBytes } from "node:crypto";

const hex32 = () => randomBytes(32).toString("hex");
const b64key = () => randomBytes(32).toString("base64");
// Screening seals evidence and moderation opens it: both get the same keys (one value per run).
let evidenceKeys;
const evidenceMasterKeys = () => (evidenceKeys ??= JSON.stringify({ ev1: b64key() }));
// Moderation seals webhook signing secrets and events opens them: the same keys for both.
let webhookKeys;
const webhookMasterKeys = () => (webhookKeys ??= JSON.stringify({ wh1: b64key() }));
// Ed25519 private key signing audit checkpoints: PKCS#8 DER, base64 (one line).
const ed25519Pkcs8 = () => generateKeyPairSync("ed25519").privateKey.export({ format: "der", type: "pkcs8" }).toString("base64");

/** dir (relative to the repo root) -> { NAME: () => value } */
export const LOCAL_SECRETS = {
  ".": {
    ENVIRONMENT: () => "development",
    ADMIN_KEY: () => `gh_admin_${randomBytes(24).toString("base64url")}`,
  },
  "workers/registration": {
    ENVIRONMENT: () => "development",
    // Local dev: SMS to a D1 outbox readable with POST /v1/dev/sms {phone}; identities to manual review.
    SMS_SENDER: () => "local",
    IDENTITY_VERIFIER: () => "manual",
    // JSON on one line (.dev.vars values are single lines); add a key id + switch the active
    // one to rehearse rotation.
    VAULT_MASTER_KEYS: () => JSON.stringify({ local1: b64key() }),
    VAULT_ACTIVE_KID: () => "local1",
    BLIND_INDEX_KEY: hex32,
    CODE_HMAC_KEY: hex32,
    IDV_WEBHOOK_SECRET: hex32,
  },
  "workers/screening": {
    ENVIRONMENT: () => "development",
    EVIDENCE_MASTER_KEYS: evidenceMasterKeys,
    EVIDENCE_ACTIVE_KID: () => "ev1",
  },
  "workers/reposts": {
    ENVIRONMENT: () => "development",
  },
  "workers/moderation": {
    ENVIRONMENT: () => "development",
    EVIDENCE_MASTER_KEYS: evidenceMasterKeys,
    EVIDENCE_ACTIVE_KID: () => "ev1",
    AUDIT_SIGNING_KEY: ed25519Pkcs8,
    WEBHOOK_MASTER_KEYS: webhookMasterKeys,
    WEBHOOK_ACTIVE_KID: () => "wh1",
    // Local test receivers listen on http://127.0.0.1 (a var set to "0" in wrangler.toml).
    WEBHOOK_ALLOW_LOCAL: () => "1",
  },
  "workers/events": {
    ENVIRONMENT: () => "development",
    WEBHOOK_MASTER_KEYS: webhookMasterKeys,
    WEBHOOK_ACTIVE_KID: () => "wh1",
    WEBHOOK_ALLOW_LOCAL: () => "1",
    // Retries within seconds, so a local stack (and the end-to-end tests) sees the dead-letter path soon.
    WEBHOOK_RETRY_BASE_SECONDS: () => "1",
    WEBHOOK_RETRY_CAP_SECONDS: () => "2",
  },
};
