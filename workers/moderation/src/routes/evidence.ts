/** GET /v1/review-queue/{id}/evidence: what the operator judges, decrypted; every read audited. */
import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { reviewQueue } from "../../../../db/schema";
import { createRouter } from "../../../../pkg/app";
import { auditStatement } from "../../../../pkg/audit";
import { runAtomic } from "../../../../pkg/batch";
import { createDb } from "../../../../pkg/db";
import { ApiError } from "../../../../pkg/errors";
import { requireRole } from "../../../../pkg/principal";
import { problemResponses } from "../../../../pkg/schemas";
import type { Env } from "../env";
import { readEvidence } from "../evidence";

const ItemIdParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, "Malformed id") });

const EvidenceSchema = z
  .object({
    reviewItemId: z.string(),
    postId: z.string(),
    accountId: z.string(),
    kind: z.enum(["post", "news", "reprint"]),
    title: z.string().nullable(),
    text: z.string(),
    links: z.array(z.string()),
    verdict: z.string(),
    reasons: z.array(z.record(z.string(), z.unknown())).openapi({ description: "The reasons as screening returned them: code, action, category, severity, termId, field, start, end, excerpt" }),
    categories: z.array(z.string()),
    policyVersion: z.number().int(),
    screenedAt: z.string().openapi({ description: "ISO 8601" }),
    retainUntil: z.string().openapi({ description: "The deadline written at screening (ISO 8601); an open item keeps the evidence, a decided one until its decision + DECIDED_EVIDENCE_RETENTION_DAYS" }),
  })
  .openapi("Evidence");

const getEvidence = createRoute({
  method: "get",
  path: "/v1/review-queue/{id}/evidence",
  tags: ["moderation"],
  summary: "The content of the item's post as screened (operator): title, text, links, reasons with offsets. Each read is audited.",
  description:
    "Decrypted from the evidence store. Written to the audit log (`evidence.read`, without the content) before the answer. 404 `evidence_not_found` when the item's subject is not a post, or its evidence was never recorded or has been purged.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: { params: ItemIdParam },
  responses: {
    200: { description: "The evidence", content: { "application/json": { schema: EvidenceSchema } } },
    ...problemResponses(401, 403, 404, 422, 503),
  },
});

export const evidenceRoutes = createRouter<Env>().openapi(getEvidence, async (c) => {
  const { id } = c.req.valid("param");
  const [item] = await createDb(c.env.DB)
    .select({ id: reviewQueue.id, subjectType: reviewQueue.subjectType, subjectId: reviewQueue.subjectId })
    .from(reviewQueue)
    .where(eq(reviewQueue.id, id))
    .limit(1);
  if (!item) throw new ApiError(404, "review_item_not_found", "There is no review item with this id.");
  if (item.subjectType !== "post") throw new ApiError(404, "evidence_not_found", "This item is about an account; only posts have evidence.");
  const evidence = await readEvidence(c.env, item.subjectId);
  // The read is recorded before anything is shown; the entry names the item, never the content.
  await runAtomic(c.env.DB, [
    auditStatement(c.get("principal")!, c.get("requestId"), { action: "evidence.read", subjectType: "post", subjectId: item.subjectId, details: { reviewItemId: item.id } }),
  ]);
  c.header("cache-control", "no-store");
  return c.json(
    {
      reviewItemId: item.id,
      postId: evidence.postId,
      accountId: evidence.accountId,
      kind: evidence.kind,
      title: evidence.title,
      text: evidence.text,
      links: evidence.links,
      verdict: evidence.verdict,
      reasons: evidence.reasons as Record<string, unknown>[],
      categories: evidence.categories,
      policyVersion: evidence.policyVersion,
      screenedAt: new Date(evidence.screenedAt).toISOString(),
      retainUntil: new Date(evidence.retainUntil).toISOString(),
    },
    200,
  );
});
