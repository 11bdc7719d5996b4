import { log } from "../../../pkg/log";
import { auditChain } from "./audit-chain";
import type { Env } from "./env";

/** Every minute: link what was written since (so an unchained entry is at most a minute old). */
export const AUDIT_CHAIN_CRON = "* * * * *";
/** Daily: sign a checkpoint of the head, so outsiders can pin the log as it was that day. */
export const AUDIT_CHECKPOINT_CRON = "0 3 * * *";

/** The system actor of scheduled checkpoints in the audit log. */
export const CHECKPOINT_ACTOR = { keyId: "audit-checkpoint", role: "system" } as const;

export async function runAuditCron(env: Env, controller: { cron: string; scheduledTime: number }): Promise<void> {
  const chain = auditChain(env);
  if (controller.cron === AUDIT_CHECKPOINT_CRON) {
    try {
      const { checkpoint, created } = await chain.checkpoint(CHECKPOINT_ACTOR, null, controller.scheduledTime);
      log("info", "audit checkpoint", { worker: "moderation", seq: checkpoint?.seq ?? null, created });
    } catch (err) {
      // A missing AUDIT_SIGNING_KEY must be seen, not retried silently.
      log("error", "audit checkpoint failed", { worker: "moderation", code: "audit_signing_unavailable", error: String((err as Error)?.message ?? err) });
      throw err;
    }
    return;
  }
  const run = await chain.chain();
  if (run.chained > 0) log("info", "audit chained", { worker: "moderation", chained: run.chained, retries: run.retries, head: run.head?.seq ?? null });
}
