/** POST /v1/review-queue/stories/{storyId}/decision: a decision on every copy of a story (src/stories.ts). */
import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../../../../pkg/app";
import { requireRole } from "../../../../pkg/principal";
import { IdSchema, isoOrNull, problemResponses, safeText } from "../../../../pkg/schemas";
import { LabelsSchema } from "../decision-schemas";
import type { Env } from "../env";
import { decideStory, MAX_COPIES_PER_CALL } from "../stories";

const StoryDecisionBody = z
  .object({
    action: z.enum(["remove_post", "label_post"]).openapi({ description: "Remove every copy, or label every copy" }),
    reason: safeText({ min: 3, max: 500 }),
    labels: LabelsSchema.optional().openapi({ description: "`label_post` only: labels added to every copy" }),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.action === "label_post" && !v.labels) ctx.addIssue({ code: "custom", path: ["labels"], message: "`label_post` needs at least one label", params: { code: "REQUIRED" } });
    if (v.action !== "label_post" && v.labels) ctx.addIssue({ code: "custom", path: ["labels"], message: "Labels go with `label_post` only", params: { code: "NOT_ALLOWED" } });
  })
  .openapi("StoryDecision");

const StoryDecisionResult = z
  .object({
    storyId: z.string(),
    decided: z.array(z.object({ itemId: z.string(), decisionId: z.string(), postId: z.string() })),
    skipped: z.array(
      z.object({
        itemId: z.string(),
        code: z.string().openapi({ description: "`already_decided`, `item_claimed`, `appeal_pending`, `decision_not_applicable` (as in a bulk decision)" }),
        detail: z.string(),
      }),
    ),
    remaining: z.number().int().openapi({ description: `Copies not acted on by this call (at most ${MAX_COPIES_PER_CALL} per call): call again to continue` }),
    removal: z
      .object({ removedAt: z.string(), decisionId: z.string().nullable() })
      .nullable()
      .openapi({ description: "`remove_post`: the story is removed; a new copy is screened with `matches_removed_story`, linked to `decisionId`" }),
  })
  .openapi("StoryDecisionResult");

const decideStoryRoute = createRoute({
  method: "post",
  path: "/v1/review-queue/stories/{storyId}/decision",
  tags: ["moderation"],
  summary:
    "Decide a story (operator): `remove_post` or `label_post` on every copy, each copy decided as a bulk decision of its review item would be (its own decision and audit row; an item is opened for a copy that has none). `remove_post` also makes the story known: a new copy is screened with `matches_removed_story` (action `STORY_REMOVED_ACTION`, default review), its review item linking this decision. 409 `story_already_removed` when the story and all its copies are removed.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: {
    params: z.object({ storyId: IdSchema.openapi({ param: { name: "storyId", in: "path" }, example: "sty_mf3k2a9x0q1w2e3r" }) }),
    body: { required: true, content: { "application/json": { schema: StoryDecisionBody } } },
  },
  responses: {
    200: { description: "Per-copy results", content: { "application/json": { schema: StoryDecisionResult } } },
    ...problemResponses(401, 403, 404, 409, 415, 422),
  },
});

export const storyDecisionRoutes = createRouter<Env>().openapi(decideStoryRoute, async (c) => {
  const { storyId } = c.req.valid("param");
  const input = c.req.valid("json");
  const outcome = await decideStory(c.env, c.get("principal")!, c.get("requestId"), storyId, input, c.executionCtx);
  return c.json(
    {
      storyId,
      decided: outcome.decided.map((d) => ({ itemId: d.reviewItemId, decisionId: d.id, postId: d.subjectId })),
      skipped: outcome.skipped.map((s) => ({ itemId: s.itemId, code: s.code, detail: s.detail })),
      remaining: outcome.remaining,
      removal: outcome.removal ? { removedAt: isoOrNull(outcome.removal.removedAt)!, decisionId: outcome.removal.decisionId } : null,
    },
    200,
  );
});
