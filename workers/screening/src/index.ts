import { createApp } from "../../../pkg/app";
import { mountInternalRoutes } from "../../../pkg/internal-routes";
import type { Env } from "./env";

const app = createApp<Env>("screening");
mountInternalRoutes(app, "screening");

export default app;
