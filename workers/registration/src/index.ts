import { buildApp } from "./app";
import { localSmsEnabled } from "./config";
import type { Env } from "./env";

// Built on the first request of an isolate, when the configuration is known: the dev routes
// exist only where the local SMS sender is configured.
let app: ReturnType<typeof buildApp> | undefined;

export default {
  fetch(request, env, ctx) {
    app ??= buildApp({ devRoutes: localSmsEnabled(env) });
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
