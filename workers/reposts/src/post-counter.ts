import { DurableObject } from "cloudflare:workers";
import type { Env } from "./env";

/**
 * Exact spread state of one root post (or one shard of a hot post), in the object's
 * own SQLite storage. Declared by the foundation; counting is built on top of it.
 */
export class PostCounter extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
  }

  /** Liveness probe used by tests and health checks. */
  async ping(): Promise<string> {
    return "pong";
  }
}
