import { createApp } from "../../../pkg/app";
import { mountInternalRoutes } from "../../../pkg/internal-routes";
import type { Env } from "./env";

const app = createApp<Env>("moderation");
mountInternalRoutes(app, "moderation");

export default app;
