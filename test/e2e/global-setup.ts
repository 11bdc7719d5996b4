import type { TestProject } from "vitest/node";
import { startStack } from "../../scripts/stack.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    adminKey: string;
  }
}

/** Starts the real multi-worker stack the way `npm start` does, once for the e2e project. */
export default async function setup(project: TestProject) {
  // A low per-key limit, so the rate-limit test needs few requests.
  const stack = await startStack({ env: { GATEHOUSE_RATE_LIMIT: "120" } });
  project.provide("baseUrl", stack.baseUrl);
  project.provide("adminKey", stack.adminKey);
  return stack.stop;
}
