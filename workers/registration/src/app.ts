import { createApp } from "../../../pkg/app";
import { mountInternalRoutes } from "../../../pkg/internal-routes";
import { defaultDeps, type Deps, type Env } from "./env";
import { accountRoutes } from "./routes/accounts";
import { actionRoutes } from "./routes/actions";
import { devRoutes } from "./routes/dev";
import { identityRoutes } from "./routes/identity";
import { internalActionRoutes } from "./routes/internal-actions";
import { phoneRoutes } from "./routes/phone";
import { publicRoutes } from "./routes/public";
import { publisherRoutes } from "./routes/publishers";
import { webhookRoutes } from "./routes/webhooks";

/**
 * The registration app. `devRoutes` mounts `/v1/dev/*` (only with the local SMS sender);
 * `deps` lets tests inject a clock and outbound fetch.
 */
export function buildApp(options: { devRoutes: boolean; deps?: Partial<Deps> }) {
  const deps: Deps = { ...defaultDeps(), ...options.deps };
  const app = createApp<Env>("registration");
  mountInternalRoutes(app, "registration");
  // Fixed paths before `/v1/accounts/{id}/...` so `vault` and `actions` are never read as ids.
  app.route("/", identityRoutes(deps));
  app.route("/", actionRoutes(deps));
  app.route("/", accountRoutes(deps));
  app.route("/", phoneRoutes(deps));
  app.route("/", publisherRoutes(deps));
  app.route("/", publicRoutes(deps));
  app.route("/", webhookRoutes(deps));
  app.route("/", internalActionRoutes(deps));
  if (options.devRoutes) app.route("/", devRoutes());
  return app;
}
