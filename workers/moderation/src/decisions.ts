import { and, eq, inArray, isNull, lte, sql, type SQL } from "drizzle-orm";
import { appeals, moderationDecisions, posts, reviewQueue, type DecisionAction } from "../../../db/schema";
import { auditStatement, type AuditActor } from "../../../pkg/audit";
import { runAtomic, type AtomicStatement } from "../../../pkg/batch";
import { createDb, type Db } from "../../../pkg/db";
import { ApiError } from "../../../pkg/errors";
import { newId } from "../../../pkg/ids";
import { outboxRowsStatement, relayRowsAfterCommit, type OutboxRowsWrite, type WaitUntil } from "../../../pkg/outbox";
import { log } from "../../../pkg/log";
import type { Principal } from "../../../pkg/principal";
import { closeSignalsWhere, decideItems as decideOpenItems, reopenItem, type ReviewSubjectType } from "../../../pkg/review-signals";
import { isoOrNull } from "../../../pkg/schemas";
import { sweepAppeals } from "./appeals";
import type { Env } from "./env";
import { REPORT_ITEM_SQL } from "./reporters";
import { liveClaim, type ReviewRow } from "./review-items";

/**
 * Decisions on review items: one engine for the single and the bulk endpoint.
 *
 * Post actions and `dismiss` are all-or-nothing in one D1 batch: the decision rows, the items
 * decided (guarded: still open, no live claim by someone else), an audit row per item, every open
 * signal of each subject closed and the posts changed — each statement acting only on what the
 * batch's own decision rows name, so a concurrent decision changes nothing.
 *
 * Account actions belong to the registration worker. They are decide-then-act: the same batch
 * records the decision `pending`; then registration applies the action with the decision id as
 * idempotency key (its audit row's id), and the decision becomes `applied`. A retry — of the
 * request, or by the cron — completes a `pending` decision exactly once. If registration refuses
 * (the account changed since the plan was checked), the decision becomes `refused` and the item
 * and its signals are reopened, with an audit row saying so.
 */

export type DecisionRow = typeof moderationDecisions.$inferSelect;
export interface DecisionInput {
  action: DecisionAction;
  reason: string;
  labels?: string[];
  durationDays?: number;
}
export type SkipCode = "review_item_not_found" | "already_decided" | "item_claimed" | "appeal_pending" | "decision_not_applicable" | "invalid_transition" | "account_not_found";
export interface Skip {
  itemId: string;
  code: SkipCode;
  detail: string;
  heldBy?: string;
  until?: string;
  accountStatus?: string;
  /** With `appeal_pending`: the appeal to decide first. */
  appealId?: string;
}
export interface Outcome {
  decided: DecisionRow[];
  skipped: Skip[];
}

const ACCOUNT_ACTION: Partial<Record<DecisionAction, "warn" | "suspend" | "close">> = { warn_account: "warn", suspend_account: "suspend", close_account: "close" };
export const isAccountAction = (a: DecisionAction) => a in ACCOUNT_ACTION;
const isPostAction = (a: DecisionAction) => a === "remove_post" || a === "restore_post" || a === "label_post";
const DAY = 86_400_000;
/** Rows per `IN (…)` read: D1 binds at most 100 parameters per statement. */
const CHUNK = 90;

export function decisionView(d: DecisionRow) {
  return {
    id: d.id,
    reviewItemId: d.reviewItemId,
    action: d.action,
    target: d.targetType && d.targetId ? { type: d.targetType, id: d.targetId } : null,
    reason: d.reason,
    labels: d.labels ? (JSON.parse(d.labels) as string[]) : [],
    durationDays: d.durationDays,
    policyVersion: d.policyVersion,
    decidedBy: d.decidedBy,
    decidedAt: isoOrNull(d.decidedAt)!,
    status: d.status,
    appliedAt: isoOrNull(d.appliedAt),
    expiresAt: isoOrNull(d.expiresAt),
    liftedAt: isoOrNull(d.liftedAt),
  };
}

async function chunked<T>(ids: string[], read: (part: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...(await read(ids.slice(i, i + CHUNK))));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Registration, over the service binding (internal routes outside /v1; see the registration worker)
// ---------------------------------------------------------------------------------------------

type PlanResult = { accountId: string; ok: boolean; status?: string; code?: string; detail?: string; accountStatus?: string };
export type ApplyResult = { kind: "applied"; status: string } | { kind: "refused"; code: "invalid_transition" | "account_not_found"; detail: string } | { kind: "unavailable"; detail: string };

async function callRegistration(env: Env, path: string, body: unknown, requestId?: string): Promise<Response> {
  return env.REGISTRATION.fetch(`https://registration.internal${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(requestId ? { "x-request-id": requestId } : {}) },
    body: JSON.stringify(body),
  });
}

/** What each account action would do (registration's own rules), without doing it; 503 when registration is unreachable. */
export async function planAccounts(env: Env, action: "warn" | "suspend" | "close" | "restore", accountIds: string[], requestId?: string): Promise<Map<string, PlanResult>> {
  const out = new Map<string, PlanResult>();
  for (let i = 0; i < accountIds.length; i += 500) {
    let res: Response;
    try {
      res = await callRegistration(env, "/internal/accounts/actions/plan", { action, accountIds: accountIds.slice(i, i + 500) }, requestId);
    } catch (err) {
      log("error", "registration_unreachable", { worker: "moderation", requestId, error: String(err) });
      throw new ApiError(502, "upstream_unavailable", "The registration worker did not answer; nothing was decided. Retry shortly.");
    }
    if (!res.ok) throw new ApiError(502, "upstream_unavailable", "The registration worker could not check the accounts; nothing was decided. Retry shortly.");
    for (const r of ((await res.json()) as { results: PlanResult[] }).results) out.set(r.accountId, r);
  }
  return out;
}

/** Applies a decision's account action once (the idempotency key makes a retry answer the first result). */
export async function applyAccountAction(env: Env, d: DecisionRow, actor: AuditActor, requestId?: string, key = d.id, action: "warn" | "suspend" | "close" | "restore" = ACCOUNT_ACTION[d.action]!, reason = d.reason): Promise<ApplyResult> {
  let res: Response;
  try {
    res = await callRegistration(
      env,
      `/internal/accounts/${encodeURIComponent(d.targetId!)}/actions`,
      { action, reason, idempotencyKey: key, actor: { keyId: actor.keyId, role: actor.role }, requestId, details: { decisionId: d.id, reviewItemId: d.reviewItemId } },
      requestId,
    );
  } catch (err) {
    return { kind: "unavailable", detail: String(err) };
  }
  if (res.ok) return { kind: "applied", status: ((await res.json()) as { status: string }).status };
  const problem = (await res.json().catch(() => ({}))) as { code?: string; detail?: string };
  if (problem.code === "invalid_transition" || problem.code === "account_not_found") return { kind: "refused", code: problem.code, detail: problem.detail ?? problem.code };
  return { kind: "unavailable", detail: `${res.status} ${problem.code ?? ""}` };
}

/** Records the registration's answer: `applied`, or `refused` with the item and its signals reopened (audited). */
async function settle(env: Env, d: DecisionRow, result: ApplyResult, actor: AuditActor, requestId: string | undefined, ctx?: WaitUntil): Promise<void> {
  const now = Date.now();
  if (result.kind === "applied") {
    // An account action is announced once it took effect (a refused one reopens its item and
    // announces nothing): review.decided and report.resolved here, read while the decision is
    // still pending, so of two settles of one decision only the first writes them.
    const pending = sql`(SELECT id FROM moderation_decisions WHERE id = ${d.id} AND status = 'pending')`;
    const events = decisionEvents(pending, d.durationDays ? sql`, 'durationDays', ${d.durationDays}` : sql``, now, requestId);
    const results = await runAtomic(env.DB, [
      ...events.map((e) => e.statement),
      sql`UPDATE moderation_decisions SET status = 'applied', applied_at = ${now}, outcome = ${JSON.stringify({ status: result.status })} WHERE id = ${d.id} AND status = 'pending'`,
    ]);
    relayRowsAfterCommit(env.EVENTS, ctx, env.DB, events.filter((_, i) => (results[i]?.meta.changes ?? 0) > 0));
    return;
  }
  if (result.kind !== "refused") return;
  const auditId = newId("aud");
  const audited = sql`EXISTS (SELECT 1 FROM audit_log WHERE id = ${auditId})`;
  await runAtomic(env.DB, [
    sql`UPDATE moderation_decisions SET status = 'refused', outcome = ${JSON.stringify({ code: result.code })} WHERE id = ${d.id} AND status = 'pending'`,
    auditStatement(
      actor,
      requestId,
      { action: "review.decision_refused", subjectType: d.subjectType, subjectId: d.subjectId, reason: result.detail, details: { decisionId: d.id, reviewItemId: d.reviewItemId, code: result.code } },
      { id: auditId, at: now, onlyIf: sql`changes() = 1` },
    ),
    ...reopenItem({ itemId: d.reviewItemId, subjectType: d.subjectType as ReviewSubjectType, subjectId: d.subjectId, decidedAt: d.decidedAt, onlyIf: audited }),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Deciding
// ---------------------------------------------------------------------------------------------

interface Planned {
  item: ReviewRow;
  decisionId: string;
  target: { type: "post" | "account"; id: string } | null;
}

type PostRow = { id: string; accountId: string; removedAt: number | null };

/** Why `action` cannot be decided on `item` (null: it can), and what it would act on. */
function target(action: DecisionAction, item: ReviewRow, post: PostRow | undefined): { skip: string } | { target: Planned["target"] } {
  if (action === "dismiss") return { target: null };
  if (isPostAction(action)) {
    if (item.subjectType !== "post") return { skip: "Post actions apply to items about posts; act on accounts with an account action." };
    if (!post) return { skip: "Gatehouse has no record of this post (it was never screened), so it cannot be changed." };
    if (action === "remove_post" && post.removedAt !== null) return { skip: "The post is already removed." };
    if (action === "restore_post" && post.removedAt === null) return { skip: "The post is not removed." };
    return { target: { type: "post", id: post.id } };
  }
  if (item.subjectType === "account") return { target: { type: "account", id: item.subjectId } };
  if (!post) return { skip: "Gatehouse has no record of this post, so its author is unknown." };
  return { target: { type: "account", id: post.accountId } };
}

/**
 * Decides `itemIds` with one action for `actor`. Items that cannot be decided are reported in
 * `skipped` with their reason; nothing is written for them.
 */
export async function decideItems(
  env: Env,
  actor: Principal,
  requestId: string | undefined,
  itemIds: string[],
  input: DecisionInput,
  options: { bulk: boolean; ctx?: WaitUntil },
): Promise<Outcome> {
  const db = createDb(env.DB);
  const ids = [...new Set(itemIds)];
  const now = Date.now();
  const rows = new Map((await chunked(ids, (part) => db.select().from(reviewQueue).where(inArray(reviewQueue.id, part)))).map((r) => [r.id, r]));
  const skipped: Skip[] = [];
  const resumable: DecisionRow[] = [];

  // Items decided by a decision still `pending` (its account action unconfirmed) are completed, not refused.
  const decidedIds = [...rows.values()].filter((r) => r.status !== "open").map((r) => r.id);
  const pending = new Map(
    (await chunked(decidedIds, (part) => db.select().from(moderationDecisions).where(and(inArray(moderationDecisions.reviewItemId, part), eq(moderationDecisions.status, "pending"))))).map((d) => [
      d.reviewItemId,
      d,
    ]),
  );

  const open: ReviewRow[] = [];
  for (const id of ids) {
    const row = rows.get(id);
    if (!row) skipped.push({ itemId: id, code: "review_item_not_found", detail: "No review item has this id." });
    else if (row.status !== "open") {
      const p = pending.get(id);
      if (p && p.action === input.action) resumable.push(p);
      else skipped.push({ itemId: id, code: "already_decided", detail: "This item has already been decided." });
    } else {
      const claim = liveClaim(row, now);
      if (claim && claim.heldBy !== actor.keyId) skipped.push({ itemId: id, code: "item_claimed", detail: "Another operator holds this item.", ...claim });
      else open.push(row);
    }
  }

  // An item carrying an open appeal is decided through the appeal (another operator, reversal
  // semantics), not by a queue decision that would close the appeal's signal and leave it open.
  const appealed = new Map(
    (await chunked(open.map((r) => r.id), (part) => db.select({ id: appeals.id, itemId: appeals.reviewItemId }).from(appeals).where(and(inArray(appeals.reviewItemId, part), eq(appeals.status, "open"))))).map(
      (a) => [a.itemId, a.id],
    ),
  );
  if (appealed.size > 0) {
    for (const [itemId, appealId] of appealed) {
      skipped.push({ itemId: itemId!, code: "appeal_pending", detail: `This item carries an open appeal: decide it with POST /v1/appeals/${appealId}/decision first.`, appealId });
    }
    open.splice(0, open.length, ...open.filter((r) => !appealed.has(r.id)));
  }

  const postIds = [...new Set(open.filter((r) => r.subjectType === "post").map((r) => r.subjectId))];
  const postRows = new Map(
    (await chunked(postIds, (part) => db.select({ id: posts.id, accountId: posts.accountId, removedAt: posts.removedAt }).from(posts).where(inArray(posts.id, part)))).map((p) => [p.id, p]),
  );
  let planned: Planned[] = [];
  for (const item of open) {
    const t = target(input.action, item, item.subjectType === "post" ? postRows.get(item.subjectId) : undefined);
    if ("skip" in t) skipped.push({ itemId: item.id, code: "decision_not_applicable", detail: t.skip });
    else planned.push({ item, decisionId: newId("dcs"), target: t.target });
  }

  // Account actions: registration's own rules decide whether each applies, before anything is written.
  const accountAction = ACCOUNT_ACTION[input.action];
  if (accountAction && planned.length > 0) {
    const plans = await planAccounts(env, accountAction, [...new Set(planned.map((p) => p.target!.id))], requestId);
    planned = planned.filter((p) => {
      const r = plans.get(p.target!.id);
      if (r?.ok) return true;
      const code = r?.code === "account_not_found" ? "account_not_found" : "invalid_transition";
      skipped.push({ itemId: p.item.id, code, detail: r?.detail ?? "The account action does not apply.", ...(r?.accountStatus ? { accountStatus: r.accountStatus } : {}) });
      return false;
    });
  }

  const decided: DecisionRow[] = [];
  if (planned.length > 0) {
    const written = await writeDecisions(env, db, actor, requestId, planned, input, now, options.bulk, options.ctx);
    const won = new Set(written.map((d) => d.reviewItemId));
    decided.push(...written);
    const lost = planned.filter((p) => !won.has(p.item.id));
    if (lost.length > 0) {
      // Someone else decided or claimed these between our read and our batch.
      const after = new Map((await chunked(lost.map((p) => p.item.id), (part) => db.select().from(reviewQueue).where(inArray(reviewQueue.id, part)))).map((r) => [r.id, r]));
      for (const p of lost) {
        const row = after.get(p.item.id);
        const claim = row?.status === "open" ? liveClaim(row, Date.now()) : null;
        if (claim && claim.heldBy !== actor.keyId) skipped.push({ itemId: p.item.id, code: "item_claimed", detail: "Another operator holds this item.", ...claim });
        else skipped.push({ itemId: p.item.id, code: "already_decided", detail: "This item has already been decided." });
      }
    }
  }

  // Account actions: apply each recorded decision through registration (a few at a time).
  const toApply = [...resumable, ...decided.filter((d) => d.status === "pending")];
  const settled = new Map<string, DecisionRow>();
  for (let i = 0; i < toApply.length; i += 6) {
    await Promise.all(
      toApply.slice(i, i + 6).map(async (d) => {
        const result = await applyAccountAction(env, d, actor, requestId);
        await settle(env, d, result, actor, requestId, options.ctx);
        if (result.kind === "refused") skipped.push({ itemId: d.reviewItemId, code: result.code, detail: `${result.detail} The item was reopened.` });
        else if (result.kind === "unavailable") log("warn", "account_action_pending", { worker: "moderation", requestId, decisionId: d.id, detail: result.detail });
      }),
    );
  }
  const finalIds = toApply.map((d) => d.id);
  if (finalIds.length > 0) {
    for (const d of await chunked(finalIds, (part) => db.select().from(moderationDecisions).where(inArray(moderationDecisions.id, part)))) settled.set(d.id, d);
  }
  const all = [...decided.filter((d) => d.status !== "pending"), ...[...settled.values()].filter((d) => d.status !== "refused")];
  return { decided: all, skipped };
}

/**
 * review.decided for each decision in `decisions` (a SELECT of decision ids), `extra` appended to
 * its payload, and report.resolved for each report that followed the decided item.
 */
function decisionEvents(decisions: SQL, extra: SQL, occurredAt: number, requestId: string | undefined): OutboxRowsWrite[] {
  return [
    outboxRowsStatement(
      {
        type: "review.decided",
        subjectType: "review_item",
        rows: sql`SELECT d.review_item_id AS subject_id, json_object('reviewItemId', d.review_item_id, 'decisionId', d.id, 'action', d.action,
            'subjectType', d.subject_type, 'subjectId', d.subject_id,
            'target', json(CASE WHEN d.target_type IS NULL THEN NULL ELSE json_object('type', d.target_type, 'id', d.target_id) END)${extra}) AS payload
          FROM moderation_decisions d WHERE d.id IN ${decisions}`,
        occurredAt,
      },
      requestId,
    ),
    outboxRowsStatement(
      {
        type: "report.resolved",
        subjectType: "report",
        rows: sql`SELECT r.id AS subject_id, json_object('reportId', r.id, 'reviewItemId', d.review_item_id, 'decisionId', d.id,
            'outcome', CASE WHEN d.action = 'dismiss' THEN 'dismissed' ELSE 'actioned' END, 'category', r.reason, 'subjectType', r.subject_type, 'subjectId', r.subject_id) AS payload
          FROM moderation_decisions d JOIN reports r ON r.subject_type = d.subject_type AND r.subject_id = d.subject_id
          WHERE d.id IN ${decisions} AND ${sql.raw(REPORT_ITEM_SQL)} = d.review_item_id`,
        occurredAt,
      },
      requestId,
    ),
  ];
}

/** The one batch of a set of decisions; returns the decision rows it wrote (the items it won). */
async function writeDecisions(
  env: Env,
  db: Db,
  actor: Principal,
  requestId: string | undefined,
  planned: Planned[],
  input: DecisionInput,
  now: number,
  bulk: boolean,
  ctx: WaitUntil | undefined,
): Promise<DecisionRow[]> {
  const account = isAccountAction(input.action);
  const plan = JSON.stringify(planned.map((p) => ({ d: p.decisionId, i: p.item.id, tt: p.target?.type ?? null, ti: p.target?.id ?? null })));
  const labels = input.action === "label_post" && input.labels ? JSON.stringify(input.labels) : null;
  const expiresAt = input.action === "suspend_account" && input.durationDays ? now + input.durationDays * DAY : null;
  const mine = sql`(SELECT json_extract(value, '$.d') FROM json_each(${plan}))`;
  const statements: AtomicStatement[] = [
    // 1. A decision row for every planned item still open and not claimed by someone else.
    sql`INSERT INTO moderation_decisions (id, review_item_id, subject_type, subject_id, action, target_type, target_id, reason, labels, duration_days, policy_version, decided_by, decided_at, status, expires_at)
      SELECT json_extract(p.value, '$.d'), q.id, q.subject_type, q.subject_id, ${input.action}, json_extract(p.value, '$.tt'), json_extract(p.value, '$.ti'), ${input.reason}, ${labels},
        ${input.durationDays ?? null}, (SELECT version FROM policy_current WHERE id = 1), ${actor.keyId}, ${now}, ${account ? "pending" : "applied"}, ${expiresAt}
      FROM json_each(${plan}) p JOIN review_queue q ON q.id = json_extract(p.value, '$.i')
      WHERE q.status = 'open' AND (q.claimed_by IS NULL OR q.claimed_by = ${actor.keyId} OR q.claimed_until <= ${now})
      ON CONFLICT DO NOTHING`,
    sql`UPDATE moderation_decisions SET applied_at = ${now} WHERE id IN ${mine} AND status = 'applied'`,
    // 2. Those items decided (the claim released).
    decideOpenItems({ itemIds: sql`(SELECT review_item_id FROM moderation_decisions WHERE id IN ${mine})`, decision: input.action, decidedBy: actor.keyId, at: now }),
    // 3. An audit row per decided item (only where its decision row was written).
    ...planned.map((p) =>
      auditStatement(
        actor,
        requestId,
        {
          action: `review.${input.action}`,
          subjectType: p.item.subjectType,
          subjectId: p.item.subjectId,
          reason: input.reason,
          details: {
            reviewItemId: p.item.id,
            decisionId: p.decisionId,
            source: p.item.source,
            reasonCode: p.item.reasonCode,
            signals: p.item.signalCount,
            priority: p.item.priority,
            ...(p.target && (p.target.type !== p.item.subjectType || p.target.id !== p.item.subjectId) ? { target: p.target } : {}),
            ...(labels ? { labels: input.labels } : {}),
            ...(input.durationDays ? { durationDays: input.durationDays } : {}),
            ...(bulk ? { bulk: true } : {}),
          },
        },
        { at: now, onlyIf: sql`EXISTS (SELECT 1 FROM moderation_decisions WHERE id = ${p.decisionId})` },
      ),
    ),
    // 4. Every open signal of each decided subject closed (a row-value IN, so the subjects are
    // looked up in review_signals_subject_idx; a correlated EXISTS read every signal ever raised).
    closeSignalsWhere(sql`(subject_type, subject_id) IN (SELECT d.subject_type, d.subject_id FROM moderation_decisions d WHERE d.id IN ${mine})`, now),
  ];
  // 5. Events (pkg/outbox.ts), one statement per type over the decision rows this batch wrote (a
  // bulk decision of 500 items adds three statements, not a thousand): review.decided per item
  // and report.resolved per report that followed a decided item — for an account action only
  // once registration applied it (settle); the post's event, before the post action and only
  // where the post is in the state it changes.
  const extra = sql.join(
    [...(labels ? [sql`, 'labels', json(${labels})`] : []), ...(input.durationDays ? [sql`, 'durationDays', ${input.durationDays}`] : [])],
    sql``,
  );
  const events: OutboxRowsWrite[] = account ? [] : decisionEvents(mine, extra, now, requestId);
  const postEvent = ({ remove_post: "post.removed", restore_post: "post.restored", label_post: "post.labelled" } as const)[input.action as "remove_post"];
  if (postEvent) {
    const state = input.action === "remove_post" ? sql`p.removed_at IS NULL` : input.action === "restore_post" ? sql`p.removed_at IS NOT NULL` : sql`1`;
    const labelled = labels ? sql`, 'labels', json(${labels})` : sql``;
    events.push(
      outboxRowsStatement(
        {
          type: postEvent,
          subjectType: "post",
          rows: sql`SELECT d.target_id AS subject_id, json_object('postId', d.target_id, 'decisionId', d.id, 'reviewItemId', d.review_item_id${labelled}) AS payload
            FROM moderation_decisions d JOIN posts p ON p.id = d.target_id WHERE d.id IN ${mine} AND d.target_type = 'post' AND ${state}`,
          occurredAt: now,
        },
        requestId,
      ),
    );
  }
  statements.push(...events.map((e) => e.statement));
  // 6. The post action.
  const targets = sql`(SELECT target_id FROM moderation_decisions WHERE id IN ${mine} AND target_type = 'post')`;
  if (input.action === "remove_post") statements.push(sql`UPDATE posts SET removed_at = ${now} WHERE id IN ${targets} AND removed_at IS NULL`);
  if (input.action === "restore_post") statements.push(sql`UPDATE posts SET removed_at = NULL WHERE id IN ${targets}`);
  if (input.action === "label_post") {
    statements.push(sql`INSERT INTO post_labels (post_id, label, decision_id, created_at)
      SELECT d.target_id, l.value, d.id, ${now} FROM moderation_decisions d, json_each(${labels}) l WHERE d.id IN ${mine} AND d.target_type = 'post'
      ON CONFLICT DO NOTHING`);
  }
  const results = await runAtomic(env.DB, statements);
  relayRowsAfterCommit(env.EVENTS, ctx, env.DB, events.filter((e) => (results[statements.indexOf(e.statement)]?.meta.changes ?? 0) > 0));
  return chunked(
    planned.map((p) => p.decisionId),
    (part) => db.select().from(moderationDecisions).where(inArray(moderationDecisions.id, part)),
  );
}

// ---------------------------------------------------------------------------------------------
// The cron: pending account actions completed, timed suspensions lifted
// ---------------------------------------------------------------------------------------------

const SYSTEM: AuditActor = { keyId: "decisions", role: "system" };
const EXPIRY: AuditActor = { keyId: "suspension-expiry", role: "system" };
/** A pending decision younger than this is probably still being applied by its own request. */
const PENDING_GRACE_MS = 60_000;

export async function sweepDecisions(env: Env, now: number): Promise<{ completed: number; lifted: number }> {
  const db = createDb(env.DB);
  let completed = 0;
  let lifted = 0;
  const stale = await db
    .select()
    .from(moderationDecisions)
    .where(and(eq(moderationDecisions.status, "pending"), lte(moderationDecisions.decidedAt, now - PENDING_GRACE_MS)))
    .limit(50);
  for (const d of stale) {
    const result = await applyAccountAction(env, d, SYSTEM);
    await settle(env, d, result, SYSTEM, undefined);
    if (result.kind !== "unavailable") completed++;
  }
  const ended = await db
    .select()
    .from(moderationDecisions)
    // `+status` keeps SQLite on moderation_decisions_expiry_idx (suspensions not yet lifted whose
    // end has passed): without statistics it took the status index, every decision ever applied.
    .where(and(eq(moderationDecisions.action, "suspend_account"), sql`+${moderationDecisions.status} = 'applied'`, lte(moderationDecisions.expiresAt, now), isNull(moderationDecisions.liftedAt)))
    .limit(50);
  for (const d of ended) {
    // A later suspension decision of the same account supersedes this one's end: it is not lifted.
    const later = await db
      .select({ id: moderationDecisions.id })
      .from(moderationDecisions)
      .where(
        and(
          eq(moderationDecisions.targetId, d.targetId!),
          eq(moderationDecisions.action, "suspend_account"),
          sql`${moderationDecisions.status} <> 'refused' AND ${moderationDecisions.decidedAt} > ${d.decidedAt}`,
        ),
      )
      .get();
    let result: ApplyResult = { kind: "refused", code: "invalid_transition", detail: "superseded" };
    if (!later) result = await applyAccountAction(env, d, EXPIRY, undefined, `lift_${d.id}`, "restore", `Timed suspension of ${d.durationDays} days ended`);
    if (result.kind === "unavailable") continue;
    // Lifted, or nothing to lift (restored or closed meanwhile, or superseded): done either way.
    await runAtomic(env.DB, [sql`UPDATE moderation_decisions SET lifted_at = ${now} WHERE id = ${d.id} AND lifted_at IS NULL`]);
    lifted++;
  }
  // Appeal reversals whose account restore is still pending (src/appeals.ts).
  completed += await sweepAppeals(env, now);
  return { completed, lifted };
}

/** The decision record of an item (its live one), or null. */
export async function decisionOf(env: Env, itemId: string): Promise<DecisionRow | null> {
  return (
    (await createDb(env.DB)
      .select()
      .from(moderationDecisions)
      .where(and(eq(moderationDecisions.reviewItemId, itemId), sql`${moderationDecisions.status} <> 'refused'`))
      .get()) ?? null
  );
}

