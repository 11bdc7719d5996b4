import { workerProject } from "../../test/support/worker-project";

// The gateway's own behaviour (auth, keys, errors, limits) inside workerd. Its service
// bindings have no workers behind them here; forwarding is covered end to end in test/e2e.
export default workerProject("gateway", {
  configPath: "../../wrangler.toml",
  bindings: { ADMIN_KEY: "test-admin-key-0123456789abcdef", RATE_LIMIT_PER_MINUTE: "20" },
  miniflare: { ratelimits: { RATE_LIMITER: { simple: { limit: 20, period: 60 } } } },
});
