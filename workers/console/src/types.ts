/**
 * The shapes of the function workers' answers the console reads: the component schemas of
 * /openapi.json, generated into pkg/api.gen.ts (`npm run openapi:client`), so a change to an
 * answer reaches the console's types, and test/e2e/openapi.test.ts catches a file left stale.
 */
import type { components } from "../../../pkg/api.gen";

type Schema = components["schemas"];
export type ReviewSignal = Schema["ReviewSignal"];
export type ReviewItem = Schema["ReviewItem"];
export type Evidence = Schema["Evidence"];
export type Account = Schema["Account"];
export type Appeal = Schema["Appeal"];
export type AuditEntry = Schema["AuditEntry"];

export { DECISION_ACTIONS, REVIEW_SOURCES } from "../../../db/schema";
