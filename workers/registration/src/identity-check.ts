import { eq } from "drizzle-orm";
import { identityVault, type AccountStatus } from "../../../db/schema";
import { auditStatement } from "../../../pkg/audit";
import { runAtomic } from "../../../pkg/batch";
import { reviewDedupeKey, reviewSignal } from "../../../pkg/review-signals";
import type { Db } from "../../../pkg/db";
import { log } from "../../../pkg/log";
import type { Principal } from "../../../pkg/principal";
import { identityVerifier } from "./config";
import { needsManualReview, type DocumentType } from "./documents";
import type { Deps, Env } from "./env";
import { decryptIdentity, loadAccount, transition, type EventRelay, type LoadedAccount, type SystemActor } from "./repo";


/** Sends an account to operators' manual review and opens its review-queue item, in one transaction. */
export function sendToReview(
  db: Db,
  loaded: LoadedAccount,
  reasonCode: string,
  ctx: { actor: Principal | SystemActor; requestId?: string; now: number; extra?: Parameters<typeof transition>[3]["extra"]; relay?: EventRelay },
): Promise<AccountStatus> {
  const id = loaded.account.id;
  const signal = reviewSignal(
    {
      // One identity review per account: a repeated signal opens nothing.
      dedupeKey: reviewDedupeKey("registration", "account", id, "identity"),
      subjectType: "account",
      subjectId: id,
      source: "registration",
      reasonCode,
      details: { documentType: loaded.vault?.documentType ?? null },
      createdAt: ctx.now,
    },
    { requestId: ctx.requestId },
  );
  return transition(db, loaded, "to_review", {
    actor: ctx.actor,
    requestId: ctx.requestId,
    now: ctx.now,
    audit: { action: "identity.sent_to_review", details: { reasonCode } },
    extra: [...(ctx.extra ?? []), db.update(identityVault).set({ checkMethod: "manual", updatedAt: ctx.now }).where(eq(identityVault.accountId, id)), ...signal],
    events: [signal.opened],
    relay: ctx.relay,
  });
}

/**
 * Starts the identity check of an account that just verified its phone: the provider
 * (asynchronous, answered by webhook) or manual review — passports, a manual-review
 * configuration and an unreachable provider all go to operators.
 */
export async function startIdentityCheck(db: Db, env: Env, deps: Deps, accountId: string, actor: Principal, requestId?: string, relay?: EventRelay): Promise<AccountStatus> {
  const loaded = await loadAccount(db, accountId);
  if (loaded.account.status !== "pending_identity" || !loaded.vault) return loaded.account.status;
  const now = deps.now();
  const ctx = { actor, requestId, now, relay };
  if (needsManualReview(loaded.vault.documentType as DocumentType)) return sendToReview(db, loaded, "document_needs_manual_review", ctx);

  let verifier;
  try {
    verifier = identityVerifier(env, deps);
  } catch {
    return sendToReview(db, loaded, "provider_not_configured", ctx);
  }
  const plain = await decryptIdentity(env, loaded.vault);
  if (!plain) return sendToReview(db, loaded, "identity_unavailable", ctx);
  let started;
  try {
    started = await verifier.start({ reference: accountId, name: plain.name, documentType: loaded.vault.documentType, documentNumber: plain.documentNumber });
  } catch (err) {
    log("warn", "identity_provider_failed", { requestId, accountId, error: (err as Error).message.slice(0, 100) });
    return sendToReview(db, loaded, "provider_unavailable", ctx);
  }
  if (started.mode === "manual") return sendToReview(db, loaded, "manual_review", ctx);
  await runAtomic(db.$client, [
    db.update(identityVault).set({ checkMethod: "provider", checkRef: started.ref, updatedAt: now }).where(eq(identityVault.accountId, accountId)),
    auditStatement(actor, requestId, { action: "identity.check_started", subjectType: "account", subjectId: accountId, details: { method: "provider" } }),
  ]);
  return "pending_identity";
}
