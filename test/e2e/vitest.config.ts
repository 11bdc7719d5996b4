import { defineConfig } from "vitest/config";

// End to end: starts the real multi-worker stack with `scripts/start.mjs` (as `npm start`
// does) on a free port with its own local state, and calls the gateway over HTTP.
export default defineConfig({
  test: {
    name: "e2e",
    environment: "node",
    include: ["**/*.test.ts"],
    globalSetup: ["./global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
