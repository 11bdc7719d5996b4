/**
 * Admin tools on the draft policy (the current lists, not yet published): screen a text
 * against it, and list what publishing would change. Both only read: no post, evidence,
 * review item or audit entry is written, because nothing changes.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { asc, eq, inArray } from "drizzle-orm";
import { allowPhrases, termLists, terms } from "../../../../db/schema";
import { createRouter } from "../../../../pkg/app";
import type { Db } from "../../../../pkg/db";
import { createDb } from "../../../../pkg/db";
import { requireRole } from "../../../../pkg/principal";
import { problemResponses } from "../../../../pkg/schemas";
import { compile } from "../../engine/index";
import type { Env } from "../env";
import { callBuilder, throwRefusal } from "../policy-builder";
import { policyFor } from "../policy-cache";
import type { CategoryConfig, PolicyConfig } from "../policy-config";
import { currentVersion, getVersion, readDraft } from "../policy-store";
import { CategoryNameSchema, ScreenReasonSchema, SeveritySchema, VerdictSchema } from "../schemas";
import { checkPostContent, MAX_TEXT_BYTES, MAX_TITLE_BYTES } from "../text";

const admin = { security: [{ bearer: [] }], middleware: [requireRole("admin")], tags: ["policy"] };
const json = <T extends z.ZodType>(schema: T) => ({ content: { "application/json": { schema } } });

// ---------------------------------------------------------------------------------------------
// POST /v1/policy/draft/screen

// The text gets /v1/screen's checks, not safeText: safeText trims and refuses characters a post may
// carry, and try-it must see (and give offsets into) exactly what /v1/screen would.
const DraftScreenBody = z
  .object({
    text: z.string().openapi({ description: `At most ${MAX_TEXT_BYTES} bytes of UTF-8` }),
    title: z.string().optional().openapi({ description: `At most ${MAX_TITLE_BYTES} bytes of UTF-8` }),
    kind: z.enum(["post", "news"]).default("post").openapi({ description: "`news` is screened as from an account with the licences in `licenceScopes`" }),
    links: z.array(z.string().max(2048)).max(100).optional(),
    licenceScopes: z
      .array(CategoryNameSchema)
      .max(20)
      .nullable()
      .default(null)
      .openapi({ description: "Screen as an account holding a current licence with these scopes (e.g. political_news); null: no licence" }),
  })
  .strict()
  .openapi("DraftScreenRequest");

const DraftReasonSchema = ScreenReasonSchema.extend({
  listId: z.string().optional(),
  listName: z.string().optional(),
  pattern: z.string().optional(),
}).openapi("DraftScreenReason");

const DraftScreenResult = z
  .object({
    verdict: VerdictSchema,
    reasons: z.array(DraftReasonSchema),
    categories: z.array(z.string()),
    reasonsTruncated: z.boolean(),
    draftHash: z.string().openapi({ description: "Content hash of the draft screened against (equals the published version's when nothing changed)" }),
    compiledNow: z.boolean().openapi({ description: "Whether this request compiled the draft (false: it was compiled already, by an earlier try or the publish of this content)" }),
  })
  .openapi("DraftScreenResult");

// ---------------------------------------------------------------------------------------------
// GET /v1/policy/draft/diff

const TermBrief = z.object({ id: z.number().int(), pattern: z.string().optional(), category: z.string(), severity: SeveritySchema });
const ListDiff = z
  .object({
    listId: z.string(),
    listName: z.string(),
    category: z.string(),
    counts: z.object({ added: z.number().int(), changed: z.number().int() }),
    added: z.array(TermBrief),
    changed: z.array(
      TermBrief.extend({
        was: z.object({ category: z.string(), severity: z.number().int() }),
        patternChanged: z.boolean().openapi({ description: "The published matcher no longer finds this term spanning its whole pattern" }),
      }),
    ),
  })
  .openapi("DraftListDiff");
const CategoryState = z.object({ ranges: z.array(z.object({ min: z.number().int(), max: z.number().int(), action: VerdictSchema })), licenceRequired: z.boolean() });
const DiffResult = z
  .object({
    publishedVersion: z.number().int().nullable(),
    publishedHash: z.string().nullable(),
    draftHash: z.string(),
    unchanged: z.boolean().openapi({ description: "True when the draft is the published version's content: publishing now is refused with 409 no_changes, unless that version is stored in an older engine format" }),
    terms: z.object({
      published: z.number().int(),
      draft: z.number().int(),
      counts: z.object({ added: z.number().int(), removed: z.number().int(), changed: z.number().int() }),
      lists: z.array(ListDiff),
      removed: z.array(TermBrief).openapi({ description: "Published terms deleted since (their patterns are gone with them)" }),
      truncated: z.boolean().openapi({ description: "True when some list shows fewer terms than its counts (see `limit`)" }),
    }),
    allow: z.object({ published: z.number().int(), draft: z.number().int(), added: z.array(z.string()), removedCount: z.number().int() }),
    blockedDomains: z.object({ added: z.array(z.string()), removed: z.array(z.string()) }),
    contactRules: z.array(z.object({ kind: z.string(), from: VerdictSchema.nullable(), to: VerdictSchema.nullable() })),
    categories: z.array(z.object({ name: z.string(), from: CategoryState.nullable(), to: CategoryState.nullable() })),
  })
  .openapi("DraftDiff");
type Diff = z.infer<typeof DiffResult>;

const DiffQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100).openapi({ description: "Terms shown per list and kind (counts are always complete)" }) });

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

async function diffDraft(d1: D1Database, policies: R2Bucket, limit: number): Promise<Diff> {
  const db = createDb(d1);
  const draft = await readDraft(db);
  const v = await currentVersion(db);
  const info = v ? await getVersion(db, v) : undefined;
  const empty: Diff = {
    publishedVersion: info?.version ?? null,
    publishedHash: info?.contentHash ?? null,
    draftHash: draft.contentHash,
    unchanged: info?.contentHash === draft.contentHash,
    terms: { published: info?.termCount ?? 0, draft: draft.entries.length, counts: { added: 0, removed: 0, changed: 0 }, lists: [], removed: [], truncated: false },
    allow: { published: info?.allowCount ?? 0, draft: draft.allow.length, added: [], removedCount: 0 },
    blockedDomains: { added: [], removed: [] },
    contactRules: [],
    categories: [],
  };
  if (empty.unchanged) return empty;
  // The current version as /v1/screen holds it (one loaded copy per isolate, shared).
  const pub = info ? (await policyFor(db, policies, info.version)).policy : { matcher: compile([]), config: { categories: {}, contactRules: {}, blockedDomains: [] } as PolicyConfig };
  const d = empty;

  // Terms. A version keeps its compiled matcher, not its patterns: a term is matched to its
  // published self by id (category, severity), and its pattern counts as changed when the
  // published matcher no longer finds that id in the pattern's own text.
  const [listRows, termRows] = await db.batch([
    db.select().from(termLists).orderBy(asc(termLists.id)),
    db.select({ id: terms.id, listId: terms.listId }).from(terms).orderBy(asc(terms.id)),
  ]);
  const listOf = new Map(termRows.map((t) => [t.id, t.listId]));
  const lists = new Map(listRows.map((l) => [l.id, { listId: l.id, listName: l.name, category: l.category, counts: { added: 0, changed: 0 }, added: [], changed: [] } as z.infer<typeof ListDiff>]));
  let present = 0;
  for (const e of draft.entries) {
    const list = lists.get(listOf.get(e.id) ?? "");
    if (!list) continue;
    const was = pub.matcher.term(e.id);
    const brief = { id: e.id, pattern: e.pattern, category: e.category, severity: e.severity };
    if (!was) {
      d.terms.counts.added++;
      if (list.counts.added++ < limit) list.added.push(brief);
      continue;
    }
    present++;
    const patternChanged = !pub.matcher.findAll(e.pattern).some((m) => m.termId === e.id && m.start === 0 && m.end === e.pattern.length);
    if (patternChanged || was.category !== e.category || was.severity !== e.severity) {
      d.terms.counts.changed++;
      if (list.counts.changed++ < limit) list.changed.push({ ...brief, was: { category: was.category, severity: was.severity }, patternChanged });
    }
  }
  // Removed: published ids no draft term has (ids are never reused: the table is AUTOINCREMENT).
  const missing = pub.matcher.termCount - present;
  if (missing > 0) {
    const draftIds = new Set(draft.entries.map((e) => e.id));
    const seq = await d1.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'terms'").first<{ seq: number }>();
    const maxId = Math.max(seq?.seq ?? 0, draft.entries.at(-1)?.id ?? 0);
    for (let id = 1; id <= maxId && d.terms.counts.removed < missing; id++) {
      if (draftIds.has(id)) continue;
      const t = pub.matcher.term(id);
      if (!t) continue;
      if (d.terms.counts.removed++ < limit) d.terms.removed.push({ id, category: t.category, severity: t.severity });
    }
  }
  d.terms.lists = [...lists.values()].filter((l) => l.counts.added + l.counts.changed > 0);
  d.terms.truncated = d.terms.lists.some((l) => l.added.length < l.counts.added || l.changed.length < l.counts.changed) || d.terms.removed.length < d.terms.counts.removed;

  // Allow list: versions keep the count, not the phrases; phrases written after the version was built are new.
  if (info) {
    const added = await db.select({ phrase: allowPhrases.phrase, createdAt: allowPhrases.createdAt }).from(allowPhrases).orderBy(asc(allowPhrases.phrase));
    const fresh = added.filter((a) => a.createdAt > info.createdAt).map((a) => a.phrase);
    d.allow.added = fresh.slice(0, limit);
    d.allow.removedCount = Math.max(0, info.allowCount - (draft.allow.length - fresh.length));
  } else d.allow.added = draft.allow.slice(0, limit);

  // Everything else is in the version's config snapshot, compared whole.
  const was = new Set(pub.config.blockedDomains);
  const now = new Set(draft.config.blockedDomains);
  d.blockedDomains = { added: [...now].filter((x) => !was.has(x)), removed: [...was].filter((x) => !now.has(x)) };
  const kinds = [...new Set([...Object.keys(pub.config.contactRules), ...Object.keys(draft.config.contactRules)])].sort();
  for (const kind of kinds) {
    const from = pub.config.contactRules[kind as keyof PolicyConfig["contactRules"]] ?? null;
    const to = draft.config.contactRules[kind as keyof PolicyConfig["contactRules"]] ?? null;
    if (from !== to) d.contactRules.push({ kind, from, to });
  }
  const names = [...new Set([...Object.keys(pub.config.categories), ...Object.keys(draft.config.categories)])].sort();
  const state = (c: CategoryConfig | undefined) => (c ? { ranges: c.ranges, licenceRequired: c.licenceRequired } : null);
  for (const name of names) {
    const from = state(pub.config.categories[name]);
    const to = state(draft.config.categories[name]);
    if (!sameJson(from, to)) d.categories.push({ name, from, to });
  }
  return d;
}

export const policyDraftRoutes = createRouter<Env>()
  .openapi(
    createRoute({
      ...admin,
      method: "post",
      path: "/v1/policy/draft/screen",
      summary: "Screen a text against the draft policy (admin): the verdict and every match, with its term list and pattern. Writes nothing.",
      description:
        "The draft (the current lists, categories, allow list, blocked domains and contact rules) is compiled as publish would compile it, once per draft content hash, by the same builder as publish (an isolate of its own). The text is screened as from a verified account (`licenceScopes` for licence-gated categories); no post, evidence, review item or audit entry is written, since nothing changes. Offsets are UTF-16 offsets into the original field.",
      request: { body: { required: true, ...json(DraftScreenBody) } },
      responses: { 200: { description: "Verdict", ...json(DraftScreenResult) }, ...problemResponses(401, 403, 415, 422, 503) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      checkPostContent(body);
      const screened = await callBuilder(c.env, (builder) =>
        builder.screenDraft({
          kind: body.kind,
          text: body.text,
          ...(body.title !== undefined ? { title: body.title } : {}),
          links: body.links ?? [],
          licenceScopes: body.licenceScopes,
        }),
      );
      if (screened.kind === "refused") throwRefusal(screened);
      const { outcome, draftHash, compiledNow } = screened;
      const db = createDb(c.env.DB);
      // Each matched term's list and pattern, in one read.
      const ids = [...new Set(outcome.reasons.flatMap((r) => (r.termId !== undefined ? [r.termId] : [])))];
      const rows = ids.length
        ? await db
            .select({ id: terms.id, pattern: terms.pattern, listId: terms.listId, listName: termLists.name })
            .from(terms)
            .innerJoin(termLists, eq(terms.listId, termLists.id))
            .where(inArray(terms.id, ids))
        : [];
      const byId = new Map(rows.map((r) => [r.id, r]));
      const reasons = outcome.reasons.map((r) => {
        const t = r.termId !== undefined ? byId.get(r.termId) : undefined;
        return t ? { ...r, listId: t.listId, listName: t.listName, pattern: t.pattern } : r;
      });
      return c.json({ verdict: outcome.verdict, reasons, categories: outcome.categories, reasonsTruncated: outcome.truncated, draftHash, compiledNow }, 200);
    },
  )
  .openapi(
    createRoute({
      ...admin,
      method: "get",
      path: "/v1/policy/draft/diff",
      summary: "What publishing the draft would change versus the current version (admin): terms per list, allow list, blocked domains, contact rules, categories.",
      description:
        "Counts are complete; each list shows at most `limit` added and `limit` changed terms (`truncated` says when fewer are shown). A version keeps its compiled matcher, not its patterns: published terms are matched by id, a changed pattern is detected by the published matcher no longer finding the term spanning its whole pattern (a flags-only change is not shown), removed terms show id, category and severity, and the allow list shows phrases added since the version was built and a count of removed ones.",
      request: { query: DiffQuery },
      responses: { 200: { description: "Differences", ...json(DiffResult) }, ...problemResponses(401, 403, 422) },
    }),
    async (c) => c.json(await diffDraft(c.env.DB, c.env.POLICIES, c.req.valid("query").limit), 200),
  );
