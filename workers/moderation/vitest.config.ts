import { workerProject } from "../../test/support/worker-project.ts";

// Fixed test secrets (never used outside tests): the evidence master keys, as screening's tests use them, and the webhook ones.
const key = (byte: number) => Buffer.alloc(32, byte).toString("base64");

/**
 * Auxiliary workers do not start under @cloudflare/vitest-plugin 1.5, so the registration worker
 * is absent here: its binding answers 503 as an unavailable worker would. Account actions are
 * covered end to end (test/e2e/moderation-loop.test.ts) against `wrangler dev`.
 */
const unavailable = () => new Response("registration worker not running in this test project", { status: 503 });

export default workerProject("moderation", {
  configPath: "./wrangler.toml",
  bindings: {
    EVIDENCE_MASTER_KEYS: JSON.stringify({ e1: key(7), e2: key(8) }),
    EVIDENCE_ACTIVE_KID: "e1",
    // The webhook master keys, as the events worker's tests use them.
    WEBHOOK_MASTER_KEYS: JSON.stringify({ wh1: key(9) }),
    WEBHOOK_ACTIVE_KID: "wh1",
    // The production setting, whatever a local .dev.vars says: webhook URLs are checked in full.
    WEBHOOK_ALLOW_LOCAL: "0",
    // A fixed Ed25519 test key (PKCS#8, base64): the private key of 32 bytes of 9.
    AUDIT_SIGNING_KEY: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.alloc(32, 9)]).toString("base64"),
  },
  miniflare: { serviceBindings: { REGISTRATION: unavailable } },
});
