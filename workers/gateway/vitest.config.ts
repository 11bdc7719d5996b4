import { workerProject } from "../../test/support/worker-project.ts";

/**
 * The gateway's own behaviour (auth, keys, errors, limits, headers) inside workerd.
 * Auxiliary workers fail to start under @cloudflare/vitest-plugin 1.5 here, so the function
 * workers are absent: their bindings answer 503 as an unavailable worker would. Forwarding
 * to the real workers is covered end to end (test/e2e) against `wrangler dev`.
 * The Rate Limiting bindings are simulated with low limits, so limit tests need few requests.
 */
const unavailable = () => new Response("function worker not running in this test project", { status: 503 });

export const TEST_LIMITS = {
  RATE_LIMIT_STANDARD: { namespace_id: "1001", simple: { limit: 20, period: 60 } },
  RATE_LIMIT_HIGH: { namespace_id: "1003", simple: { limit: 40, period: 60 } },
  RATE_LIMIT_KEYLESS: { namespace_id: "1005", simple: { limit: 10, period: 60 } },
  RATE_LIMIT_AUTH_FAILURES: { namespace_id: "1007", simple: { limit: 5, period: 60 } },
};

export default workerProject("gateway", {
  configPath: "../../wrangler.toml",
  bindings: { ADMIN_KEY: "test-admin-key-0123456789abcdef" },
  miniflare: {
    ratelimits: TEST_LIMITS,
    serviceBindings: { REGISTRATION: unavailable, SCREENING: unavailable, REPOSTS: unavailable, MODERATION: unavailable, CONSOLE: unavailable },
  },
});
