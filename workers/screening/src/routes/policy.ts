/** Admin API of the published policy: categories, publish, versions, rollback, outlets, cache stats. */
import { createRoute, z } from "@hono/zod-openapi";
import { asc, eq, gt, sql } from "drizzle-orm";
import { policyCurrent, publisherOutlets, screeningCategories } from "../../../../db/schema";
import { createRouter } from "../../../../pkg/app";
import { auditStatement } from "../../../../pkg/audit";
import { guard, GuardFailed, isUniqueViolation, runAtomic } from "../../../../pkg/batch";
import { decodeCursor, nextCursor } from "../../../../pkg/cursor";
import { createDb } from "../../../../pkg/db";
import { ApiError } from "../../../../pkg/errors";
import { requireRole } from "../../../../pkg/principal";
import { isoOrNull, PageQuerySchema, problemResponses, safeText } from "../../../../pkg/schemas";
import { normalizeDomain } from "../domains";
import type { Env } from "../env";
import { cacheStats } from "../policy-cache";
import { callBuilder, candidateOf } from "../policy-builder";
import { currentVersion, discardCandidate, getVersion, listVersions, publishStatements, readDraft, storedFormatIsOld, type VersionInfo } from "../policy-store";
import { CategoryNameSchema, SeveritySchema, VerdictSchema } from "../schemas";

const admin = { security: [{ bearer: [] }], middleware: [requireRole("admin")], tags: ["policy"] };
const json = <T extends z.ZodType>(schema: T) => ({ content: { "application/json": { schema } } });

const VersionSchema = z
  .object({
    version: z.number().int(),
    contentHash: z.string(),
    termCount: z.number().int(),
    allowCount: z.number().int(),
    byteSize: z.number().int().openapi({ description: "Size of the serialized matcher" }),
    createdAt: z.string(),
    createdBy: z.string(),
  })
  .openapi("PolicyVersion");
/** A version as the API shows it: its VersionInfo fields only, whatever else the row holds (config, storage). */
const versionView = (v: VersionInfo) => ({
  version: v.version, contentHash: v.contentHash, termCount: v.termCount, allowCount: v.allowCount, byteSize: v.byteSize,
  createdAt: isoOrNull(v.createdAt)!, createdBy: v.createdBy,
});

const RangeSchema = z.object({ min: SeveritySchema, max: SeveritySchema, action: VerdictSchema }).strict();
const CategorySchema = z
  .object({ name: z.string(), ranges: z.array(RangeSchema), licenceRequired: z.boolean(), updatedAt: z.string().nullable() })
  .openapi("ScreeningCategory");
const CategoryBody = z
  .object({
    ranges: z.array(RangeSchema).max(10),
    licenceRequired: z.boolean().optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    b.ranges.forEach((r, i) => {
      if (r.min > r.max) ctx.addIssue({ code: "custom", path: ["ranges", i, "min"], message: "min must not exceed max" });
      b.ranges.forEach((o, j) => {
        if (j > i && r.min <= o.max && o.min <= r.max) ctx.addIssue({ code: "custom", path: ["ranges", j], message: `overlaps ranges[${i}]` });
      });
    });
  })
  .openapi("UpdateScreeningCategory");
const categoryView = (r: typeof screeningCategories.$inferSelect) => ({
  name: r.name,
  ranges: JSON.parse(r.ranges) as z.infer<typeof RangeSchema>[],
  licenceRequired: r.licenceRequired,
  updatedAt: r.updatedAt ? isoOrNull(r.updatedAt) : null,
});
const OutletSchema = z.object({ domain: z.string(), accountId: z.string(), createdAt: z.string() }).openapi("PublisherOutlet");

export const policyRoutes = createRouter<Env>()
  .openapi(
    createRoute({
      ...admin,
      method: "get",
      path: "/v1/policy",
      summary: "The current policy version and whether the lists changed since (admin).",
      responses: {
        200: { description: "Policy", ...json(z.object({ current: VersionSchema.nullable(), unpublishedChanges: z.boolean() })) },
        ...problemResponses(401, 403),
      },
    }),
    async (c) => {
      const db = createDb(c.env.DB);
      const v = await currentVersion(db);
      const info = v ? await getVersion(db, v) : undefined;
      const draft = await readDraft(db);
      return c.json({ current: info ? versionView(info) : null, unpublishedChanges: draft.contentHash !== info?.contentHash }, 200);
    },
  )
  .openapi(
    createRoute({
      ...admin,
      method: "get",
      path: "/v1/policy/versions",
      summary: "Published versions, newest first (admin), paged by `nextCursor`.",
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(200).optional() }) },
      responses: {
        200: { description: "Versions", ...json(z.object({ current: z.number().int().nullable(), versions: z.array(VersionSchema), nextCursor: z.string().nullable() })) },
        ...problemResponses(401, 403, 422),
      },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const db = createDb(c.env.DB);
      const before = decodeCursor(cursor)?.key;
      const [current, versions] = await Promise.all([currentVersion(db), listVersions(db, limit, before)]);
      return c.json({ current, versions: versions.map(versionView), nextCursor: nextCursor(versions, limit, (v) => ({ key: v.version, id: String(v.version) })) }, 200);
    },
  )
  .openapi(
    createRoute({
      ...admin,
      method: "post",
      path: "/v1/policy/publish",
      summary: "Compile the current lists into a new immutable version and make it current (admin).",
      description:
        "409 `no_changes` when nothing changed since the current version, unless that version's matcher is stored in an older engine format: " +
        "publishing then stores the same policy in the current format (it loads faster), and its audit entry says `formatUpgrade`.",
      responses: { 201: { description: "Published", ...json(VersionSchema) }, ...problemResponses(401, 403, 409, 422, 503) },
    }),
    async (c) => {
      const db = createDb(c.env.DB);
      const principal = c.get("principal")!;
      const v = await currentVersion(db);
      const cur = v ? await getVersion(db, v) : undefined;
      let built = await callBuilder(c.env, (builder) => builder.build(principal.keyId, cur?.contentHash ?? null));
      if (built.kind === "unchanged") {
        // An unchanged policy is published again only to store it in the engine's current format.
        if (!(await storedFormatIsOld(db, c.env.POLICIES, cur!))) throw new ApiError(409, "no_changes", `Nothing changed since version ${cur!.version}, the current one.`, { currentVersion: cur!.version });
        built = await callBuilder(c.env, (builder) => builder.build(principal.keyId, null));
      }
      const candidate = candidateOf(built);
      const { info } = candidate;
      const formatUpgrade = info.contentHash === cur?.contentHash;
      try {
        await runAtomic(c.env.DB, [
          ...publishStatements(db, candidate),
          auditStatement(principal, c.get("requestId"), {
            action: "policy.publish",
            subjectType: "policy_version",
            subjectId: String(info.version),
            details: { terms: info.termCount, bytes: info.byteSize, previous: v, ...(formatUpgrade ? { formatUpgrade: true } : {}) },
          }),
        ]);
      } catch (e) {
        await discardCandidate(c.env.POLICIES, candidate);
        if (isUniqueViolation(e)) {
          throw new ApiError(409, "publish_conflict", "Another publish happened at the same time; check GET /v1/policy and retry if needed.");
        }
        throw e;
      }
      return c.json(versionView(info), 201);
    },
  )
  .openapi(
    createRoute({
      ...admin,
      method: "post",
      path: "/v1/policy/rollback",
      summary: "Make an earlier version current again (admin); recorded in the audit log.",
      request: { body: { required: true, ...json(z.object({ version: z.number().int().positive(), reason: safeText({ max: 500, multiline: true }).optional() }).strict()) } },
      responses: { 200: { description: "Current version", ...json(VersionSchema) }, ...problemResponses(401, 403, 404, 409, 415, 422) },
    }),
    async (c) => {
      const db = createDb(c.env.DB);
      const { version, reason } = c.req.valid("json");
      const target = await getVersion(db, version);
      if (!target) throw new ApiError(404, "version_not_found", `There is no policy version ${version}.`);
      const v = await currentVersion(db);
      if (v === version) throw new ApiError(409, "already_current", `Version ${version} is already current.`);
      const now = Date.now();
      await runAtomic(c.env.DB, [
        db.insert(policyCurrent).values({ id: 1, version, updatedAt: now }).onConflictDoUpdate({ target: policyCurrent.id, set: { version, updatedAt: now } }),
        auditStatement(c.get("principal")!, c.get("requestId"), { action: "policy.rollback", subjectType: "policy_version", subjectId: String(version), reason: reason ?? null, details: { previous: v } }),
      ]);
      return c.json(versionView(target), 200);
    },
  )
  .openapi(
    createRoute({
      ...admin,
      method: "get",
      path: "/v1/policy/categories",
      summary: "Screening categories and their severity → action ranges (admin).",
      responses: { 200: { description: "Categories", ...json(z.object({ categories: z.array(CategorySchema) })) }, ...problemResponses(401, 403) },
    }),
    async (c) => {
      const db = createDb(c.env.DB);
      const rows = await db.select().from(screeningCategories).orderBy(asc(screeningCategories.name));
      return c.json({ categories: rows.map(categoryView) }, 200);
    },
  )
  .openapi(
    createRoute({
      ...admin,
      method: "put",
      path: "/v1/policy/categories/{name}",
      summary: "Create or update a category's ranges (admin); severities no range covers are allowed. Takes effect at the next publish.",
      request: { params: z.object({ name: CategoryNameSchema }), body: { required: true, ...json(CategoryBody) } },
      responses: { 200: { description: "Category", ...json(CategorySchema) }, ...problemResponses(401, 403, 415, 422) },
    }),
    async (c) => {
      const db = createDb(c.env.DB);
      const { name } = c.req.valid("param");
      const body = c.req.valid("json");
      const existing = await db.select().from(screeningCategories).where(eq(screeningCategories.name, name)).get();
      const row = { name, ranges: JSON.stringify(body.ranges), licenceRequired: body.licenceRequired ?? existing?.licenceRequired ?? false, updatedAt: Date.now() };
      await runAtomic(c.env.DB, [
        db.insert(screeningCategories).values(row).onConflictDoUpdate({ target: screeningCategories.name, set: { ranges: row.ranges, licenceRequired: row.licenceRequired, updatedAt: row.updatedAt } }),
        auditStatement(c.get("principal")!, c.get("requestId"), { action: existing ? "category.update" : "category.create", subjectType: "category", subjectId: name, details: { ranges: body.ranges } }),
      ]);
      return c.json(categoryView(row), 200);
    },
  )
  .openapi(
    createRoute({
      ...admin,
      method: "get",
      path: "/v1/policy/outlets",
      summary: "Page through the web outlets of news publishers, for reprint sources given as URLs (admin), by domain.",
      request: { query: PageQuerySchema },
      responses: { 200: { description: "Outlets", ...json(z.object({ outlets: z.array(OutletSchema), nextCursor: z.string().nullable() })) }, ...problemResponses(401, 403, 422) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const after = decodeCursor(cursor, "string");
      const db = createDb(c.env.DB);
      const rows = await db
        .select()
        .from(publisherOutlets)
        .where(after ? gt(publisherOutlets.domain, after.id) : undefined)
        .orderBy(asc(publisherOutlets.domain))
        .limit(limit);
      return c.json({ outlets: rows.map((r) => ({ ...r, createdAt: isoOrNull(r.createdAt)! })), nextCursor: nextCursor(rows, limit, (r) => ({ key: r.domain, id: r.domain })) }, 200);
    },
  )
  .openapi(
    createRoute({
      ...admin,
      method: "put",
      path: "/v1/policy/outlets/{domain}",
      summary: "Register a publisher's outlet domain (admin); reprints citing URLs on it (subdomains included) count as that publisher's. Live at once.",
      request: { params: z.object({ domain: z.string().max(253) }), body: { required: true, ...json(z.object({ accountId: z.string().min(1).max(100) }).strict()) } },
      responses: { 200: { description: "Outlet", ...json(OutletSchema) }, ...problemResponses(401, 403, 415, 422) },
    }),
    async (c) => {
      const db = createDb(c.env.DB);
      const domain = normalizeDomain(c.req.valid("param").domain);
      if (!domain) throw new ApiError(422, "validation_failed", "Not a domain name.", { errors: [{ field: "domain", code: "INVALID_DOMAIN", message: "Not a domain name such as example.com." }] });
      const { accountId } = c.req.valid("json");
      const row = { domain, accountId, createdAt: Date.now() };
      try {
        await runAtomic(c.env.DB, [
          // The account must exist when the outlet is written, not merely when it was looked at.
          guard(sql`EXISTS (SELECT 1 FROM accounts WHERE id = ${accountId})`),
          db.insert(publisherOutlets).values(row).onConflictDoUpdate({ target: publisherOutlets.domain, set: { accountId } }),
          auditStatement(c.get("principal")!, c.get("requestId"), { action: "outlet.set", subjectType: "account", subjectId: accountId, details: { domain } }),
        ]);
      } catch (e) {
        if (!(e instanceof GuardFailed)) throw e;
        throw new ApiError(422, "unknown_account", "There is no account with this accountId; nothing was written.", {
          errors: [{ field: "accountId", code: "UNKNOWN_ACCOUNT", message: "No account has this id." }],
        });
      }
      return c.json({ ...row, createdAt: isoOrNull(row.createdAt)! }, 200);
    },
  )
  .openapi(
    createRoute({
      ...admin,
      method: "delete",
      path: "/v1/policy/outlets/{domain}",
      summary: "Remove a publisher outlet domain (admin).",
      request: { params: z.object({ domain: z.string().max(253) }) },
      responses: { 200: { description: "Removed", ...json(OutletSchema) }, ...problemResponses(401, 403, 404) },
    }),
    async (c) => {
      const db = createDb(c.env.DB);
      const domain = normalizeDomain(c.req.valid("param").domain) ?? "";
      const row = await db.select().from(publisherOutlets).where(eq(publisherOutlets.domain, domain)).get();
      if (!row) throw new ApiError(404, "outlet_not_found", "No outlet with this domain.");
      await runAtomic(c.env.DB, [
        db.delete(publisherOutlets).where(eq(publisherOutlets.domain, domain)),
        auditStatement(c.get("principal")!, c.get("requestId"), { action: "outlet.remove", subjectType: "account", subjectId: row.accountId, details: { domain } }),
      ]);
      return c.json({ ...row, createdAt: isoOrNull(row.createdAt)! }, 200);
    },
  )
  .openapi(
    createRoute({
      security: [{ bearer: [] }],
      middleware: [requireRole("operator")],
      tags: ["policy"],
      method: "get",
      path: "/v1/policy/cache",
      summary: "This isolate's matcher cache (loaded version, first-load time, stored format, loads, hits) (operator).",
      description: "`formatOutdated`: the loaded version was stored by an older engine format (compiled under older matching rules); publishing once recompiles it, even when the lists are unchanged.",
      responses: {
        200: {
          description: "Cache",
          ...json(
            z.object({
              version: z.number().int().nullable(),
              terms: z.number().int(),
              loadMs: z.number().nullable(),
              loadedAt: z.string().nullable(),
              format: z.number().int().nullable(),
              formatOutdated: z.boolean(),
              loads: z.number().int(),
              hits: z.number().int(),
            }),
          ),
        },
        ...problemResponses(401, 403),
      },
    }),
    (c) => c.json(cacheStats(), 200),
  );
