import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, desc, eq, gt, isNull, lt, lte, or, sql } from "drizzle-orm";
import { accounts, auditLog, publisherLicences } from "../../../../db/schema";
import { createRouter } from "../../../../pkg/app";
import { auditStatement } from "../../../../pkg/audit";
import { guard, isUniqueViolation, runAtomic } from "../../../../pkg/batch";
import { nextCursor } from "../../../../pkg/cursor";
import { createDb, type Db } from "../../../../pkg/db";
import { ApiError } from "../../../../pkg/errors";
import { newId } from "../../../../pkg/ids";
import { outboxStatement, relayAfterCommit, waitUntilOf } from "../../../../pkg/outbox";
import { requireRole } from "../../../../pkg/principal";
import { IdSchema, isoOrNull, problemResponses, safeText } from "../../../../pkg/schemas";
import type { Deps, Env } from "../env";
import { concurrentChange, isGuardFailure, numericCursor } from "../repo";
import { ReasonSchema } from "../schemas";

/** Scope categories are snake_case words, e.g. political_news (screening matches them against post categories). */
const ScopeItem = z.string().regex(/^[a-z][a-z0-9_]{2,39}$/, "snake_case category, e.g. political_news");

const LicenceSchema = z
  .object({
    id: z.string(),
    accountId: z.string(),
    scope: z.array(z.string()),
    licenceNumber: z.string(),
    issuer: z.string(),
    expiresAt: z.string(),
    revokedAt: z.string().nullable(),
    revokedReason: z.string().nullable(),
    active: z.boolean().openapi({ description: "Not revoked and not expired, right now" }),
    createdAt: z.string(),
    createdBy: z.string(),
  })
  .openapi("PublisherLicence");

const GrantBody = z
  .object({
    accountId: IdSchema,
    scope: z.array(ScopeItem).min(1).max(20).refine((s) => new Set(s).size === s.length, "Scope items must be unique"),
    licenceNumber: safeText({ max: 100 }).openapi({ description: "As issued; compared after NFKC folding (full-width digits are the same number)" }),
    issuer: safeText({ max: 200 }),
    expiresAt: z.iso.datetime({ offset: true }),
  })
  .strict()
  .openapi("GrantPublisherLicence");

const LicenceParam = z.object({ id: IdSchema.openapi({ param: { name: "id", in: "path" } }) });

const grant = createRoute({
  method: "post",
  path: "/v1/publishers",
  tags: ["publishers"],
  summary:
    "Grant a news-publisher licence to a verified public account (operator). Idempotent: repeating a grant of a licence number the account already holds (same scope, issuer and expiry) returns that licence with 200; other terms are 409 `licence_conflict`.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: { body: { required: true, content: { "application/json": { schema: GrantBody } } } },
  responses: {
    200: { description: "Already granted with these terms: the existing licence, nothing written", content: { "application/json": { schema: LicenceSchema } } },
    201: { description: "Granted", content: { "application/json": { schema: LicenceSchema } } },
    ...problemResponses(401, 403, 404, 409, 415, 422),
  },
});

const revoke = createRoute({
  method: "post",
  path: "/v1/publishers/{id}/revoke",
  tags: ["publishers"],
  summary: "Revoke a licence (operator); it stops counting at once.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: { params: LicenceParam, body: { required: true, content: { "application/json": { schema: z.object({ reason: ReasonSchema }).strict().openapi("RevokeLicence") } } } },
  responses: {
    200: { description: "Revoked", content: { "application/json": { schema: LicenceSchema } } },
    ...problemResponses(401, 403, 404, 409, 415, 422),
  },
});

const list = createRoute({
  method: "get",
  path: "/v1/publishers",
  tags: ["publishers"],
  summary: "List licences, newest first (operator): active only by default, `?state=all` for every licence, `?accountId=` for one account; `?cursor=` pages.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: {
    query: z.object({
      accountId: IdSchema.optional(),
      state: z.enum(["active", "inactive", "all"]).default("active"),
      limit: z.coerce.number().int().min(1).max(500).default(100),
      cursor: z.string().max(200).optional().openapi({ description: "`nextCursor` of the previous page (opaque)" }),
    }),
  },
  responses: {
    200: { description: "Licences", content: { "application/json": { schema: z.object({ licences: z.array(LicenceSchema), nextCursor: z.string().nullable() }) } } },
    ...problemResponses(401, 403, 422),
  },
});

const history = createRoute({
  method: "get",
  path: "/v1/publishers/{id}/history",
  tags: ["publishers"],
  summary: "The audit history of a licence (operator): grant and revocation, who and why.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: { params: LicenceParam },
  responses: {
    200: {
      description: "Events, oldest first",
      content: {
        "application/json": {
          schema: z.object({
            licence: LicenceSchema,
            events: z.array(z.object({ at: z.string(), action: z.string(), actorKeyId: z.string(), actorRole: z.string(), reason: z.string().nullable() })),
          }),
        },
      },
    },
    ...problemResponses(401, 403, 404, 422),
  },
});

type LicenceRow = typeof publisherLicences.$inferSelect;

/** The account's unrevoked licence with this number (at most one: publisher_licences_active_uq). */
const unrevokedLicence = (db: Db, accountId: string, licenceNumber: string) =>
  db
    .select()
    .from(publisherLicences)
    .where(and(eq(publisherLicences.accountId, accountId), eq(publisherLicences.licenceNumber, licenceNumber), isNull(publisherLicences.revokedAt)))
    .get();

/**
 * A grant of a number the account already holds: the same terms are a retry (answered with the
 * existing licence), other terms a conflict — a licence changes only by revoking it and
 * granting again, so its history stays one grant and one revocation.
 */
function existingGrant(existing: LicenceRow, wanted: Pick<LicenceRow, "scope" | "issuer" | "expiresAt">): LicenceRow {
  if (existing.scope === wanted.scope && existing.issuer === wanted.issuer && existing.expiresAt === wanted.expiresAt) return existing;
  throw new ApiError(409, "licence_conflict", "The account already holds this licence number with another scope, issuer or expiry; revoke that licence first, then grant the new terms.", {
    licenceId: existing.id,
  });
}
const view = (r: LicenceRow, now: number) => ({
  id: r.id,
  accountId: r.accountId,
  scope: JSON.parse(r.scope) as string[],
  licenceNumber: r.licenceNumber,
  issuer: r.issuer,
  expiresAt: isoOrNull(r.expiresAt)!,
  revokedAt: isoOrNull(r.revokedAt),
  revokedReason: r.revokedReason,
  active: r.revokedAt == null && r.expiresAt > now,
  createdAt: isoOrNull(r.createdAt)!,
  createdBy: r.createdBy,
});

export const publisherRoutes = (deps: Deps) =>
  createRouter<Env>()
    .openapi(grant, async (c) => {
      const body = c.req.valid("json");
      const now = deps.now();
      const expiresAt = Date.parse(body.expiresAt);
      if (expiresAt <= now) {
        throw new ApiError(422, "validation_failed", "Some fields are missing or invalid; see `errors`.", {
          errors: [{ field: "expiresAt", code: "LICENCE_EXPIRED", message: "The expiry must be in the future." }],
        });
      }
      const db = createDb(c.env.DB);
      const account = await db.select({ status: accounts.status, kind: accounts.kind }).from(accounts).where(eq(accounts.id, body.accountId)).get();
      if (!account) throw new ApiError(404, "account_not_found", "No account has this id.");
      const licenceNumber = body.licenceNumber.normalize("NFKC");
      // Sorted, so a retry listing the same scope in another order is the same grant.
      const terms = { scope: JSON.stringify([...body.scope].sort()), issuer: body.issuer, expiresAt };
      const held = await unrevokedLicence(db, body.accountId, licenceNumber);
      if (held) return c.json(view(existingGrant(held, terms), now), 200);
      if (account.kind !== "public" || account.status !== "verified") {
        throw new ApiError(409, "publisher_not_eligible", "Only verified public accounts can hold a news-publisher licence.", { accountStatus: account.status, accountKind: account.kind });
      }
      const row: LicenceRow = {
        id: newId("lic"),
        accountId: body.accountId,
        licenceNumber,
        ...terms,
        revokedAt: null,
        revokedReason: null,
        createdAt: now,
        createdBy: c.get("principal")!.keyId,
      };
      // The batch's guard and the unique index make it all or nothing: the event needs no condition.
      const granted = outboxStatement(
        {
          type: "publisher.licence_changed",
          subject: { type: "publisher_licence", id: row.id },
          payload: { licenceId: row.id, accountId: row.accountId, change: "granted", scope: JSON.parse(terms.scope) as string[], expiresAt: isoOrNull(expiresAt) },
          occurredAt: now,
        },
        c.get("requestId"),
      );
      try {
        await runAtomic(c.env.DB, [
          // The account must still qualify when the licence is written.
          guard(sql`EXISTS (SELECT 1 FROM accounts WHERE id = ${body.accountId} AND kind = 'public' AND status = 'verified')`),
          db.insert(publisherLicences).values(row),
          auditStatement(c.get("principal")!, c.get("requestId"), {
            action: "publisher.licence_granted",
            subjectType: "publisher_licence",
            subjectId: row.id,
            details: { accountId: row.accountId, scope: JSON.parse(terms.scope), expiresAt },
          }),
          granted.statement,
        ]);
        relayAfterCommit(c.env.EVENTS, waitUntilOf(c), [granted.id], c.env.DB);
      } catch (err) {
        if (isGuardFailure(err)) throw new ApiError(409, "publisher_not_eligible", "Only verified public accounts can hold a news-publisher licence.");
        // A concurrent grant of the same number won (the partial unique index): answer as a retry of it.
        if (isUniqueViolation(err, "publisher_licences.licence_number")) {
          const winner = await unrevokedLicence(db, body.accountId, licenceNumber);
          if (winner) return c.json(view(existingGrant(winner, terms), now), 200);
          throw concurrentChange(); // the winner was revoked in between
        }
        throw err;
      }
      return c.json(view(row, now), 201);
    })
    .openapi(revoke, async (c) => {
      const { id } = c.req.valid("param");
      const { reason } = c.req.valid("json");
      const db = createDb(c.env.DB);
      const now = deps.now();
      const row = await db.select().from(publisherLicences).where(eq(publisherLicences.id, id)).get();
      if (!row) throw new ApiError(404, "licence_not_found", "No licence has this id.");
      if (row.revokedAt != null) throw new ApiError(409, "licence_already_revoked", "This licence is already revoked.");
      const revoked = outboxStatement(
        { type: "publisher.licence_changed", subject: { type: "publisher_licence", id }, payload: { licenceId: id, accountId: row.accountId, change: "revoked" }, occurredAt: now },
        c.get("requestId"),
      );
      try {
        await runAtomic(c.env.DB, [
          guard(sql`EXISTS (SELECT 1 FROM publisher_licences WHERE id = ${id} AND revoked_at IS NULL)`),
          db.update(publisherLicences).set({ revokedAt: now, revokedReason: reason }).where(eq(publisherLicences.id, id)),
          auditStatement(c.get("principal")!, c.get("requestId"), {
            action: "publisher.licence_revoked",
            subjectType: "publisher_licence",
            subjectId: id,
            reason,
            details: { accountId: row.accountId },
          }),
          revoked.statement,
        ]);
        relayAfterCommit(c.env.EVENTS, waitUntilOf(c), [revoked.id], c.env.DB);
      } catch (err) {
        if (isGuardFailure(err)) throw new ApiError(409, "licence_already_revoked", "This licence is already revoked.");
        throw err;
      }
      return c.json(view({ ...row, revokedAt: now, revokedReason: reason }, now), 200);
    })
    .openapi(list, async (c) => {
      const { accountId, state, limit, cursor } = c.req.valid("query");
      const after = numericCursor(cursor);
      const now = deps.now();
      const active = and(isNull(publisherLicences.revokedAt), gt(publisherLicences.expiresAt, now));
      const inactive = or(sql`${publisherLicences.revokedAt} IS NOT NULL`, lte(publisherLicences.expiresAt, now));
      const conds = [
        accountId ? eq(publisherLicences.accountId, accountId) : undefined,
        state === "active" ? active : state === "inactive" ? inactive : undefined,
        after ? or(lt(publisherLicences.createdAt, after.key), and(eq(publisherLicences.createdAt, after.key), lt(publisherLicences.id, after.id))) : undefined,
      ].filter((x) => x !== undefined);
      const rows = await createDb(c.env.DB)
        .select()
        .from(publisherLicences)
        .where(conds.length ? and(...conds) : undefined)
        .orderBy(desc(publisherLicences.createdAt), desc(publisherLicences.id))
        .limit(limit);
      return c.json({ licences: rows.map((r) => view(r, now)), nextCursor: nextCursor(rows, limit, (r) => ({ key: r.createdAt, id: r.id })) }, 200);
    })
    .openapi(history, async (c) => {
      const { id } = c.req.valid("param");
      const db = createDb(c.env.DB);
      const row = await db.select().from(publisherLicences).where(eq(publisherLicences.id, id)).get();
      if (!row) throw new ApiError(404, "licence_not_found", "No licence has this id.");
      const events = await db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.subjectType, "publisher_licence"), eq(auditLog.subjectId, id)))
        .orderBy(asc(auditLog.at));
      return c.json(
        {
          licence: view(row, deps.now()),
          events: events.map((e) => ({ at: isoOrNull(e.at)!, action: e.action, actorKeyId: e.actorKeyId, actorRole: e.actorRole, reason: e.reason })),
        },
        200,
      );
    });
