/**
 * Story spread: reposts and views summed over a story's copies (screening groups the copies:
 * table `story_posts`), kept with the same design as a post's own spread.
 *
 * A copy's counts are exact in its PostCounter, which flushes them to D1 (`post_spread`) with a
 * version guard. The same flush batch adds the copy's change since its last flush to the story's
 * totals — `new − the post_spread row it replaces`, applied only when that row is older (the same
 * version guard), so a retried or reordered flush adds nothing twice and the story's totals stay
 * the sum of its copies' flushed totals. The story is named by a subquery, so a copy that joined
 * its story a moment ago is counted whatever the flush read before.
 *
 * Thresholds (STORY_ESCALATE_REPOSTS / _VIEWS; distinct accounts are screening's) open one review
 * signal for the story (pkg/review-signals, dedupe key `spread:post:<first copy>:story:<id>`, the
 * key screening uses for the accounts threshold), in the same batch, about the story's first copy
 * and listing its copies; `stories.escalated_at` is set once.
 */
import { sql, type SQL } from "drizzle-orm";
import { intVar } from "../../../pkg/config";
import { reviewDedupeKey, reviewSignal } from "../../../pkg/review-signals";
import type { Env } from "./env";

/** Copies listed in the signal (GET /v1/stories/{id} lists them all). */
const LISTED_COPIES = 50;

export function storyThresholds(env: Env): { reposts: number; views: number } {
  return { reposts: intVar(env.STORY_ESCALATE_REPOSTS, 500, 1, 1e12), views: intVar(env.STORY_ESCALATE_VIEWS, 5000, 1, 1e12) };
}

interface StoryRow {
  id: string;
  first_post_id: string;
  category: string | null;
  copy_ids: string;
}

/**
 * Statements around a root post's flush (`before` goes ahead of the post_spread upsert, `after`
 * behind it) for the story the post belongs to. Reads the story once, for the signal's subject
 * and list: none when the post is in no story or the story has escalated already.
 */
export async function storyFlushStatements(env: Env, root: string, counts: { reposts: number; views: number; version: number }, now: number): Promise<{ before: SQL[]; after: SQL[] }> {
  const storyOf = sql`(SELECT story_id FROM story_posts WHERE post_id = ${root})`;
  const before = [
    sql`UPDATE stories SET
        reposts = reposts + ${counts.reposts} - coalesce((SELECT reposts FROM post_spread WHERE root_post_id = ${root}), 0),
        views = views + ${counts.views} - coalesce((SELECT views FROM post_spread WHERE root_post_id = ${root}), 0),
        spread_updated_at = ${now}
      WHERE id = ${storyOf} AND coalesce((SELECT version FROM post_spread WHERE root_post_id = ${root}), -1) < ${counts.version}`,
  ];
  const story = await env.DB.prepare(
    `SELECT s.id, s.first_post_id, (SELECT json_extract(categories, '$[0]') FROM posts WHERE id = s.first_post_id) AS category,
       (SELECT json_group_array(post_id) FROM (SELECT post_id FROM story_posts WHERE story_id = s.id ORDER BY joined_at LIMIT ?2)) AS copy_ids
     FROM story_posts sp JOIN stories s ON s.id = sp.story_id WHERE sp.post_id = ?1 AND s.escalated_at IS NULL`,
  )
    .bind(root, LISTED_COPIES)
    .first<StoryRow>();
  if (!story) return { before, after: [] };
  const t = storyThresholds(env);
  const crossed = sql`EXISTS (SELECT 1 FROM stories WHERE id = ${story.id} AND escalated_at IS NULL AND (reposts >= ${t.reposts} OR views >= ${t.views}))`;
  const after = [
    ...reviewSignal(
      {
        subjectType: "post",
        subjectId: story.first_post_id,
        source: "spread",
        reasonCode: "story_threshold",
        category: story.category,
        dedupeKey: reviewDedupeKey("spread", "post", story.first_post_id, `story:${story.id}`),
        details: { storyId: story.id, metric: "spread", thresholds: t, copyIds: JSON.parse(story.copy_ids) as string[] },
        createdAt: now,
      },
      { onlyIf: crossed, now },
    ),
    sql`UPDATE stories SET escalated_at = ${now} WHERE id = ${story.id} AND escalated_at IS NULL AND (reposts >= ${t.reposts} OR views >= ${t.views})`,
  ];
  return { before, after };
}
