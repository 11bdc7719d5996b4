import { z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { auditLog } from "../../../../db/schema";
import type { AuditActor } from "../../../../pkg/audit";
import { errorText } from "../../../../pkg/batch";
import { createDb, type Db } from "../../../../pkg/db";
import { ApiError, type FieldError } from "../../../../pkg/errors";
import { relayAfterCommit, type OutboxWrite, waitUntilOf } from "../../../../pkg/outbox";
import { IdSchema } from "../../../../pkg/schemas";
import { createRouter } from "../../../../pkg/app";
import type { Deps, Env } from "../env";
import { ReasonSchema } from "../schemas";
import { ACTIONS, commit, loadRows, plan, statements } from "./actions";

/**
 * Account actions for other workers (moderation's decisions and its suspension-expiry cron), over
 * a service binding. These paths are outside `/v1`: the gateway never forwards them, and they are
 * not in the OpenAPI document. They run the very code of `POST /v1/accounts/{id}/actions`
 * (`plan`, `statements`, `commit` of ./actions.ts); what they add is an idempotency key.
 *
 * Idempotency: the action's audit row gets the id `aud_<idempotencyKey>`. A retry finds that row
 * and answers what the first call did (`replayed: true`) without acting again; two concurrent
 * first calls cannot both commit (the status guard or the audit row's primary key fails the
 * second batch, which then replays the first).
 */
const KeySchema = z.string().regex(/^[a-z0-9_]{8,120}$/, "Use 8–120 of a–z, 0–9, _");
const ActorSchema = z.object({ keyId: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/), role: z.enum(["operator", "admin", "system"]) });

const ApplyBody = z
  .object({
    action: z.enum(ACTIONS),
    reason: ReasonSchema,
    idempotencyKey: KeySchema,
    actor: ActorSchema,
    requestId: z.string().max(128).optional(),
    /** Non-personal details for the audit row, e.g. `{ decisionId, reviewItemId }`. */
    details: z.record(z.string(), z.union([z.string().max(200), z.number(), z.boolean(), z.null()])).optional(),
  })
  .strict();

const PlanBody = z.object({ action: z.enum(ACTIONS), accountIds: z.array(IdSchema).min(1).max(500) }).strict();

async function jsonBody(c: { req: { json(): Promise<unknown> } }): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new ApiError(400, "malformed_json", "The body is not valid JSON.");
  }
}

function parse<T extends z.ZodTypeAny>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.map((i) => ({ field: i.path.map(String).join(".") || "(body)", code: i.code.toUpperCase(), message: i.message }));
  throw new ApiError(422, "validation_failed", "Some fields are missing or invalid; see `errors`.", { errors });
}

/** What the first call with this key did, or null when no call has committed with it. */
async function replay(db: Db, auditId: string, accountId: string, action: string) {
  const row = await db.select().from(auditLog).where(eq(auditLog.id, auditId)).get();
  if (!row) return null;
  if (row.subjectId !== accountId || row.action !== `account.${action}`) {
    throw new ApiError(422, "idempotency_key_reused", "This idempotency key was used for another account or action.");
  }
  const details = row.details ? (JSON.parse(row.details) as { to?: string }) : {};
  return { accountId, ok: true, status: details.to, replayed: true };
}

export const internalActionRoutes = (deps: Deps) =>
  createRouter<Env>()
    // What an action would do to each account, without doing it: moderation checks a decision
    // is applicable before recording it.
    .post("/internal/accounts/actions/plan", async (c) => {
      const { action, accountIds } = parse(PlanBody, await jsonBody(c));
      const rows = await loadRows(createDb(c.env.DB), [...new Set(accountIds)]);
      const results = accountIds.map((accountId) => {
        const row = rows.get(accountId);
        if (!row) return { accountId, ok: false, code: "account_not_found", detail: "No account has this id." };
        const p = plan(action, row);
        return p.ok ? { accountId, ok: true, status: p.to } : { accountId, ok: false, code: p.code, detail: p.detail, accountStatus: row.status };
      });
      return c.json({ results }, 200);
    })
    .post("/internal/accounts/:id/actions", async (c) => {
      const id = parse(IdSchema, c.req.param("id"));
      const body = parse(ApplyBody, await jsonBody(c));
      const db = createDb(c.env.DB);
      const auditId = `aud_${body.idempotencyKey}`;
      const done = await replay(db, auditId, id, body.action);
      if (done) return c.json(done, 200);
      const row = (await loadRows(db, [id])).get(id);
      if (!row) throw new ApiError(404, "account_not_found", "No account has this id.");
      const p = plan(body.action, row);
      if (!p.ok) throw new ApiError(409, p.code, p.detail, { accountStatus: row.status });
      const actor = body.actor as AuditActor;
      const events: OutboxWrite[] = [];
      try {
        await commit(db, statements(db, { id, from: row.status, to: p.to }, body.action, body.reason, actor, body.requestId, deps.now(), { id: auditId, details: body.details }, events));
        relayAfterCommit(c.env.EVENTS, waitUntilOf(c), events.map((e) => e.id), c.env.DB);
      } catch (err) {
        // A concurrent call with the same key committed first: answer what it did.
        const first = await replay(db, auditId, id, body.action);
        if (first) return c.json(first, 200);
        if (err instanceof ApiError) throw err;
        throw new Error(`account action failed: ${errorText(err)}`);
      }
      return c.json({ accountId: id, ok: true, status: p.to, replayed: false }, 200);
    });
