/**
 * Grouping a screened post into a story (see README.md).
 *
 * Before the verdict: `findStory` reads the stories sharing an LSH bucket with the post (one D1
 * query) and picks the most similar one at or above the threshold. Its removal, if moderators
 * removed it, becomes the screening reason `matches_removed_story`.
 *
 * In the post's own batch: `storyStatements` joins that story, or starts a new one. Each statement
 * acts only if the post row was inserted by the same batch (`postInserted`). A new story is
 * inserted only if none of the post's buckets belongs to a story the read did not see: D1 runs
 * batches one at a time, so of concurrent first copies the first batch creates the story and the
 * others' creation does nothing. `settleStory` then repeats read-and-join for a post left without
 * a story, so every copy ends in the one story (or, if the new story is not similar enough, in a
 * story of its own).
 */
import { sql, type SQL } from "drizzle-orm";
import { runAtomic } from "../../../../pkg/batch";
import { newId } from "../../../../pkg/ids";
import { reviewDedupeKey, reviewSignal } from "../../../../pkg/review-signals";
import { decodeSignature, encodeSignature, similarity, type Fingerprint } from "./fingerprint";
import type { StorySettings } from "./settings";

/** Most candidate stories read per post: those sharing the most buckets with it. */
const MAX_CANDIDATES = 20;
/** Copies listed in a story's escalation signal (the story's own route lists every one). */
const LISTED_COPIES = 50;
/** Read-and-join rounds for a post whose new story lost a race. */
const MAX_SETTLE_ROUNDS = 4;

export interface StoryMatch {
  storyId: string;
  /** Estimated similarity to the story's reference text (0–1). */
  similarity: number;
  firstPostId: string;
  /** Set when moderators removed the story. */
  removed: { decisionId: string | null; removedAt: number } | null;
  escalated: boolean;
  /** The story's first copies (oldest first), read while it has not escalated. */
  copyIds: string[] | null;
}

export interface StoryLookup {
  best: StoryMatch | null;
  /** Every candidate the read saw (a new story is started only if no other story holds one of the buckets). */
  seen: string[];
}

interface CandidateRow {
  id: string;
  signature: string;
  first_post_id: string;
  removed_at: number | null;
  removed_decision_id: string | null;
  escalated_at: number | null;
  copy_ids: string | null;
}

/** The best story for a fingerprint: the most similar candidate at or above the threshold. */
export async function findStory(d1: D1Database, fp: Fingerprint, settings: StorySettings): Promise<StoryLookup> {
  const { results } = await d1
    .prepare(
      `SELECT s.id, s.signature, s.first_post_id, s.removed_at, s.removed_decision_id, s.escalated_at,
         CASE WHEN s.escalated_at IS NULL THEN
           (SELECT json_group_array(post_id) FROM (SELECT post_id FROM story_posts WHERE story_id = s.id ORDER BY joined_at LIMIT ?2)) END AS copy_ids
       FROM (SELECT story_id, count(*) AS shared FROM story_buckets WHERE bucket IN (SELECT value FROM json_each(?1))
             GROUP BY story_id ORDER BY shared DESC LIMIT ${MAX_CANDIDATES}) c
       JOIN stories s ON s.id = c.story_id`,
    )
    // Copies are listed while the story has not escalated: any join may be the one that crosses a threshold.
    .bind(JSON.stringify(fp.buckets), LISTED_COPIES)
    .all<CandidateRow>();
  let best: StoryMatch | null = null;
  for (const row of results) {
    const sig = decodeSignature(row.signature);
    if (!sig) continue;
    const s = similarity(fp.signature, sig);
    if (s < settings.similarity || (best && (s < best.similarity || (s === best.similarity && row.id > best.storyId)))) continue;
    best = {
      storyId: row.id,
      similarity: s,
      firstPostId: row.first_post_id,
      removed: row.removed_at !== null ? { decisionId: row.removed_decision_id, removedAt: row.removed_at } : null,
      escalated: row.escalated_at !== null,
      copyIds: row.copy_ids ? (JSON.parse(row.copy_ids) as string[]) : null,
    };
  }
  return { best, seen: results.map((r) => r.id) };
}

export interface StoryPost {
  postId: string;
  accountId: string;
  /** The post row's created_at: with the id, it says the row is this request's own. */
  createdAt: number;
  category: string | null;
}

/** The statements that put the post in `lookup.best`, or in a new story; for the post's own batch. */
export function storyStatements(fp: Fingerprint, lookup: StoryLookup, post: StoryPost, settings: StorySettings, onlyIf: SQL): { statements: SQL[]; newStoryId: string | null } {
  if (lookup.best) return { statements: joinStatements(lookup.best, post, settings, onlyIf), newStoryId: null };
  const storyId = newId("sty");
  const buckets = JSON.stringify(fp.buckets);
  const created = sql`EXISTS (SELECT 1 FROM stories WHERE id = ${storyId})`;
  return {
    newStoryId: storyId,
    statements: [
      sql`INSERT INTO stories (id, signature, first_post_id, first_seen_at, last_seen_at, copies, accounts)
        SELECT ${storyId}, ${encodeSignature(fp.signature)}, ${post.postId}, ${post.createdAt}, ${post.createdAt}, 1, 1
        WHERE ${onlyIf} AND NOT EXISTS (SELECT 1 FROM story_buckets WHERE bucket IN (SELECT value FROM json_each(${buckets}))
          AND story_id NOT IN (SELECT value FROM json_each(${JSON.stringify(lookup.seen)})))`,
      sql`INSERT INTO story_buckets (bucket, story_id) SELECT value, ${storyId} FROM json_each(${buckets}) WHERE ${created} ON CONFLICT DO NOTHING`,
      sql`INSERT INTO story_posts (post_id, story_id, account_id, similarity, joined_at)
        SELECT ${post.postId}, ${storyId}, ${post.accountId}, 100, ${post.createdAt} WHERE ${created} ON CONFLICT DO NOTHING`,
    ],
  };
}

/** Join `story`: the membership row, then the story's copies and distinct accounts, then its escalation by accounts (once). */
function joinStatements(story: StoryMatch, post: StoryPost, settings: StorySettings, onlyIf: SQL): SQL[] {
  const statements: SQL[] = [
    sql`INSERT INTO story_posts (post_id, story_id, account_id, similarity, joined_at)
      SELECT ${post.postId}, ${story.storyId}, ${post.accountId}, ${Math.round(story.similarity * 100)}, ${post.createdAt}
      WHERE ${onlyIf} AND EXISTS (SELECT 1 FROM stories WHERE id = ${story.storyId}) ON CONFLICT DO NOTHING`,
    // Right after the insert: changes() is its row count, so a repeated join counts nothing.
    sql`UPDATE stories SET copies = copies + 1, last_seen_at = max(last_seen_at, ${post.createdAt}),
        accounts = accounts + NOT EXISTS (SELECT 1 FROM story_posts WHERE story_id = ${story.storyId} AND account_id = ${post.accountId} AND post_id <> ${post.postId})
      WHERE id = ${story.storyId} AND changes() = 1`,
  ];
  if (!story.escalated) {
    const crossed = sql`EXISTS (SELECT 1 FROM stories WHERE id = ${story.storyId} AND escalated_at IS NULL AND accounts >= ${settings.escalateAccounts})`;
    const copies = [...new Set([...(story.copyIds ?? []), post.postId])].slice(0, LISTED_COPIES);
    statements.push(
      ...storyEscalation({ storyId: story.storyId, firstPostId: story.firstPostId, category: post.category, reason: "accounts", copyIds: copies, threshold: settings.escalateAccounts, at: post.createdAt }, crossed),
      sql`UPDATE stories SET escalated_at = ${post.createdAt} WHERE id = ${story.storyId} AND escalated_at IS NULL AND accounts >= ${settings.escalateAccounts}`,
    );
  }
  return statements;
}

/**
 * The one review signal of a story (whichever threshold crosses first: accounts here, reposts or
 * views in the reposts worker, with the same dedupe key): about the story's first copy, listing
 * the copies. Mirrored in workers/reposts/src/story-spread.ts (a worker never imports another's code).
 */
function storyEscalation(p: { storyId: string; firstPostId: string; category: string | null; reason: string; copyIds: string[]; threshold: number; at: number }, onlyIf: SQL): SQL[] {
  return reviewSignal(
    {
      subjectType: "post",
      subjectId: p.firstPostId,
      source: "spread",
      reasonCode: "story_threshold",
      category: p.category,
      dedupeKey: reviewDedupeKey("spread", "post", p.firstPostId, `story:${p.storyId}`),
      details: { storyId: p.storyId, metric: p.reason, threshold: p.threshold, copyIds: p.copyIds },
      createdAt: p.at,
    },
    { onlyIf, now: p.at },
  );
}

/**
 * After the post's batch: when its new story was not created (`created` false: another story took
 * one of its buckets meanwhile), read again and join the story found, or try a new story again.
 * Returns the post's story id.
 */
export async function settleStory(d1: D1Database, fp: Fingerprint, post: StoryPost, settings: StorySettings, storyId: string, created: boolean): Promise<string | null> {
  if (created) return storyId;
  const inserted = sql`EXISTS (SELECT 1 FROM posts WHERE id = ${post.postId})`;
  for (let round = 0; round < MAX_SETTLE_ROUNDS; round++) {
    const lookup = await findStory(d1, fp, settings);
    const { statements, newStoryId } = storyStatements(fp, lookup, post, settings, inserted);
    const results = await runAtomic(d1, statements);
    if (newStoryId === null) return lookup.best!.storyId;
    if (results[0]!.meta.changes === 1) return newStoryId;
  }
  return d1.prepare(`SELECT story_id FROM story_posts WHERE post_id = ?`).bind(post.postId).first<string>("story_id");
}
