import { workerProject } from "../../test/support/worker-project.ts";

/**
 * The gateway's own behaviour (auth, keys, errors, limits, headers) inside workerd.
 * Auxiliary workers fail to start under @cloudflare/vitest-plugin 1.5 here, so the function
 * workers are absent: their bindings answer 503 as an unavailable worker would. Forwarding
 * to the real workers is covered end to end (test/e2e) against `wrangler dev`.
 */
const unavailable = () => new Response("function worker not running in this test project", { status: 503 });

export default workerProject("gateway", {
  configPath: "../../wrangler.toml",
  bindings: { ADMIN_KEY: "test-admin-key-0123456789abcdef", RATE_LIMIT_PER_MINUTE: "20" },
  miniflare: {
    ratelimits: { RATE_LIMITER: { namespace_id: "1001", simple: { limit: 20, period: 60 } } },
    serviceBindings: { REGISTRATION: unavailable, SCREENING: unavailable, REPOSTS: unavailable, MODERATION: unavailable },
  },
});
