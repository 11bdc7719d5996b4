import { createRoute, z } from "@hono/zod-openapi";
import { and, count, eq, gt, isNotNull, lt, or, sql } from "drizzle-orm";
import { accounts, ACCOUNT_STATUSES, identityBindings, identityVault, phoneCodes } from "../../../../db/schema";
import { createRouter } from "../../../../pkg/app";
import { waitUntilOf } from "../../../../pkg/outbox";
import { auditStatement } from "../../../../pkg/audit";
import { guard, runAtomic, type AtomicStatement } from "../../../../pkg/batch";
import { createDb } from "../../../../pkg/db";
import { ApiError } from "../../../../pkg/errors";
import { requireRole } from "../../../../pkg/principal";
import { resolveSourceSignals } from "../../../../pkg/review-signals";
import { problemResponses, safeText } from "../../../../pkg/schemas";
import type { Deps, Env } from "../env";
import { concurrentChange, decryptIdentity, isGuardFailure, loadAccount, releaseIdentity, transition } from "../repo";
import { AccountIdParam, ReasonSchema } from "../schemas";
import { loadVaultKeys, rewrapDataKey } from "../vault";

const review = createRoute({
  method: "post",
  path: "/v1/accounts/{id}/review",
  tags: ["identity"],
  summary: "Decide a manual identity review (operator): approve → verified, reject → rejected (frees the identity and phone).",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: {
    params: AccountIdParam,
    body: {
      required: true,
      content: { "application/json": { schema: z.object({ decision: z.enum(["approve", "reject"]), reason: ReasonSchema }).strict().openapi("ReviewDecision") } },
    },
  },
  responses: {
    200: { description: "Decided", content: { "application/json": { schema: z.object({ id: z.string(), status: z.enum(ACCOUNT_STATUSES) }) } } },
    ...problemResponses(401, 403, 404, 409, 415, 422),
  },
});

const reveal = createRoute({
  method: "post",
  path: "/v1/accounts/{id}/identity/reveal",
  tags: ["identity"],
  summary: "Reveal the plaintext identity (operator). Requires a reason; every reveal is written to the audit log first.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: {
    params: AccountIdParam,
    body: { required: true, content: { "application/json": { schema: z.object({ reason: safeText({ min: 10, max: 500, multiline: true }) }).strict().openapi("RevealRequest") } } },
  },
  responses: {
    200: {
      description: "Plaintext identity",
      content: {
        "application/json": {
          schema: z.object({ id: z.string(), documentType: z.string(), name: z.string(), documentNumber: z.string(), phone: z.string() }).openapi("RevealedIdentity"),
        },
      },
    },
    ...problemResponses(401, 403, 404, 410, 415, 422),
  },
});

const erase = createRoute({
  method: "delete",
  path: "/v1/accounts/{id}/identity",
  tags: ["identity"],
  summary: "Erase the identity by destroying the account's data key (crypto-shredding; operator). Closes the account and frees its identity and phone.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: {
    params: AccountIdParam,
    body: { required: true, content: { "application/json": { schema: z.object({ reason: ReasonSchema }).strict().openapi("EraseRequest") } } },
  },
  responses: {
    200: { description: "Erased", content: { "application/json": { schema: z.object({ id: z.string(), status: z.enum(ACCOUNT_STATUSES), erased: z.literal(true) }) } } },
    ...problemResponses(401, 403, 404, 409, 415, 422),
  },
});

const rotate = createRoute({
  method: "post",
  path: "/v1/accounts/vault/rotate",
  tags: ["identity"],
  summary: "Re-wrap data keys under the active master key, a batch per call (admin). Repeat until `done`; then the old master key can be removed.",
  security: [{ bearer: [] }],
  middleware: [requireRole("admin")] as const,
  request: {
    body: { required: false, content: { "application/json": { schema: z.object({ batchSize: z.number().int().min(1).max(200).default(100) }).strict().openapi("RotateRequest") } } },
  },
  responses: {
    200: {
      description: "One batch re-wrapped",
      content: { "application/json": { schema: z.object({ activeKid: z.string(), rewrapped: z.number().int(), remaining: z.number().int(), done: z.boolean() }) } },
    },
    ...problemResponses(401, 403, 415, 422, 503),
  },
});

export const identityRoutes = (deps: Deps) =>
  createRouter<Env>()
    .openapi(rotate, async (c) => {
      const batchSize = c.req.valid("json")?.batchSize ?? 100;
      const db = createDb(c.env.DB);
      const keys = await loadVaultKeys(c.env);
      // kid <> active as two ranges: SQLite then reads only the stale rows, through
      // identity_vault_kid_idx (with <> it read every row, on every batch and every count).
      const stale = and(isNotNull(identityVault.wrappedKey), or(lt(identityVault.kid, keys.activeKid), gt(identityVault.kid, keys.activeKid)));
      const rows = await db
        .select({ accountId: identityVault.accountId, kid: identityVault.kid, wrappedKey: identityVault.wrappedKey })
        .from(identityVault)
        .where(stale)
        .limit(batchSize);
      const updates = [];
      for (const r of rows) {
        const next = await rewrapDataKey(keys, r.accountId, r.kid!, r.wrappedKey!);
        // Conditional: an erasure or another rotation in between wins.
        updates.push(
          db
            .update(identityVault)
            .set({ kid: next.kid, wrappedKey: next.wrapped, updatedAt: deps.now() })
            .where(and(eq(identityVault.accountId, r.accountId), eq(identityVault.kid, r.kid!), eq(identityVault.wrappedKey, r.wrappedKey!))),
        );
      }
      const audit = auditStatement(c.get("principal")!, c.get("requestId"), {
        action: "vault.rotated",
        subjectType: "vault",
        subjectId: "identity_vault",
        details: { activeKid: keys.activeKid, rewrapped: rows.length },
      });
      if (rows.length > 0) await runAtomic(c.env.DB, [...updates, audit]);
      const remaining = (await db.select({ n: count() }).from(identityVault).where(stale).get())?.n ?? 0;
      return c.json({ activeKid: keys.activeKid, rewrapped: rows.length, remaining, done: remaining === 0 }, 200);
    })
    .openapi(review, async (c) => {
      const { id } = c.req.valid("param");
      const { decision, reason } = c.req.valid("json");
      const db = createDb(c.env.DB);
      const loaded = await loadAccount(db, id);
      const now = deps.now();
      const principal = c.get("principal")!;
      const resolved = resolveSourceSignals({ subjectType: "account", subjectId: id, source: "registration", decision, decidedBy: principal.keyId, at: now, requestId: c.get("requestId") });
      const status = await transition(db, loaded, decision, {
        actor: principal,
        requestId: c.get("requestId"),
        now,
        audit: { action: decision === "approve" ? "identity.approved" : "identity.rejected", reason },
        rowEvents: [resolved.decided],
        relay: { queue: c.env.EVENTS, ctx: waitUntilOf(c) },
        extra: [
          ...(decision === "reject" ? releaseIdentity(db, id) : []),
          // Closes the account's registration signals, and its review item unless other signals stay open on it.
          ...resolved,
        ],
      });
      return c.json({ id, status }, 200);
    })
    .openapi(reveal, async (c) => {
      const { id } = c.req.valid("param");
      const { reason } = c.req.valid("json");
      const db = createDb(c.env.DB);
      const { vault } = await loadAccount(db, id);
      if (!vault?.wrappedKey) throw new ApiError(410, "identity_erased", "This account's identity was erased and can no longer be read.");
      // The audit row is committed before any plaintext leaves the vault.
      await runAtomic(c.env.DB, [
        auditStatement(c.get("principal")!, c.get("requestId"), {
          action: "identity.revealed",
          subjectType: "account",
          subjectId: id,
          reason,
          details: { fields: ["name", "documentNumber", "phone"] },
        }),
      ]);
      const plain = await decryptIdentity(c.env, vault);
      if (!plain) throw new ApiError(410, "identity_erased", "This account's identity was erased and can no longer be read.");
      c.header("cache-control", "no-store");
      return c.json({ id, documentType: vault.documentType, ...plain }, 200);
    })
    .openapi(erase, async (c) => {
      const { id } = c.req.valid("param");
      const { reason } = c.req.valid("json");
      const db = createDb(c.env.DB);
      const loaded = await loadAccount(db, id);
      const { vault, account } = loaded;
      if (!vault || vault.erasedAt != null) throw new ApiError(409, "identity_already_erased", "This account's identity is already erased.");
      const now = deps.now();
      const shred: AtomicStatement[] = [
        guard(sql`EXISTS (SELECT 1 FROM identity_vault WHERE account_id = ${id} AND erased_at IS NULL)`),
        db
          .update(identityVault)
          .set({ kid: null, wrappedKey: null, nameCt: null, documentCt: null, phoneCt: null, phoneBidx: null, checkRef: null, erasedAt: now, updatedAt: now })
          .where(eq(identityVault.accountId, id)),
        db.delete(identityBindings).where(eq(identityBindings.accountId, id)),
        ...(vault.phoneBidx ? [db.delete(phoneCodes).where(eq(phoneCodes.phoneBidx, vault.phoneBidx))] : []),
      ];
      const audit = { action: "identity.erased", reason, details: { method: "crypto_shredding" } };
      let status = account.status;
      if (account.status === "closed") {
        try {
          await runAtomic(c.env.DB, [
            ...shred,
            db.update(accounts).set({ updatedAt: now }).where(eq(accounts.id, id)),
            auditStatement(c.get("principal")!, c.get("requestId"), { ...audit, subjectType: "account", subjectId: id }),
          ]);
        } catch (err) {
          if (isGuardFailure(err)) throw concurrentChange();
          throw err;
        }
      } else {
        status = await transition(db, loaded, "close", { actor: c.get("principal")!, requestId: c.get("requestId"), now, audit, extra: shred, relay: { queue: c.env.EVENTS, ctx: waitUntilOf(c) } });
      }
      return c.json({ id, status, erased: true as const }, 200);
    });
