import { createApp } from "../../../pkg/app";
import { mountInternalRoutes } from "../../../pkg/internal-routes";
import type { Env } from "./env";
import { countRoutes } from "./routes/counts";
import { postStatusRoutes } from "./routes/post-status";
import { spreadRoutes } from "./routes/spread";
import { thresholdRoutes } from "./routes/thresholds";
import { timelineRoutes } from "./routes/timeline";
import { storyRoutes } from "./story-routes";

export { PostCounter } from "./post-counter";
export { RepostShard } from "./repost-shard";

const app = createApp<Env>("reposts");
mountInternalRoutes(app, "reposts");
app.route("/", countRoutes);
app.route("/", spreadRoutes);
app.route("/", thresholdRoutes);
app.route("/", timelineRoutes);
app.route("/", postStatusRoutes);
app.route("/", storyRoutes);

export default app;
