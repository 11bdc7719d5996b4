import { createApp } from "../../../pkg/app";
import { mountInternalRoutes } from "../../../pkg/internal-routes";
import type { Env } from "./env";
import { purgeEvidence } from "./evidence";
import { auditRoutes } from "./routes/audit";
import { evidenceRoutes } from "./routes/evidence";
import { claimRoutes } from "./routes/claims";
import { reportRoutes } from "./routes/reports";
import { reviewQueueRoutes } from "./routes/review-queue";

const app = createApp<Env>("moderation");
mountInternalRoutes(app, "moderation");
app.route("/", reportRoutes);
app.route("/", reviewQueueRoutes);
app.route("/", claimRoutes);
app.route("/", auditRoutes);
app.route("/", evidenceRoutes);

/** Cron triggers (wrangler.toml [triggers]): the evidence purge. */
async function scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
  ctx.waitUntil(purgeEvidence(env, controller.scheduledTime));
}

export default { fetch: app.fetch, scheduled } satisfies ExportedHandler<Env>;
