import { and, eq, lte, sql, type SQL } from "drizzle-orm";
import { appeals, moderationDecisions, posts } from "../../../db/schema";
import { auditStatement, type AuditActor } from "../../../pkg/audit";
import { runAtomic, type AtomicStatement } from "../../../pkg/batch";
import { createDb } from "../../../pkg/db";
import { ApiError } from "../../../pkg/errors";
import { newId } from "../../../pkg/ids";
import { log } from "../../../pkg/log";
import { committedEventIds, outboxStatement, relayAfterCommit, type OutboxWrite, type WaitUntil } from "../../../pkg/outbox";
import type { Principal } from "../../../pkg/principal";
import { resolveSignal, reviewSignal, type ReviewSubjectType } from "../../../pkg/review-signals";
import { isoOrNull } from "../../../pkg/schemas";
import { applyAccountAction, planAccounts, type ApplyResult, type DecisionRow } from "./decisions";
import type { Env } from "./env";
import { intVar } from "../../../pkg/config";

/**
 * Appeals: the affected account asks once, within the window, that a decision be looked at again.
 * The appeal is a signal (source `appeal`) on its subject's one open item; an operator other than
 * the decision's maker upholds or reverses it.
 *
 * Reversing a post action is all or nothing in one batch with the appeal's decision and its audit
 * row (post restored or removed again, labels of that decision lifted). Reversing a suspension is
 * decide-then-act like decisions: the batch records the appeal decided with effect `pending`, then
 * registration restores the account with `appeal_<appealId>` as idempotency key and the effect
 * becomes `applied`; a repeat of the request, or the decisions cron, completes it once.
 */

export type AppealRow = typeof appeals.$inferSelect;
const DAY = 86_400_000;

/** `APPEAL_WINDOW_DAYS` (1–365), 14 when unset or not a whole number in range. */
export function appealWindowDays(env: Env): number {
  return intVar(env.APPEAL_WINDOW_DAYS, 14, 1, 365);
}

/** What apps see of an appeal; operators also see who decided and why. */
export function appealView(a: AppealRow, d: Pick<DecisionRow, "id" | "action" | "decidedAt">, forStaff: boolean) {
  return {
    id: a.id,
    decision: { id: d.id, action: d.action, decidedAt: isoOrNull(d.decidedAt)! },
    accountId: a.accountId,
    subject: { type: a.subjectType, id: a.subjectId },
    statement: a.statement,
    reviewItemId: a.reviewItemId,
    status: a.status,
    outcome: a.outcome,
    effect: a.effect,
    createdAt: isoOrNull(a.createdAt)!,
    decidedAt: isoOrNull(a.decidedAt),
    ...(forStaff ? { decidedBy: a.decidedBy, reason: a.reason } : {}),
  };
}

const dedupeKey = (decisionId: string) => `appeal:${decisionId}`;

async function loadDecision(env: Env, id: string): Promise<DecisionRow | undefined> {
  return createDb(env.DB).select().from(moderationDecisions).where(eq(moderationDecisions.id, id)).get();
}

export async function loadAppeal(env: Env, id: string): Promise<{ appeal: AppealRow; decision: DecisionRow }> {
  const appeal = await createDb(env.DB).select().from(appeals).where(eq(appeals.id, id)).get();
  if (!appeal) throw new ApiError(404, "appeal_not_found", "No appeal has this id.");
  const decision = (await loadDecision(env, appeal.decisionId))!;
  return { appeal, decision };
}

/** The account a decision affected: its target account, or the author of its post. */
async function affectedAccount(env: Env, d: DecisionRow): Promise<string | null> {
  if (d.targetType === "account") return d.targetId;
  if (d.subjectType === "account") return d.subjectId;
  const post = await createDb(env.DB).select({ accountId: posts.accountId }).from(posts).where(eq(posts.id, d.subjectId)).get();
  return post?.accountId ?? null;
}

/** Files an appeal: one per decision (a lost race is 409 `appeal_exists`, with the appeal that won). */
export async function fileAppeal(env: Env, actor: Principal, requestId: string | undefined, input: { decisionId: string; accountId: string; statement: string }, ctx?: WaitUntil) {
  const decision = await loadDecision(env, input.decisionId);
  if (!decision) throw new ApiError(404, "decision_not_found", "No moderation decision has this id.");
  if (decision.action === "dismiss") throw new ApiError(422, "not_appealable", "A dismissal did nothing to the account or its post; there is nothing to appeal.");
  if (decision.status === "refused") throw new ApiError(422, "not_appealable", "This decision was refused by registration and never acted; there is nothing to appeal.");
  if ((await affectedAccount(env, decision)) !== input.accountId) {
    throw new ApiError(403, "not_affected_account", "Only the account the decision affected (its target, or the author of its post) may appeal it.");
  }
  const existing = await createDb(env.DB).select().from(appeals).where(eq(appeals.decisionId, decision.id)).get();
  if (existing) throw appealExists(existing, decision);
  const now = Date.now();
  const closesAt = decision.decidedAt + appealWindowDays(env) * DAY;
  if (now > closesAt) {
    throw new ApiError(409, "appeal_window_closed", `Decisions may be appealed within ${appealWindowDays(env)} days.`, { closedAt: isoOrNull(closesAt)! });
  }
  const id = newId("apl");
  const filed = sql`EXISTS (SELECT 1 FROM appeals WHERE id = ${id})`;
  const signal = reviewSignal(
    {
      subjectType: decision.subjectType as ReviewSubjectType,
      subjectId: decision.subjectId,
      source: "appeal",
      reasonCode: "appeal",
      dedupeKey: dedupeKey(decision.id),
      category: decision.action,
      details: { appealId: id, decisionId: decision.id, action: decision.action },
      createdAt: now,
    },
    { onlyIf: filed, now, requestId },
  );
  const opened = outboxStatement(
    {
      type: "appeal.opened",
      subject: { type: "appeal", id },
      payload: { appealId: id, decisionId: decision.id, action: decision.action, subjectType: decision.subjectType, subjectId: decision.subjectId },
      occurredAt: now,
    },
    requestId,
    { onlyIf: filed },
  );
  const statements: AtomicStatement[] = [
    // One appeal per decision: a concurrent second insert does nothing, and nothing below follows it.
    sql`INSERT INTO appeals (id, decision_id, account_id, statement, subject_type, subject_id, status, created_at)
      VALUES (${id}, ${decision.id}, ${input.accountId}, ${input.statement}, ${decision.subjectType}, ${decision.subjectId}, 'open', ${now})
      ON CONFLICT(decision_id) DO NOTHING`,
    ...signal,
    sql`UPDATE appeals SET review_item_id = (SELECT review_item_id FROM review_signals WHERE dedupe_key = ${dedupeKey(decision.id)}) WHERE id = ${id}`,
    auditStatement(
      actor,
      requestId,
      { action: "appeal.filed", subjectType: decision.subjectType, subjectId: decision.subjectId, details: { appealId: id, decisionId: decision.id, action: decision.action } },
      { at: now, onlyIf: filed },
    ),
    opened.statement,
  ];
  const results = await runAtomic(env.DB, statements);
  relayAfterCommit(env.EVENTS, ctx, committedEventIds(statements, results, [signal.opened, opened]), env.DB);
  const row = (await createDb(env.DB).select().from(appeals).where(eq(appeals.decisionId, decision.id)).get())!;
  if (row.id !== id) throw appealExists(row, decision);
  return { appeal: row, decision };
}

function appealExists(a: AppealRow, d: DecisionRow): ApiError {
  return new ApiError(409, "appeal_exists", "This decision has already been appealed; a decision may be appealed once.", { appeal: appealView(a, d, false) });
}

export interface AppealDecisionInput {
  outcome: "uphold" | "reverse";
  reason: string;
}

/** Decides an open appeal (or, for its decider, completes a reversal's pending account restore); the effect stays `pending` when registration did not answer. */
export async function decideAppeal(env: Env, actor: Principal, requestId: string | undefined, appealId: string, input: AppealDecisionInput, ctx?: WaitUntil) {
  const { appeal, decision } = await loadAppeal(env, appealId);
  if (actor.keyId === decision.decidedBy) {
    throw new ApiError(403, "same_operator", "An appeal must be decided by an operator other than the one who made the decision.");
  }
  const outcome = input.outcome === "reverse" ? "reversed" : "upheld";
  if (appeal.status === "decided") {
    // The deciding operator's retry completes a pending account restore; anyone else learns it is decided.
    if (appeal.effect === "pending" && appeal.outcome === outcome && appeal.decidedBy === actor.keyId) return completeEffect(env, appeal, decision, actor, requestId);
    throw new ApiError(409, "already_decided", "This appeal has already been decided.", { outcome: appeal.outcome, decidedAt: isoOrNull(appeal.decidedAt)! });
  }
  if (outcome === "reversed" && decision.action === "close_account") {
    throw new ApiError(409, "not_reversible", "A closed account cannot be reopened: closing is final in registration's account lifecycle. Uphold the appeal, or register the account again.");
  }

  // What reversing must undo beyond the decision's own rows.
  let effect: "applied" | "pending" | "none" | null = null;
  if (outcome === "reversed") {
    if (decision.action === "suspend_account") {
      const plan = (await planAccounts(env, "restore", [decision.targetId!], requestId)).get(decision.targetId!);
      // Not suspended any more (lifted, restored by hand or closed since): nothing to restore.
      effect = plan?.ok ? "pending" : "none";
    } else if (decision.action === "warn_account") effect = "none"; // a warning changed no status; registration keeps its count
    else effect = "applied";
  }

  const now = Date.now();
  const auditId = newId("aud");
  const audited = sql`EXISTS (SELECT 1 FROM audit_log WHERE id = ${auditId})`;
  const statements: AtomicStatement[] = [
    // Decided once, and not while another operator holds a live claim on the appeal's item.
    sql`UPDATE appeals SET status = 'decided', outcome = ${outcome}, reason = ${input.reason}, decided_by = ${actor.keyId}, decided_at = ${now}, effect = ${effect}
      WHERE id = ${appeal.id} AND status = 'open'
        AND NOT EXISTS (SELECT 1 FROM review_queue q WHERE q.id = appeals.review_item_id AND q.status = 'open' AND q.claimed_by IS NOT NULL AND q.claimed_by <> ${actor.keyId} AND q.claimed_until > ${now})`,
    auditStatement(
      actor,
      requestId,
      {
        action: `appeal.${input.outcome}`,
        subjectType: decision.subjectType,
        subjectId: decision.subjectId,
        reason: input.reason,
        details: { appealId: appeal.id, decisionId: decision.id, action: decision.action, reviewItemId: appeal.reviewItemId, ...(effect ? { effect } : {}) },
      },
      { id: auditId, at: now, onlyIf: sql`changes() = 1` },
    ),
    ...resolveSignal({ dedupeKey: dedupeKey(decision.id), decision: `appeal_${input.outcome}`, decidedBy: actor.keyId, at: now, onlyIf: audited }),
  ];
  // Events, only if the appeal's audit row was written: appeal.decided; review.decided when the
  // appeal was the item's last open signal; the post's event of a reversal, before its undo.
  const events: OutboxWrite[] = [
    outboxStatement(
      {
        type: "appeal.decided",
        subject: { type: "appeal", id: appeal.id },
        payload: { appealId: appeal.id, decisionId: decision.id, outcome, action: decision.action, subjectType: decision.subjectType, subjectId: decision.subjectId, effect },
        occurredAt: now,
      },
      requestId,
      { onlyIf: audited },
    ),
  ];
  if (appeal.reviewItemId) {
    events.push(
      outboxStatement(
        {
          type: "review.decided",
          subject: { type: "review_item", id: appeal.reviewItemId },
          payload: { reviewItemId: appeal.reviewItemId, action: `appeal_${input.outcome}`, appealId: appeal.id, decisionId: decision.id, subjectType: decision.subjectType, subjectId: decision.subjectId },
          occurredAt: now,
        },
        requestId,
        {
          onlyIf: sql`${audited} AND EXISTS (SELECT 1 FROM review_queue WHERE id = ${appeal.reviewItemId} AND status = 'decided' AND decided_at = ${now} AND decided_by = ${actor.keyId} AND decision = ${`appeal_${input.outcome}`})`,
        },
      ),
    );
  }
  if (outcome === "reversed") events.push(...undoEvents(decision, appeal.id, requestId, now, audited));
  statements.push(...events.map((e) => e.statement));
  if (outcome === "reversed") statements.push(...undoStatements(decision, now, audited));
  const results = await runAtomic(env.DB, statements);
  relayAfterCommit(env.EVENTS, ctx, committedEventIds(statements, results, events), env.DB);

  const after = (await createDb(env.DB).select().from(appeals).where(eq(appeals.id, appeal.id)).get())!;
  // This batch's own update decided it, or another did: by the row count, not by who and when
  // (two concurrent calls of one operator share a millisecond: Workers' clock stands still in a request).
  if ((results[0]?.meta.changes ?? 0) !== 1) {
    if (after.status === "decided") throw new ApiError(409, "already_decided", "This appeal has already been decided.", { outcome: after.outcome, decidedAt: isoOrNull(after.decidedAt)! });
    const q = await env.DB.prepare("SELECT claimed_by, claimed_until FROM review_queue WHERE id = ?").bind(after.reviewItemId).first<{ claimed_by: string; claimed_until: number }>();
    throw new ApiError(409, "item_claimed", "Another operator holds this appeal's review item; wait for the claim to end or ask them to release it.", {
      heldBy: q?.claimed_by ?? "",
      until: isoOrNull(q?.claimed_until) ?? "",
    });
  }
  if (after.effect === "pending") return completeEffect(env, after, decision, actor, requestId);
  return { appeal: after, decision };
}

/** The post events of reversing `d`, written before `undoStatements` and conditioned on the state they change. */
function undoEvents(d: DecisionRow, appealId: string, requestId: string | undefined, now: number, audited: SQL): OutboxWrite[] {
  if (d.targetType !== "post" || !d.targetId) return [];
  const post = { type: "post", id: d.targetId };
  const payload = { postId: d.targetId, decisionId: d.id, appealId };
  switch (d.action) {
    case "remove_post":
      return [outboxStatement({ type: "post.restored", subject: post, payload, occurredAt: now }, requestId, { onlyIf: sql`${audited} AND EXISTS (SELECT 1 FROM posts WHERE id = ${d.targetId} AND removed_at IS NOT NULL)` })];
    case "restore_post":
      return [outboxStatement({ type: "post.removed", subject: post, payload, occurredAt: now }, requestId, { onlyIf: sql`${audited} AND EXISTS (SELECT 1 FROM posts WHERE id = ${d.targetId} AND removed_at IS NULL)` })];
    case "label_post":
      return [
        outboxStatement(
          { type: "post.labelled", subject: post, payload: { ...payload, lifted: d.labels ? (JSON.parse(d.labels) as string[]) : [] }, occurredAt: now },
          requestId,
          { onlyIf: sql`${audited} AND EXISTS (SELECT 1 FROM post_labels WHERE decision_id = ${d.id})` },
        ),
      ];
    default:
      return [];
  }
}

/** The post effects of reversing `d`, in the deciding batch (each only if the appeal's audit row was written). */
function undoStatements(d: DecisionRow, now: number, audited: SQL): AtomicStatement[] {
  switch (d.action) {
    case "remove_post":
      return [sql`UPDATE posts SET removed_at = NULL WHERE id = ${d.targetId} AND removed_at IS NOT NULL AND ${audited}`];
    case "restore_post":
      return [sql`UPDATE posts SET removed_at = ${now} WHERE id = ${d.targetId} AND removed_at IS NULL AND ${audited}`];
    case "label_post":
      return [sql`DELETE FROM post_labels WHERE decision_id = ${d.id} AND ${audited}`];
    case "suspend_account":
      // The suspension is over: the cron must not lift it again later.
      return [sql`UPDATE moderation_decisions SET lifted_at = ${now} WHERE id = ${d.id} AND lifted_at IS NULL AND ${audited}`];
    default:
      return [];
  }
}

/** Restores the account of a reversed suspension through registration, once (key `appeal_<id>`). */
async function completeEffect(env: Env, appeal: AppealRow, decision: DecisionRow, actor: AuditActor, requestId: string | undefined) {
  const result: ApplyResult = await applyAccountAction(env, decision, actor, requestId, `appeal_${appeal.id}`, "restore", `Appeal ${appeal.id} reversed: ${appeal.reason ?? ""}`.slice(0, 500));
  if (result.kind === "applied") {
    await runAtomic(env.DB, [sql`UPDATE appeals SET effect = 'applied', effect_outcome = ${JSON.stringify({ status: result.status })} WHERE id = ${appeal.id} AND effect = 'pending'`]);
  } else if (result.kind === "refused") {
    // The account changed since the plan (restored or closed meanwhile): nothing left to restore.
    await runAtomic(env.DB, [sql`UPDATE appeals SET effect = 'none', effect_outcome = ${JSON.stringify({ code: result.code })} WHERE id = ${appeal.id} AND effect = 'pending'`]);
  } else log("warn", "appeal_effect_pending", { worker: "moderation", requestId, appealId: appeal.id, detail: result.detail });
  return { appeal: (await createDb(env.DB).select().from(appeals).where(eq(appeals.id, appeal.id)).get())!, decision };
}

const SYSTEM: AuditActor = { keyId: "appeals", role: "system" };

/** The cron: completes reversals whose account effect is still pending a minute after the decision. */
export async function sweepAppeals(env: Env, now: number): Promise<number> {
  const db = createDb(env.DB);
  const stale = await db
    .select()
    .from(appeals)
    .where(and(eq(appeals.effect, "pending"), lte(appeals.decidedAt, now - 60_000)))
    .limit(50);
  let done = 0;
  for (const a of stale) {
    const d = (await loadDecision(env, a.decisionId))!;
    const after = await completeEffect(env, a, d, SYSTEM, undefined);
    if (after.appeal.effect !== "pending") done++;
  }
  return done;
}
