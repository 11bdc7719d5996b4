import { createApp } from "../../../pkg/app";
import { mountInternalRoutes } from "../../../pkg/internal-routes";
import type { Env } from "./env";
import { allowListRoutes } from "./routes/allow-list";
import { blockedDomainRoutes } from "./routes/blocked-domains";
import { contactRuleRoutes } from "./routes/contact-rules";
import { policyRoutes } from "./routes/policy";
import { policyDraftRoutes } from "./routes/policy-draft";
import { screenRoutes } from "./routes/screen";
import { termListRoutes } from "./routes/term-lists";

// CSV term imports arrive as text/csv; everything else is JSON.
const app = createApp<Env>("screening", { alsoAccept: [{ path: /^\/v1\/term-lists\/[^/]+\/terms$/, types: ["text/csv"] }] });
mountInternalRoutes(app, "screening");
app.route("/", screenRoutes);
app.route("/", termListRoutes);
app.route("/", allowListRoutes);
app.route("/", blockedDomainRoutes);
app.route("/", contactRuleRoutes);
app.route("/", policyRoutes);
app.route("/", policyDraftRoutes);

export default app;
export { PolicyBuilder } from "./policy-builder";
