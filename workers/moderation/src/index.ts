import { createApp } from "../../../pkg/app";
import { mountInternalRoutes } from "../../../pkg/internal-routes";
import type { Env } from "./env";
import { sweepDecisions } from "./decisions";
import { purgeEvidence } from "./evidence";
import { appealRoutes } from "./routes/appeals";
import { auditRoutes } from "./routes/audit";
import { auditChainRoutes } from "./routes/audit-chain";
import { exportRoutes } from "./routes/exports";
import { AUDIT_CHAIN_CRON, AUDIT_CHECKPOINT_CRON, runAuditCron } from "./audit-cron";
import { evidenceRoutes } from "./routes/evidence";
import { claimRoutes } from "./routes/claims";
import { reportRoutes } from "./routes/reports";
import { reviewQueueRoutes } from "./routes/review-queue";
import { storyDecisionRoutes } from "./routes/stories";
import { webhookRoutes } from "./routes/webhooks";

const app = createApp<Env>("moderation");
mountInternalRoutes(app, "moderation");
app.route("/", reportRoutes);
app.route("/", reviewQueueRoutes);
app.route("/", storyDecisionRoutes);
app.route("/", claimRoutes);
app.route("/", appealRoutes);
app.route("/", auditChainRoutes);
app.route("/", auditRoutes);
app.route("/", exportRoutes);
app.route("/", evidenceRoutes);
app.route("/", webhookRoutes);

/** The cron that completes pending account actions and lifts ended suspensions (and only that). */
const DECISIONS_CRON = "*/5 * * * *";

/** Cron triggers (wrangler.toml [triggers]): the evidence purge (hourly); decisions (every run). */
async function scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
  if (controller.cron === AUDIT_CHAIN_CRON || controller.cron === AUDIT_CHECKPOINT_CRON) return ctx.waitUntil(runAuditCron(env, controller));
  if (controller.cron !== DECISIONS_CRON) ctx.waitUntil(purgeEvidence(env, controller.scheduledTime));
  ctx.waitUntil(sweepDecisions(env, controller.scheduledTime));
}

export default { fetch: app.fetch, scheduled } satisfies ExportedHandler<Env>;
export { AuditChain } from "./audit-chain";
