/** POST /v1/screen: the verdict on one post, recorded for the reposts and moderation workers. */
import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { createRouter } from "../../../../pkg/app";
import { isUniqueViolation, runAtomic, type AtomicStatement } from "../../../../pkg/batch";
import { reviewDedupeKey, reviewSignal } from "../../../../pkg/review-signals";
import { committedEventIds, relayAfterCommit, waitUntilOf } from "../../../../pkg/outbox";
import { createDb } from "../../../../pkg/db";
import { ApiError } from "../../../../pkg/errors";
import { newId, sha256Hex } from "../../../../pkg/ids";
import { requireRole } from "../../../../pkg/principal";
import { PostIdSchema, problemResponses } from "../../../../pkg/schemas";
import type { Verdict } from "../../../../db/schema";
import { decide, type Reason } from "../decide";
import { hostOf } from "../domains";
import type { Env } from "../env";
import { evidenceMetadataStatement, putEvidence } from "../evidence";
import { factsCache, INSERT_POST_IF_FACTS_HOLD_SQL, READ_FACTS_SQL, type AccountFacts, type FactsRow } from "../facts";
import { policyFor } from "../policy-cache";
import { ScreenReasonSchema, VerdictSchema } from "../schemas";
import { checkPostContent, MAX_TEXT_BYTES, MAX_TITLE_BYTES } from "../text";
import { fingerprint } from "../stories/fingerprint";
import { findStory, settleStory, storyStatements, type StoryLookup } from "../stories/grouping";
import { storySettings } from "../stories/settings";

/** Decide-and-insert attempts before giving up on facts that keep changing (or a post id race). */
const MAX_ATTEMPTS = 3;

const ScreenBody = z
  .object({
    accountId: z.string().min(1).max(100),
    text: z.string().openapi({ description: `At most ${MAX_TEXT_BYTES} bytes of UTF-8` }),
    title: z.string().optional().openapi({ description: `At most ${MAX_TITLE_BYTES} bytes of UTF-8` }),
    kind: z.enum(["post", "news", "reprint"]),
    source: z
      .object({ postId: PostIdSchema.optional(), url: z.string().min(1).max(2048).optional() })
      .strict()
      .optional()
      .openapi({ description: "For reprints: the original post, or the outlet URL it comes from" }),
    links: z.array(z.string().max(2048)).max(100).optional(),
    postId: PostIdSchema.optional(),
  })
  .strict()
  .openapi("ScreenRequest");

const ScreenResult = z
  .object({
    postId: z.string(),
    verdict: VerdictSchema,
    reasons: z.array(ScreenReasonSchema),
    categories: z.array(z.string()),
    policyVersion: z.number().int(),
    reasonsTruncated: z.boolean(),
    replayed: z.boolean().optional().openapi({ description: "True when this is the recorded verdict of an earlier identical request (reasons then carry no excerpts)" }),
    storyId: z.string().nullable().optional().openapi({ description: "The story (near-duplicate posts) the post joined or started; null when its text is too short for one (GET /v1/stories/{id})" }),
  })
  .openapi("ScreenResult");

const app = { security: [{ bearer: [] }], middleware: [requireRole("app")], tags: ["screen"] };

export const screenRoutes = createRouter<Env>()
  .openapi(
    createRoute({
      ...app,
      method: "post",
      path: "/v1/screen",
      summary: "Screen a post before it goes out (app): allow, review or block, with every reason.",
      description:
        "The post is recorded (id, account, SHA-256 of title + \"\\n\" + text, verdict, reasons without excerpts, policy version); a review verdict opens a review-queue item. The content (title, text, links, reasons) is kept only as encrypted evidence for moderators, purged after its retention. Repeating a request with the same postId, account, kind and content returns the recorded verdict (`replayed: true`); a different post under a used postId is refused (409 post_exists).",
      request: { body: { required: true, content: { "application/json": { schema: ScreenBody } } } },
      responses: {
        200: { description: "Verdict", content: { "application/json": { schema: ScreenResult } } },
        ...problemResponses(401, 403, 404, 409, 415, 422, 503),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      checkPostContent(body);

      const now = Date.now();
      const d1 = c.env.DB;
      const db = createDb(d1);
      const reprint = body.kind === "reprint";
      const sourceHosts = reprint && body.source?.url ? hostSuffixes(hostOf(body.source.url)) : [];
      const contentHash = await sha256Hex(`${body.title ?? ""}\n${body.text}`);
      const postId = body.postId ?? newId("pst");
      const timing: string[] = [];
      // The post's story (src/stories): its fingerprint, and the stories it may join, read once.
      const stories = storySettings(c.env);
      const fp = stories.minChars > 0 ? fingerprint(body.text, stories.minChars) : null;
      let story: StoryLookup | null = null;
      // Reprints always read: whether their source is authorised is not cached.
      let cached = reprint ? undefined : factsCache.get(body.accountId);
      for (let attempt = 1; ; attempt++) {
        let facts: AccountFacts;
        let reprintSourceAuthorised = false;
        if (cached) facts = cached;
        else {
          const t0 = Date.now();
          const row = await d1
            .prepare(READ_FACTS_SQL)
            .bind(body.accountId, now, body.postId ?? "", reprint ? (body.source?.postId ?? "") : "", JSON.stringify(sourceHosts))
            .first<FactsRow>();
          timing.push(`d1-read;dur=${Date.now() - t0}`);
          if (!row?.status) throw new ApiError(404, "account_not_found", "There is no account with this accountId.");
          if (body.postId && row.taken) return c.json(replayOrConflict(body, contentHash, row.taken), 200);
          if (row.version == null) throw new ApiError(503, "policy_not_published", "No screening policy has been published yet (POST /v1/policy/publish).");
          facts = { status: row.status, scopesJson: row.scopes, scopes: licenceScopes(JSON.parse(row.scopes) as string[]), version: row.version };
          factsCache.set(body.accountId, facts);
          reprintSourceAuthorised = row.source_post_ok === 1 || row.source_outlet_ok === 1;
        }

        if (fp && !story) {
          const ts = Date.now();
          story = await findStory(d1, fp, stories);
          timing.push(`story-read;dur=${Date.now() - ts}`);
        }
        const removedStory = story?.best?.removed ? { action: stories.removedAction } : undefined;
        const { policy, fresh } = await policyFor(db, c.env.POLICIES, facts.version);
        if (fresh) timing.unshift(`policy-load;desc="v${facts.version}";dur=${policy.loadMs}`);
        const t1 = Date.now();
        const outcome = decide(policy, {
          kind: body.kind,
          text: body.text,
          ...(body.title !== undefined ? { title: body.title } : {}),
          links: body.links ?? [],
          accountStatus: facts.status,
          licenceScopes: facts.scopes,
          reprintSourceAuthorised,
          ...(removedStory ? { removedStory } : {}),
        });
        const t2 = Date.now();
        timing.push(`decide;dur=${t2 - t1}`);

        // The content moderators judge, sealed in R2 before the batch that records the post (see ../evidence.ts).
        const evidence = await putEvidence(c.env, {
          postId, accountId: body.accountId, kind: body.kind, title: body.title ?? null, text: body.text, links: body.links ?? [],
          verdict: outcome.verdict, reasons: outcome.reasons, categories: outcome.categories, policyVersion: facts.version,
        });
        const t3 = Date.now();
        timing.push(`evidence-put;dur=${t3 - t2}`);

        // Stored reasons keep codes and offsets, never excerpts: no post text at rest.
        const stored = JSON.stringify(outcome.reasons.map(({ excerpt: _e, ...r }) => r));
        // The record and its review item commit together (one batch, one transaction), and
        // only if the facts the verdict rests on still hold.
        const writes: AtomicStatement[] = [
          d1
            .prepare(INSERT_POST_IF_FACTS_HOLD_SQL)
            .bind(
              body.accountId, now, postId, contentHash, body.kind, outcome.verdict, stored, JSON.stringify(outcome.categories), facts.version,
              body.source?.postId ?? null, body.source?.url ?? null, facts.status, facts.scopesJson,
            ),
        ];
        let signal: ReturnType<typeof reviewSignal> | undefined;
        if (outcome.verdict === "review") {
          const first = outcome.reasons.find((r) => r.action === "review")!;
          const severities = outcome.reasons.flatMap((r) => (r.action === "review" && r.severity !== undefined ? [r.severity] : []));
          writes.push(
            ...(signal = reviewSignal(
              {
                subjectType: "post",
                subjectId: postId,
                source: "screening",
                reasonCode: first.code,
                category: first.category ?? outcome.categories[0] ?? null,
                ...(severities.length > 0 ? { severity: Math.max(...severities) } : {}),
                dedupeKey: reviewDedupeKey("screening", "post", postId, "verdict"),
                details: {
                  ...reviewDetails(outcome.reasons, outcome.categories, facts.version, body.accountId),
                  // A copy of a removed story links the decision that removed it.
                  ...(removedStory ? { removedStory: { storyId: story!.best!.storyId, decisionId: story!.best!.removed!.decisionId } } : {}),
                },
                createdAt: now,
              },
              // Only if the post was inserted (the facts held): changes() is the insert's row count.
              { onlyIf: sql`changes() = 1`, requestId: c.get("requestId") },
            )),
          );
        }
        writes.push(evidenceMetadataStatement(d1, c.env, postId, contentHash, now, evidence));
        const storyPost = { postId, accountId: body.accountId, createdAt: now, category: outcome.categories[0] ?? null };
        const storyWrites = fp && story ? storyStatements(fp, story, storyPost, stories, sql`EXISTS (SELECT 1 FROM posts WHERE id = ${postId} AND created_at = ${now})`) : null;
        const storyAt = writes.length;
        if (storyWrites) writes.push(...storyWrites.statements);
        let inserted: boolean;
        let storyId: string | null = null;
        try {
          const results = await runAtomic(d1, writes);
          inserted = results[0]!.meta.changes === 1;
          if (inserted && fp && storyWrites) {
            storyId = storyWrites.newStoryId === null ? story!.best!.storyId : await settleStory(d1, fp, storyPost, stories, storyWrites.newStoryId, results[storyAt]!.meta.changes === 1);
          }
          if (signal) relayAfterCommit(c.env.EVENTS, waitUntilOf(c), committedEventIds(writes, results, [signal.opened]), d1);
        } catch (e) {
          if (!isUniqueViolation(e)) throw e;
          // The post id is taken: read it, to replay an identical earlier request or refuse.
          if (!body.postId || attempt >= MAX_ATTEMPTS) throw new ApiError(409, "post_exists", "A post with this postId was already screened; screen an edited post under a new id.");
          cached = undefined;
          continue;
        }
        timing.push(`d1-write;dur=${Date.now() - t3}`);
        if (inserted) {
          // Wall-clock phases (workerd's clock only advances across I/O, so CPU-only work reads 0 in production).
          c.header("server-timing", timing.join(", "));
          return c.json(
            { postId, verdict: outcome.verdict, reasons: outcome.reasons, categories: outcome.categories, policyVersion: facts.version, reasonsTruncated: outcome.truncated, storyId },
            200,
          );
        }
        // A fact changed since it was read: decide again on fresh facts.
        factsCache.delete(body.accountId);
        cached = undefined;
        if (attempt >= MAX_ATTEMPTS) throw new ApiError(503, "facts_changing", "The account or policy kept changing while this post was screened; retry.", { headers: { "retry-after": "1" } });
      }
    },
  )
  .openapi(
    createRoute({
      ...app,
      method: "post",
      path: "/v1/screen/noop",
      summary: "Does nothing (app): the benchmark baseline for authentication and forwarding.",
      responses: { 200: { description: "Nothing done", content: { "application/json": { schema: z.object({ ok: z.literal(true) }) } } }, ...problemResponses(401, 403) },
    }),
    (c) => c.json({ ok: true as const }, 200),
  );

/**
 * The post id is taken (`taken`: the recorded post): an identical earlier request (same account, kind and content) gets
 * its recorded verdict, returned here; anything else is refused.
 */
function replayOrConflict(body: { accountId: string; kind: "post" | "news" | "reprint"; postId?: string }, contentHash: string, taken: string) {
  const prior = JSON.parse(taken) as { accountId: string; contentHash: string; kind: string; verdict: Verdict; reasons: Reason[]; categories: string[]; policyVersion: number };
  if (prior.accountId !== body.accountId || prior.contentHash !== contentHash || prior.kind !== body.kind) {
    throw new ApiError(409, "post_exists", "A different post with this postId was already screened; screen an edited post under a new id.");
  }
  return { postId: body.postId!, verdict: prior.verdict, reasons: prior.reasons, categories: prior.categories, policyVersion: prior.policyVersion, reasonsTruncated: false, replayed: true };
}

/** `a.b.example.com` → itself and every parent with at least two labels. */
function hostSuffixes(host: string | null): string[] {
  if (!host) return [];
  const labels = host.split(".");
  const out: string[] = [];
  for (let i = 0; i + 2 <= labels.length; i++) out.push(labels.slice(i).join("."));
  return out;
}

/** Union of the scopes of current licences; null when there is none. */
function licenceScopes(rows: string[]): Set<string> | null {
  if (rows.length === 0) return null;
  const scopes = new Set<string>();
  for (const scope of rows) {
    try {
      const parsed: unknown = JSON.parse(scope);
      if (Array.isArray(parsed)) for (const s of parsed) if (typeof s === "string") scopes.add(s);
    } catch {
      /* a malformed scope grants nothing beyond the licence itself */
    }
  }
  return scopes;
}

/** Non-personal details for moderators: codes, categories, term ids, counts. */
function reviewDetails(reasons: Reason[], categories: string[], version: number, accountId: string) {
  return {
    verdict: "review",
    accountId,
    policyVersion: version,
    categories,
    reasonCodes: [...new Set(reasons.map((r) => r.code))],
    termIds: [...new Set(reasons.flatMap((r) => (r.termId !== undefined ? [r.termId] : [])))].slice(0, 50),
  };
}
