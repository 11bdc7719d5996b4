import { createApp } from "../../../pkg/app";
import { mountInternalRoutes } from "../../../pkg/internal-routes";
import type { Env } from "./env";
import { auditRoutes } from "./routes/audit";
import { claimRoutes } from "./routes/claims";
import { reportRoutes } from "./routes/reports";
import { reviewQueueRoutes } from "./routes/review-queue";

const app = createApp<Env>("moderation");
mountInternalRoutes(app, "moderation");
app.route("/", reportRoutes);
app.route("/", reviewQueueRoutes);
app.route("/", claimRoutes);
app.route("/", auditRoutes);

export default app;
