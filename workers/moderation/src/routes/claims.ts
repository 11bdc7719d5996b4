import { createRoute } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { createRouter } from "../../../../pkg/app";
import { auditStatement } from "../../../../pkg/audit";
import { runAtomic } from "../../../../pkg/batch";
import { ApiError } from "../../../../pkg/errors";
import { requireRole } from "../../../../pkg/principal";
import { claimItem, releaseClaim } from "../../../../pkg/review-signals";
import { isoOrNull, problemResponses } from "../../../../pkg/schemas";
import type { Env } from "../env";
import { claimLeaseMinutes, itemClaimed, liveClaim, loadRow } from "../review-items";
import { ClaimSchema } from "../schemas";
import { ItemIdParam } from "./review-queue";

const claim = createRoute({
  method: "post",
  path: "/v1/review-queue/{id}/claim",
  tags: ["moderation"],
  summary:
    "Claim an open item (operator): a lease of CLAIM_LEASE_MINUTES (default 15) that the holder renews by claiming again. 409 `item_claimed` (with `heldBy` and `until`) while another operator holds it; an expired lease frees the item.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: { params: ItemIdParam },
  responses: {
    200: { description: "Claimed or renewed", content: { "application/json": { schema: ClaimSchema } } },
    ...problemResponses(401, 403, 404, 409, 422),
  },
});

const release = createRoute({
  method: "delete",
  path: "/v1/review-queue/{id}/claim",
  tags: ["moderation"],
  summary: "Release a claim (its holder, or an admin). Releasing an item nobody holds is a no-op; another operator's claim is 409 `item_claimed`.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: { params: ItemIdParam },
  responses: {
    204: { description: "Released (or nobody held it)" },
    ...problemResponses(401, 403, 404, 409, 422),
  },
});

export const claimRoutes = createRouter<Env>()
  .openapi(claim, async (c) => {
    const { id } = c.req.valid("param");
    const by = c.get("principal")!.keyId;
    const now = Date.now();
    const until = now + claimLeaseMinutes(c.env) * 60_000;
    // One guarded UPDATE: of concurrent claims, the first one D1 runs takes the item and the
    // others find it held.
    const [granted] = await runAtomic(c.env.DB, [
      claimItem({ itemId: id, by, now, until }),
      auditStatement(c.get("principal")!, c.get("requestId"), { action: "review.claimed", subjectType: "review_item", subjectId: id, details: { until } }, { at: now, onlyIf: sql`changes() = 1` }),
    ]);
    if (granted!.meta.changes === 1) return c.json({ itemId: id, heldBy: by, until: isoOrNull(until)! }, 200);
    const row = await loadRow(c.env, id);
    if (row.status !== "open") throw new ApiError(409, "already_decided", "This item has already been decided; there is nothing to claim.");
    const holder = liveClaim(row, Date.now());
    if (holder) throw itemClaimed(holder);
    throw new ApiError(409, "concurrent_change", "The item changed while it was being claimed; retry.");
  })
  .openapi(release, async (c) => {
    const { id } = c.req.valid("param");
    const principal = c.get("principal")!;
    const now = Date.now();
    const [released] = await runAtomic(c.env.DB, [
      releaseClaim({ itemId: id, by: principal.keyId, anyHolder: principal.role === "admin", now }),
      auditStatement(principal, c.get("requestId"), { action: "review.claim_released", subjectType: "review_item", subjectId: id }, { at: now, onlyIf: sql`changes() = 1` }),
    ]);
    if (released!.meta.changes === 1) return c.body(null, 204);
    const row = await loadRow(c.env, id);
    const holder = row.status === "open" ? liveClaim(row, now) : null;
    if (holder && holder.heldBy !== principal.keyId) throw itemClaimed(holder);
    return c.body(null, 204);
  });
