import { workerProject } from "../../test/support/worker-project.ts";

/**
 * Auxiliary workers do not start under @cloudflare/vitest-plugin 1.5, so the function workers
 * are absent here: their bindings answer 503 as unavailable workers would. The console's pages
 * over real workers are tested in a browser against the whole stack (test/e2e/console.test.ts).
 */
const unavailable = () => new Response("worker not running in this test project", { status: 503 });

export default workerProject("console", {
  configPath: "./wrangler.toml",
  miniflare: { serviceBindings: { REGISTRATION: unavailable, SCREENING: unavailable, REPOSTS: unavailable, MODERATION: unavailable } },
});
