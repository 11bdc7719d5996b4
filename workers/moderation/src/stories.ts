/**
 * A decision on a story (screening groups near-duplicate posts into stories: tables `stories`,
 * `story_posts`): `remove_post` or `label_post` on every copy, through the one decision engine
 * (src/decisions.ts `decideItems`), so each copy gets its own decision row, audit entry and closed
 * signals exactly as a bulk decision of its review item would.
 *
 * 1. One batch gives every copy still to act on an open review item (a signal of source `spread`,
 *    reason `story_decision`, through pkg/review-signals: it joins the copy's open item if there is
 *    one) and, for `remove_post`, marks the story removed (once, audited as `story.removed`): from
 *    then on a new copy is screened with `matches_removed_story`, linked to this decision.
 * 2. `decideItems` decides those items (bulk), skipping what a queue decision would skip (claimed
 *    by someone else, an open appeal, already removed).
 * 3. The story's `removed_decision_id` is the first decision written, so the review item of a later
 *    copy links a real decision.
 *
 * At most `MAX_COPIES_PER_CALL` copies are acted on per call (D1 allows 1,000 statements per
 * invocation); `remaining` says how many are left, and calling again continues (copies already
 * removed or labelled are not acted on twice).
 */
import { sql } from "drizzle-orm";
import { auditStatement } from "../../../pkg/audit";
import { runAtomic } from "../../../pkg/batch";
import { ApiError } from "../../../pkg/errors";
import { newId } from "../../../pkg/ids";
import type { WaitUntil } from "../../../pkg/outbox";
import type { Principal } from "../../../pkg/principal";
import { reviewDedupeKey, reviewSignal } from "../../../pkg/review-signals";
import { decideItems, type Outcome } from "./decisions";
import type { Env } from "./env";

export const MAX_COPIES_PER_CALL = 100;

export interface StoryDecisionInput {
  action: "remove_post" | "label_post";
  reason: string;
  labels?: string[];
}

export interface StoryOutcome extends Outcome {
  storyId: string;
  /** Copies of the story not acted on by this call (call again). */
  remaining: number;
  removal: { removedAt: number; decisionId: string | null } | null;
}

export async function decideStory(env: Env, actor: Principal, requestId: string | undefined, storyId: string, input: StoryDecisionInput, ctx?: WaitUntil): Promise<StoryOutcome> {
  const story = await env.DB.prepare(`SELECT id, removed_at, removed_decision_id FROM stories WHERE id = ?`)
    .bind(storyId)
    .first<{ id: string; removed_at: number | null; removed_decision_id: string | null }>();
  if (!story) throw new ApiError(404, "story_not_found", "No story has this id.");

  // Copies still to act on, oldest first: not removed yet (remove_post), or missing one of the labels (label_post).
  const labels = JSON.stringify(input.labels ?? []);
  const pendingCopies = input.action === "remove_post" ? `p.removed_at IS NULL` : `(SELECT count(*) FROM post_labels l WHERE l.post_id = p.id AND l.label IN (SELECT value FROM json_each(?2))) < json_array_length(?2)`;
  const { results } = await env.DB.prepare(
    `SELECT p.id FROM story_posts sp JOIN posts p ON p.id = sp.post_id WHERE sp.story_id = ?1 AND ${pendingCopies} ORDER BY sp.joined_at, sp.post_id`,
  )
    .bind(...(input.action === "remove_post" ? [storyId] : [storyId, labels]))
    .all<{ id: string }>();
  if (input.action === "remove_post" && story.removed_at !== null && results.length === 0) {
    throw new ApiError(409, "story_already_removed", "This story and every copy of it are already removed.", { decisionId: story.removed_decision_id });
  }
  const copies = results.slice(0, MAX_COPIES_PER_CALL).map((r) => r.id);
  const stillPending = (postId: string) =>
    input.action === "remove_post"
      ? sql`EXISTS (SELECT 1 FROM posts WHERE id = ${postId} AND removed_at IS NULL)`
      : sql`(SELECT count(*) FROM post_labels l WHERE l.post_id = ${postId} AND l.label IN (SELECT value FROM json_each(${labels}))) < json_array_length(${labels})`;
  const now = Date.now();
  const run = newId("sdr");
  const statements = copies.flatMap((postId) =>
    reviewSignal(
      {
        subjectType: "post",
        subjectId: postId,
        source: "spread",
        reasonCode: "story_decision",
        dedupeKey: reviewDedupeKey("spread", "post", postId, `story:${storyId}:${run}`),
        details: { storyId, action: input.action },
        createdAt: now,
      },
      // Only while the copy still needs it: a concurrent decision may have acted on it since the read.
      { now, requestId: requestId ?? null, onlyIf: stillPending(postId) },
    ),
  );
  if (input.action === "remove_post") {
    statements.push(
      sql`UPDATE stories SET removed_at = ${now} WHERE id = ${storyId} AND removed_at IS NULL`,
      auditStatement(actor, requestId, { action: "story.removed", subjectType: "story", subjectId: storyId, reason: input.reason, details: { copies: results.length } }, { at: now, onlyIf: sql`changes() = 1` }),
    );
  }
  if (statements.length > 0) await runAtomic(env.DB, statements);

  const items = copies.length
    ? (
        await env.DB.prepare(`SELECT id FROM review_queue WHERE subject_type = 'post' AND status = 'open' AND subject_id IN (SELECT value FROM json_each(?))`)
          .bind(JSON.stringify(copies))
          .all<{ id: string }>()
      ).results.map((r) => r.id)
    : [];
  const outcome: Outcome = items.length ? await decideItems(env, actor, requestId, items, input, { bulk: true, ...(ctx ? { ctx } : {}) }) : { decided: [], skipped: [] };

  let removal: StoryOutcome["removal"] = null;
  if (input.action === "remove_post") {
    const first = outcome.decided[0]?.id ?? null;
    if (first) await env.DB.prepare(`UPDATE stories SET removed_decision_id = ? WHERE id = ? AND removed_decision_id IS NULL`).bind(first, storyId).run();
    const after = await env.DB.prepare(`SELECT removed_at, removed_decision_id FROM stories WHERE id = ?`).bind(storyId).first<{ removed_at: number; removed_decision_id: string | null }>();
    removal = { removedAt: after!.removed_at, decisionId: after!.removed_decision_id };
  }
  return { storyId, decided: outcome.decided, skipped: outcome.skipped, remaining: Math.max(0, results.length - copies.length), removal };
}

