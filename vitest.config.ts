import { defineConfig } from "vitest/config";

// One run, several projects: each worker inside workerd (its own wrangler.toml), the pure
// screening engine in Node, and the end-to-end suite against the real multi-worker stack.
export default defineConfig({
  test: {
    // Request logs are structured JSON lines: show them only for failing tests.
    silent: "passed-only",
    projects: [
      "workers/gateway/vitest.config.ts",
      "workers/registration/vitest.config.ts",
      "workers/screening/vitest.config.ts",
      "workers/reposts/vitest.config.ts",
      "workers/moderation/vitest.config.ts",
      "workers/events/vitest.config.ts",
      "workers/console/vitest.config.ts",
      {
        test: {
          name: "engine",
          environment: "node",
          include: ["workers/screening/engine/**/*.test.ts"],
          testTimeout: 60_000,
        },
      },
      "test/e2e/vitest.config.ts",
    ],
  },
});
