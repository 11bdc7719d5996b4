import { workerProject } from "../../test/support/worker-project.ts";

// Fixed test secrets (never used outside tests); the local SMS sender and manual review,
// as in local dev. Tests exercising the HTTP adapters inject a test-double fetch.
const key = (byte: number) => Buffer.alloc(32, byte).toString("base64");

export default workerProject("registration", {
  configPath: "./wrangler.toml",
  bindings: {
    SMS_SENDER: "local",
    IDENTITY_VERIFIER: "manual",
    VAULT_MASTER_KEYS: JSON.stringify({ k1: key(1), k2: key(2) }),
    VAULT_ACTIVE_KID: "k1",
    BLIND_INDEX_KEY: "test-blind-index-key-0123456789abcdef",
    CODE_HMAC_KEY: "test-code-hmac-key-0123456789abcdefgh",
    IDV_WEBHOOK_SECRET: "test-idv-webhook-secret-0123456789",
  },
});
