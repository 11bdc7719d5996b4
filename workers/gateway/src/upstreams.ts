import type { Upstream } from "./env";

/**
 * Which function worker owns which `/v1/<segment>`: the single routing table of the suite.
 * A segment not listed here is an unknown route (404) before any authentication.
 */
export const ROUTE_OWNERS: Record<string, Upstream> = {
  accounts: "REGISTRATION",
  public: "REGISTRATION",
  publishers: "REGISTRATION",
  webhooks: "MODERATION",
  dev: "REGISTRATION",
  screen: "SCREENING",
  "term-lists": "SCREENING",
  "allow-list": "SCREENING",
  "blocked-domains": "SCREENING",
  "contact-rules": "SCREENING",
  policy: "SCREENING",
  posts: "REPOSTS",
  spread: "REPOSTS",
  stories: "REPOSTS",
  reports: "MODERATION",
  appeals: "MODERATION",
  "review-queue": "MODERATION",
  moderation: "MODERATION",
  audit: "MODERATION",
  exports: "MODERATION",
};

/**
 * Paths another worker serves inside a segment, by longest prefix: the identity provider's
 * callback stays registration's while the rest of `/v1/webhooks` (the outbound webhook registry)
 * is moderation's.
 */
export const PATH_OWNERS: Record<string, Upstream> = {
  "/v1/webhooks/identity": "REGISTRATION",
};

/** Segments served without an API key: public profiles. */
export const PUBLIC_SEGMENTS = new Set(["public"]);
/** Single paths served without an API key: the identity provider's webhook (HMAC-verified by registration). */
export const PUBLIC_PATHS = new Set(["/v1/webhooks/identity"]);

/** The worker serving `pathname`: the longest `PATH_OWNERS` prefix that matches whole segments, else its segment's owner. */
export function ownerOf(pathname: string): Upstream | undefined {
  let best: string | undefined;
  for (const prefix of Object.keys(PATH_OWNERS)) {
    if ((pathname === prefix || pathname.startsWith(`${prefix}/`)) && (!best || prefix.length > best.length)) best = prefix;
  }
  return best ? PATH_OWNERS[best] : ROUTE_OWNERS[firstSegment(pathname) ?? ""];
}

/** Served without an API key by the segment or the exact path (the route table is generated from this). */
export function isPublicPath(pathname: string): boolean {
  const segment = firstSegment(pathname);
  return (segment !== undefined && PUBLIC_SEGMENTS.has(segment)) || PUBLIC_PATHS.has(pathname);
}

export function firstSegment(pathname: string): string | undefined {
  // "/v1/accounts/abc" -> "accounts"
  if (!pathname.startsWith("/v1/")) return undefined;
  const rest = pathname.slice(4);
  const end = rest.indexOf("/");
  return end < 0 ? rest : rest.slice(0, end);
}
