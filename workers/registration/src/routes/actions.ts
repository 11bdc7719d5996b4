import { createRoute, z } from "@hono/zod-openapi";
import { and, eq, inArray, sql } from "drizzle-orm";
import { accounts, ACCOUNT_STATUSES, accountState, type AccountStatus } from "../../../../db/schema";
import { createRouter } from "../../../../pkg/app";
import { auditStatement, type AuditActor } from "../../../../pkg/audit";
import { guard, runAtomic, type AtomicStatement } from "../../../../pkg/batch";
import { createDb, type Db } from "../../../../pkg/db";
import { ApiError } from "../../../../pkg/errors";
import { outboxStatement, relayAfterCommit, type OutboxWrite, waitUntilOf } from "../../../../pkg/outbox";
import { requireRole } from "../../../../pkg/principal";
import { IdSchema, problemResponses } from "../../../../pkg/schemas";
import type { Deps, Env } from "../env";
import { concurrentChange, isGuardFailure } from "../repo";
import { AccountIdParam, ReasonSchema } from "../schemas";
import { nextStatus } from "../state-machine";

export const ACTIONS = ["warn", "suspend", "restore", "close"] as const;
export type Action = (typeof ACTIONS)[number];

const ActionBody = z.object({ action: z.enum(ACTIONS), reason: ReasonSchema }).strict().openapi("AccountAction");
const ActionResult = z
  .object({ accountId: z.string(), ok: z.boolean(), status: z.enum(ACCOUNT_STATUSES).optional(), code: z.string().optional(), detail: z.string().optional() })
  .openapi("AccountActionResult");

const single = createRoute({
  method: "post",
  path: "/v1/accounts/{id}/actions",
  tags: ["actions"],
  summary: "Warn, suspend, restore or close an account (operator); recorded in the audit log.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: { params: AccountIdParam, body: { required: true, content: { "application/json": { schema: ActionBody } } } },
  responses: {
    200: { description: "Applied", content: { "application/json": { schema: ActionResult } } },
    ...problemResponses(401, 403, 404, 409, 415, 422),
  },
});

const bulk = createRoute({
  method: "post",
  path: "/v1/accounts/actions/bulk",
  tags: ["actions"],
  summary: "Apply one action to up to 100 accounts in one transaction (operator); accounts it cannot apply to are reported and skipped.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: {
    body: {
      required: true,
      content: { "application/json": { schema: ActionBody.extend({ accountIds: z.array(IdSchema).min(1).max(100) }).strict().openapi("BulkAccountAction") } },
    },
  },
  responses: {
    200: { description: "Per-account results", content: { "application/json": { schema: z.object({ applied: z.number().int(), results: z.array(ActionResult) }) } } },
    ...problemResponses(401, 403, 409, 415, 422),
  },
});

interface Planned {
  id: string;
  from: AccountStatus;
  to: AccountStatus;
}

type Row = { id: string; status: AccountStatus; statusBeforeSuspension: string | null };

/** What an action does to an account in `row.status`: its next status, or the refusal. */
export function plan(action: Action, row: Row): { ok: true; to: AccountStatus } | { ok: false; code: "invalid_transition"; detail: string } {
  if (action === "warn") {
    return row.status === "closed" ? { ok: false, code: "invalid_transition", detail: "A closed account cannot be warned." } : { ok: true, to: row.status };
  }
  const to = nextStatus(row.status, action, row.statusBeforeSuspension as AccountStatus | null);
  return to ? { ok: true, to } : { ok: false, code: "invalid_transition", detail: `An account that is ${row.status} cannot ${action}.` };
}

/**
 * The statements of one applied action: status guard, change, audit row and, when the status
 * changes (not for `warn`), its `account.status_changed` event, whose write is pushed to `events`
 * for relaying after commit. `audit.id` fixes the audit row's id (an idempotency key: a second
 * batch with it fails on the primary key); `audit.details` adds non-personal details (e.g. the
 * moderation decision it carries out).
 */
export function statements(
  db: Db,
  p: Planned,
  action: Action,
  reason: string,
  actor: AuditActor,
  requestId: string | undefined,
  now: number,
  audit: { id?: string; details?: Record<string, unknown> } = {},
  events: OutboxWrite[] = [],
) {
  const stmts = [guard(sql`EXISTS (SELECT 1 FROM accounts WHERE id = ${p.id} AND status = ${p.from})`)];
  const stateSet =
    action === "warn"
      ? { warningCount: sql`${accountState.warningCount} + 1` }
      : action === "suspend"
        ? { statusBeforeSuspension: p.from }
        : action === "restore"
          ? { statusBeforeSuspension: null }
          : null;
  const out: AtomicStatement[] = [...stmts];
  if (action !== "warn") out.push(db.update(accounts).set({ status: p.to, updatedAt: now }).where(and(eq(accounts.id, p.id), eq(accounts.status, p.from))));
  else out.push(db.update(accounts).set({ updatedAt: now }).where(eq(accounts.id, p.id)));
  if (stateSet) {
    out.push(
      db
        .insert(accountState)
        .values({ accountId: p.id, ...(action === "warn" ? { warningCount: 1 } : action === "suspend" ? { statusBeforeSuspension: p.from } : {}) })
        .onConflictDoUpdate({ target: accountState.accountId, set: stateSet }),
    );
  }
  out.push(
    auditStatement(
      actor,
      requestId,
      { action: `account.${action}`, subjectType: "account", subjectId: p.id, reason, details: { ...audit.details, from: p.from, to: p.to } },
      { id: audit.id },
    ),
  );
  if (action !== "warn") {
    const decisionId = typeof audit.details?.decisionId === "string" ? audit.details.decisionId : undefined;
    const changed = outboxStatement(
      {
        type: "account.status_changed",
        subject: { type: "account", id: p.id },
        payload: { accountId: p.id, from: p.from, to: p.to, event: action, cause: `account.${action}`, ...(decisionId ? { decisionId } : {}) },
        occurredAt: now,
      },
      requestId,
    );
    out.push(changed.statement);
    events.push(changed);
  }
  return out;
}

export async function loadRows(db: Db, ids: string[]): Promise<Map<string, Row>> {
  const rows = await db
    .select({ id: accounts.id, status: accounts.status, statusBeforeSuspension: accountState.statusBeforeSuspension })
    .from(accounts)
    .leftJoin(accountState, eq(accountState.accountId, accounts.id))
    .where(inArray(accounts.id, ids));
  return new Map(rows.map((r) => [r.id, r]));
}

export async function commit(db: Db, stmts: AtomicStatement[]): Promise<void> {
  if (stmts.length === 0) return;
  try {
    await runAtomic(db.$client, stmts);
  } catch (err) {
    if (isGuardFailure(err)) throw concurrentChange();
    throw err;
  }
}

export const actionRoutes = (deps: Deps) =>
  createRouter<Env>()
    .openapi(bulk, async (c) => {
      const { action, reason, accountIds } = c.req.valid("json");
      const ids = [...new Set(accountIds)];
      const db = createDb(c.env.DB);
      const rows = await loadRows(db, ids);
      const now = deps.now();
      const results: z.infer<typeof ActionResult>[] = [];
      const stmts: AtomicStatement[] = [];
      const events: OutboxWrite[] = [];
      for (const id of ids) {
        const row = rows.get(id);
        if (!row) {
          results.push({ accountId: id, ok: false, code: "account_not_found", detail: "No account has this id." });
          continue;
        }
        const p = plan(action, row);
        if (!p.ok) {
          results.push({ accountId: id, ok: false, code: p.code, detail: p.detail });
          continue;
        }
        stmts.push(...statements(db, { id, from: row.status, to: p.to }, action, reason, c.get("principal")!, c.get("requestId"), now, {}, events));
        results.push({ accountId: id, ok: true, status: p.to });
      }
      // All applicable changes commit together or, if any account changed meanwhile, none do.
      await commit(db, stmts);
      relayAfterCommit(c.env.EVENTS, waitUntilOf(c), events.map((e) => e.id), c.env.DB);
      return c.json({ applied: results.filter((r) => r.ok).length, results }, 200);
    })
    .openapi(single, async (c) => {
      const { id } = c.req.valid("param");
      const { action, reason } = c.req.valid("json");
      const db = createDb(c.env.DB);
      const row = (await loadRows(db, [id])).get(id);
      if (!row) throw new ApiError(404, "account_not_found", "No account has this id.");
      const p = plan(action, row);
      if (!p.ok) throw new ApiError(409, p.code, p.detail, { accountStatus: row.status });
      const events: OutboxWrite[] = [];
      await commit(db, statements(db, { id, from: row.status, to: p.to }, action, reason, c.get("principal")!, c.get("requestId"), deps.now(), {}, events));
      relayAfterCommit(c.env.EVENTS, waitUntilOf(c), events.map((e) => e.id), c.env.DB);
      return c.json({ accountId: id, ok: true, status: p.to }, 200);
    });
