import type { Upstream } from "./env";

/**
 * Which function worker owns which `/v1/<segment>`: the single routing table of the suite.
 * A segment not listed here is an unknown route (404) before any authentication.
 */
export const ROUTE_OWNERS: Record<string, Upstream> = {
  accounts: "REGISTRATION",
  public: "REGISTRATION",
  publishers: "REGISTRATION",
  webhooks: "REGISTRATION",
  dev: "REGISTRATION",
  screen: "SCREENING",
  "term-lists": "SCREENING",
  "allow-list": "SCREENING",
  "blocked-domains": "SCREENING",
  "contact-rules": "SCREENING",
  policy: "SCREENING",
  posts: "REPOSTS",
  spread: "REPOSTS",
  reports: "MODERATION",
  appeals: "MODERATION",
  "review-queue": "MODERATION",
  moderation: "MODERATION",
  audit: "MODERATION",
  exports: "MODERATION",
};

/** Segments served without an API key: public profiles and provider webhooks (HMAC-verified by their worker). */
export const PUBLIC_SEGMENTS = new Set(["public", "webhooks"]);

export function firstSegment(pathname: string): string | undefined {
  // "/v1/accounts/abc" -> "accounts"
  if (!pathname.startsWith("/v1/")) return undefined;
  const rest = pathname.slice(4);
  const end = rest.indexOf("/");
  return end < 0 ? rest : rest.slice(0, end);
}
