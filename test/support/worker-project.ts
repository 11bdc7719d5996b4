import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { defineConfig, type ViteUserConfig } from "vitest/config";

const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * The vitest project of one worker: its tests run inside workerd with the worker's own
 * wrangler.toml (bindings, Durable Objects), and every test file starts from a fresh D1
 * with all migrations applied (storage is isolated per file).
 */
export function workerProject(
  name: string,
  options: {
    configPath: string;
    bindings?: Record<string, unknown>;
    miniflare?: Record<string, unknown>;
    include?: string[];
  },
): ViteUserConfig {
  return defineConfig({
    plugins: [
      cloudflareTest(async () => ({
        wrangler: { configPath: options.configPath },
        miniflare: {
          ...(options.miniflare ?? {}),
          bindings: {
            ENVIRONMENT: "test",
            TEST_MIGRATIONS: await readD1Migrations(`${root}db/migrations`),
            ...(options.bindings ?? {}),
          },
        },
      })),
    ],
    test: {
      name,
      include: options.include ?? ["test/**/*.test.ts", "src/**/*.test.ts"],
      setupFiles: [`${root}test/support/apply-migrations.ts`],
      testTimeout: 30_000,
    },
  });
}
