import { workerProject } from "../../test/support/worker-project.ts";

/**
 * The events worker inside workerd with its own wrangler.toml (queues, cron). Its receivers are
 * real HTTP servers on loopback, started in Node by test/receiver-setup.ts; tests reach them
 * with `inject("receiverUrl")`. Tiny retry delays, and local receivers allowed, as on a local stack.
 */
const config = workerProject("events", {
  configPath: "./wrangler.toml",
  bindings: {
    WEBHOOK_ALLOW_LOCAL: "1", WEBHOOK_RETRY_BASE_SECONDS: "1", WEBHOOK_RETRY_CAP_SECONDS: "2", WEBHOOK_TIMEOUT_MS: "1000",
    // The webhook master keys (moderation's test config holds the same): secrets in D1 are sealed.
    WEBHOOK_MASTER_KEYS: JSON.stringify({ wh1: btoa(String.fromCharCode(...new Uint8Array(32).fill(9))) }),
    WEBHOOK_ACTIVE_KID: "wh1",
  },
});
config.test!.globalSetup = ["./test/receiver-setup.ts"];
export default config;
