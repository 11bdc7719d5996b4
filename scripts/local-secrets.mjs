// Local secrets of each worker, written to `.dev.vars` beside its wrangler.toml when absent.
// Every worker lists here the secrets it needs; values are random per checkout.
// In production set the same names with `wrangler secret put NAME -c <config>`.
import { randomBytes } from "node:crypto";

const hex32 = () => randomBytes(32).toString("hex");
const b64key = () => randomBytes(32).toString("base64");

/** dir (relative to the repo root) -> { NAME: () => value } */
export const LOCAL_SECRETS = {
  ".": {
    ENVIRONMENT: () => "development",
    ADMIN_KEY: () => `gh_admin_${randomBytes(24).toString("base64url")}`,
  },
  "workers/registration": {
    ENVIRONMENT: () => "development",
  },
  "workers/screening": {
    ENVIRONMENT: () => "development",
  },
  "workers/reposts": {
    ENVIRONMENT: () => "development",
  },
  "workers/moderation": {
    ENVIRONMENT: () => "development",
  },
};

// Kept for workers that need them: generators for 256-bit keys.
export const generators = { hex32, b64key };
