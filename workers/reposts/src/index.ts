import { createApp } from "../../../pkg/app";
import { mountInternalRoutes } from "../../../pkg/internal-routes";
import type { Env } from "./env";

export { PostCounter } from "./post-counter";

const app = createApp<Env>("reposts");
mountInternalRoutes(app, "reposts");

export default app;
