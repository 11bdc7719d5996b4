import { createRoute, z } from "@hono/zod-openapi";
import { and, eq, gt, isNull } from "drizzle-orm";
import { accounts, publisherLicences } from "../../../../db/schema";
import { createRouter } from "../../../../pkg/app";
import { createDb } from "../../../../pkg/db";
import { ApiError } from "../../../../pkg/errors";
import { problemResponses } from "../../../../pkg/schemas";
import type { Deps, Env } from "../env";
import { normaliseHandle } from "../registration-input";

const PublicProfileSchema = z
  .object({
    handle: z.string(),
    displayName: z.string(),
    badges: z.object({
      verified: z.boolean(),
      newsPublisher: z.object({ scope: z.array(z.string()) }).nullable().openapi({ description: "Union of the scopes of the account's licences in force" }),
    }),
  })
  .openapi("PublicProfile");

const profile = createRoute({
  method: "get",
  path: "/v1/public/accounts/{handle}",
  tags: ["public"],
  summary: "Public profile (no key): handle, display name, verified and news-publisher badges. Never identity data.",
  request: { params: z.object({ handle: z.string().min(1).max(100).openapi({ param: { name: "handle", in: "path" } }) }) },
  responses: {
    200: { description: "Profile", content: { "application/json": { schema: PublicProfileSchema } } },
    ...problemResponses(404, 422),
  },
});

export const publicRoutes = (deps: Deps) =>
  createRouter<Env>().openapi(profile, async (c) => {
    const handle = normaliseHandle(c.req.valid("param").handle);
    const db = createDb(c.env.DB);
    const account = await db.select({ id: accounts.id, handle: accounts.handle, displayName: accounts.displayName, kind: accounts.kind, status: accounts.status }).from(accounts).where(eq(accounts.handle, handle)).get();
    // Closed and rejected accounts have no public face; the answer does not say which.
    if (!account || account.status === "closed" || account.status === "rejected") throw new ApiError(404, "account_not_found", "No public account has this handle.");
    const verified = account.status === "verified";
    let newsPublisher: { scope: string[] } | null = null;
    if (verified && account.kind === "public") {
      const now = deps.now();
      const licences = await db
        .select({ scope: publisherLicences.scope })
        .from(publisherLicences)
        .where(and(eq(publisherLicences.accountId, account.id), isNull(publisherLicences.revokedAt), gt(publisherLicences.expiresAt, now)));
      if (licences.length > 0) newsPublisher = { scope: [...new Set(licences.flatMap((l) => JSON.parse(l.scope) as string[]))].sort() };
    }
    c.header("cache-control", "public, max-age=30");
    return c.json({ handle: account.handle, displayName: account.displayName, badges: { verified, newsPublisher } }, 200);
  });
