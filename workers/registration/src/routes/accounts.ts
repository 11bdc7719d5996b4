import { createRoute, z } from "@hono/zod-openapi";
import { and, desc, eq, lt, or, sql } from "drizzle-orm";
import { ACCOUNT_STATUSES, accounts, accountState, identityVault } from "../../../../db/schema";
import { createRouter } from "../../../../pkg/app";
import { auditStatement } from "../../../../pkg/audit";
import { errorText, runAtomic } from "../../../../pkg/batch";
import { nextCursor } from "../../../../pkg/cursor";
import { createDb } from "../../../../pkg/db";
import { ApiError } from "../../../../pkg/errors";
import { newId } from "../../../../pkg/ids";
import { requireRole } from "../../../../pkg/principal";
import { problemResponses } from "../../../../pkg/schemas";
import { identityLimit, smsChannel } from "../config";
import type { Deps, Env } from "../env";
import { registerPhoneCode } from "../phone-flow";
import { HANDLE_RE, validateRegistration } from "../registration-input";
import { expireStalePending } from "../stale";
import { accountView, loadAccount, numericCursor } from "../repo";
import { AccountIdParam, AccountSchema, PhoneVerificationSchema, RegisterBody } from "../schemas";
import { encryptField, identityIndex, loadVaultKeys, newDataKey, phoneIndex } from "../vault";

const register = createRoute({
  method: "post",
  path: "/v1/accounts",
  tags: ["accounts"],
  summary: "Register an account under a real identity (app). Sends a phone code; the identity is stored encrypted only.",
  security: [{ bearer: [] }],
  middleware: [requireRole("app")] as const,
  request: { body: { required: true, content: { "application/json": { schema: RegisterBody } } } },
  responses: {
    201: {
      description: "Registered (status pending_phone)",
      content: { "application/json": { schema: z.object({ account: AccountSchema, phoneVerification: PhoneVerificationSchema }) } },
    },
    ...problemResponses(400, 401, 403, 409, 415, 422, 503),
  },
});

const getAccount = createRoute({
  method: "get",
  path: "/v1/accounts/{id}",
  tags: ["accounts"],
  summary: "Read an account with its identity masked (app, operator).",
  security: [{ bearer: [] }],
  middleware: [requireRole("app", "operator")] as const,
  request: { params: AccountIdParam },
  responses: {
    200: { description: "The account", content: { "application/json": { schema: AccountSchema } } },
    ...problemResponses(401, 403, 404, 422),
  },
});

const listAccounts = createRoute({
  method: "get",
  path: "/v1/accounts",
  tags: ["accounts"],
  summary: "List accounts, newest first, optionally by status or exact handle (operator), e.g. ?status=under_review for the review backlog.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: {
    query: z.object({
      status: z.enum(ACCOUNT_STATUSES).optional(),
      // Compared as registration stores handles (trimmed, lower-cased). A handle is public, so it may be in a URL.
      handle: z
        .string()
        .max(100)
        .trim()
        .toLowerCase()
        .regex(HANDLE_RE, "3–30 characters: a letter, then letters, digits or underscores.")
        .optional()
        .openapi({ description: "Exact handle (case-insensitive); at most one account matches" }),
      limit: z.coerce.number().int().min(1).max(100).default(50),
      cursor: z.string().max(200).optional().openapi({ description: "`nextCursor` of the previous page (opaque)" }),
    }),
  },
  responses: {
    200: {
      description: "Accounts",
      content: { "application/json": { schema: z.object({ accounts: z.array(AccountSchema), nextCursor: z.string().nullable() }) } },
    },
    ...problemResponses(401, 403, 422),
  },
});

/** Maps the constraint a registration batch violated to the caller's error. */
function registrationConflict(err: unknown): ApiError | null {
  const text = errorText(err);
  if (text.includes("identity_bindings.slot") || text.includes("identity_bindings.identity_bidx")) {
    return new ApiError(409, "identity_limit", "This identity is already bound to the maximum number of accounts of this kind.");
  }
  if (text.includes("accounts.handle")) {
    return new ApiError(422, "validation_failed", "Some fields are missing or invalid; see `errors`.", {
      errors: [{ field: "handle", code: "HANDLE_TAKEN", message: "This handle is taken." }],
    });
  }
  if (text.includes("identity_vault.phone_bidx")) return new ApiError(409, "phone_taken", "This phone number already belongs to an account.");
  return null;
}

export const accountRoutes = (deps: Deps) =>
  createRouter<Env>()
    .openapi(register, async (c) => {
      const body = c.req.valid("json");
      const db = createDb(c.env.DB);
      const now = deps.now();
      const checked = validateRegistration(body, now);
      const errors = checked.ok ? [] : [...checked.errors];
      const handle = body.handle.trim().toLowerCase();
      if (!errors.some((e) => e.field === "handle")) {
        const taken = await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.handle, handle)).get();
        if (taken) errors.push({ field: "handle", code: "HANDLE_TAKEN", message: "This handle is taken." });
      }
      if (!checked.ok || errors.length > 0) throw new ApiError(422, "validation_failed", "Some fields are missing or invalid; see `errors`.", { errors });
      const v = checked.value;
      // A misconfigured SMS channel is 503 before anything is written.
      const channel = smsChannel(c.env, db, deps);

      const keys = await loadVaultKeys(c.env);
      const accountId = newId("acc");
      const [dataKey, identityBidx, phoneBidx] = await Promise.all([newDataKey(keys, accountId), identityIndex(keys, v.documentType, v.documentNumber), phoneIndex(keys, v.phone)]);
      const [nameCt, documentCt, phoneCt] = await Promise.all([
        encryptField(dataKey.key, "name_ct", accountId, v.name),
        encryptField(dataKey.key, "document_ct", accountId, v.documentNumber),
        encryptField(dataKey.key, "phone_ct", accountId, v.phone),
      ]);
      await expireStalePending(db, c.env, now, { identityBidx, kind: v.kind, phoneBidx });
      // A friendly answer for the common case; the unique index decides under concurrency.
      const phoneOwner = await db.select({ id: identityVault.accountId }).from(identityVault).where(eq(identityVault.phoneBidx, phoneBidx)).get();
      if (phoneOwner) throw new ApiError(409, "phone_taken", "This phone number already belongs to an account.");

      const limit = identityLimit(c.env, v.kind);
      try {
        await runAtomic(c.env.DB, [
          db.insert(accounts).values({ id: accountId, handle: v.handle, displayName: v.displayName, kind: v.kind, status: "pending_phone", createdAt: now, updatedAt: now }),
          db.insert(accountState).values({ accountId }),
          db.insert(identityVault).values({
            accountId,
            documentType: v.documentType,
            kid: dataKey.kid,
            wrappedKey: dataKey.wrapped,
            nameCt,
            documentCt,
            phoneCt,
            phoneBidx,
            createdAt: now,
            updatedAt: now,
          }),
          // The first free slot 1..limit, or NULL (NOT NULL fails, the batch rolls back) when none is free.
          sql`INSERT INTO identity_bindings (identity_bidx, kind, slot, account_id, created_at) VALUES (${identityBidx}, ${v.kind},
            (WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${limit})
             SELECT MIN(n) FROM s WHERE n NOT IN (SELECT slot FROM identity_bindings WHERE identity_bidx = ${identityBidx} AND kind = ${v.kind})),
            ${accountId}, ${now})`,
          auditStatement(c.get("principal")!, c.get("requestId"), {
            action: "account.registered",
            subjectType: "account",
            subjectId: accountId,
            details: { kind: v.kind, documentType: v.documentType, to: "pending_phone" },
          }),
        ]);
      } catch (err) {
        const conflict = registrationConflict(err);
        if (conflict) throw conflict;
        throw err;
      }
      const phoneVerification = await registerPhoneCode(c.env, db, deps, { accountId, phoneBidx, e164: v.phone }, c.get("requestId"), channel);
      const loaded = await loadAccount(db, accountId);
      return c.json({ account: await accountView(c.env, loaded), phoneVerification }, 201);
    })
    .openapi(getAccount, async (c) => {
      const loaded = await loadAccount(createDb(c.env.DB), c.req.valid("param").id);
      return c.json(await accountView(c.env, loaded), 200);
    })
    .openapi(listAccounts, async (c) => {
      const { status, handle, limit, cursor } = c.req.valid("query");
      const after = numericCursor(cursor);
      const db = createDb(c.env.DB);
      // Newest first by (createdAt, id): ids break ties between accounts created in the same millisecond.
      const conds = [
        status ? eq(accounts.status, status) : undefined,
        handle ? eq(accounts.handle, handle) : undefined,
        after ? or(lt(accounts.createdAt, after.key), and(eq(accounts.createdAt, after.key), lt(accounts.id, after.id))) : undefined,
      ].filter((x) => x !== undefined);
      const ids = await db
        .select({ id: accounts.id, createdAt: accounts.createdAt })
        .from(accounts)
        .where(conds.length ? and(...conds) : undefined)
        .orderBy(desc(accounts.createdAt), desc(accounts.id))
        .limit(limit);
      const views = [];
      for (const { id } of ids) views.push(await accountView(c.env, await loadAccount(db, id)));
      return c.json({ accounts: views, nextCursor: nextCursor(ids, limit, (r) => ({ key: r.createdAt, id: r.id })) }, 200);
    });
