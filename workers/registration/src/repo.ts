import { and, eq, sql } from "drizzle-orm";
import { accounts, accountState, identityBindings, identityVault, type AccountStatus } from "../../../db/schema";
import { auditStatement, type AuditActor, type AuditEntry } from "../../../pkg/audit";
import { GuardFailed, guard, runAtomic, type AtomicStatement } from "../../../pkg/batch";
import type { Db } from "../../../pkg/db";
import { decodeCursor } from "../../../pkg/cursor";
import { ApiError } from "../../../pkg/errors";
import { committedEventIds, outboxStatement, relayAfterCommit, relayRowsAfterCommit, type EventMessage, type OutboxRowsWrite, type OutboxWrite, type WaitUntil } from "../../../pkg/outbox";
import { isoOrNull } from "../../../pkg/schemas";
import { maskDocumentNumber, maskName } from "./documents";
import { maskPhone } from "./phone";
import { nextStatus, type AccountEvent } from "./state-machine";
import { decryptField, loadVaultKeys, unwrapDataKey, type VaultSecrets } from "./vault";

export type AccountRow = typeof accounts.$inferSelect;
export type VaultRow = typeof identityVault.$inferSelect;
export interface LoadedAccount {
  account: AccountRow;
  statusBeforeSuspension: AccountStatus | null;
  warningCount: number;
  vault: VaultRow | null;
}

export async function loadAccount(db: Db, id: string): Promise<LoadedAccount> {
  const row = await db
    .select({ account: accounts, state: accountState, vault: identityVault })
    .from(accounts)
    .leftJoin(accountState, eq(accountState.accountId, accounts.id))
    .leftJoin(identityVault, eq(identityVault.accountId, accounts.id))
    .where(eq(accounts.id, id))
    .get();
  if (!row) throw new ApiError(404, "account_not_found", "No account has this id.");
  return {
    account: row.account,
    statusBeforeSuspension: (row.state?.statusBeforeSuspension as AccountStatus | null | undefined) ?? null,
    warningCount: row.state?.warningCount ?? 0,
    vault: row.vault,
  };
}

/** True when `err` is the `GuardFailed` of a `runAtomic` batch (pkg/batch.ts): nothing was written. */
export const isGuardFailure = (err: unknown) => err instanceof GuardFailed;

/** A list cursor (pkg/cursor.ts) whose key is a timestamp; any other is 422 `invalid_cursor`. */
export function numericCursor(cursor: string | undefined): { key: number; id: string } | undefined {
  const pos = decodeCursor(cursor);
  if (pos && typeof pos.key !== "number") throw new ApiError(422, "invalid_cursor", "The cursor is not one this endpoint returned.");
  return pos as { key: number; id: string } | undefined;
}

export const concurrentChange = () => new ApiError(409, "concurrent_change", "The account changed while this request was processed; read it again and retry.");

/** Statements that free an account's identity binding and phone for someone else. */
export function releaseIdentity(db: Db, accountId: string) {
  return [
    db.delete(identityBindings).where(eq(identityBindings.accountId, accountId)),
    db.update(identityVault).set({ phoneBidx: null }).where(eq(identityVault.accountId, accountId)),
  ] as const;
}

/** Where a committed change's events go (pkg/outbox.ts); without it the events worker's sweeper relays them. */
export interface EventRelay {
  queue: Queue<EventMessage> | undefined;
  ctx: WaitUntil | undefined;
}

/**
 * Moves an account through the state machine in one transaction (`runAtomic`): a guard that
 * the status is still the one read, the update, extra statements of the change (their own
 * guards abort it all too), its audit entry and its `account.status_changed` event. `events`
 * are writes among `extra` (e.g. a review signal's `opened`) relayed with it when written.
 */
export async function transition(
  db: Db,
  loaded: LoadedAccount,
  event: AccountEvent,
  opts: {
    actor: AuditActor;
    requestId?: string;
    now: number;
    audit: Omit<AuditEntry, "subjectType" | "subjectId">;
    extra?: AtomicStatement[];
    events?: OutboxWrite[];
    rowEvents?: OutboxRowsWrite[];
    relay?: EventRelay;
  },
): Promise<AccountStatus> {
  const { account } = loaded;
  const to = nextStatus(account.status, event, loaded.statusBeforeSuspension);
  if (!to) throw new ApiError(409, "invalid_transition", `An account that is ${account.status} cannot ${event.replace(/_/g, " ")}.`, { accountStatus: account.status });
  const stateSet =
    event === "suspend" ? { statusBeforeSuspension: account.status } : event === "restore" ? { statusBeforeSuspension: null } : null;
  const statements: AtomicStatement[] = [
    guard(sql`EXISTS (SELECT 1 FROM accounts WHERE id = ${account.id} AND status = ${account.status})`),
    db
      .update(accounts)
      .set({ status: to, updatedAt: opts.now, ...(to === "verified" && account.verifiedAt == null ? { verifiedAt: opts.now } : {}) })
      .where(and(eq(accounts.id, account.id), eq(accounts.status, account.status))),
    ...(stateSet
      ? [
          db
            .insert(accountState)
            .values({ accountId: account.id, ...stateSet })
            .onConflictDoUpdate({ target: accountState.accountId, set: stateSet }),
        ]
      : []),
    ...(opts.extra ?? []),
    auditStatement(opts.actor, opts.requestId, {
      ...opts.audit,
      subjectType: "account",
      subjectId: account.id,
      details: { from: account.status, to, ...(opts.audit.details ?? {}) },
    }),
  ];
  // The batch's guard makes it all or nothing: the event needs no condition of its own.
  const changed = outboxStatement(
    { type: "account.status_changed", subject: { type: "account", id: account.id }, payload: { accountId: account.id, from: account.status, to, event, cause: opts.audit.action }, occurredAt: opts.now },
    opts.requestId,
  );
  statements.push(changed.statement);
  try {
    const results = await runAtomic(db.$client, statements);
    relayAfterCommit(opts.relay?.queue, opts.relay?.ctx, committedEventIds(statements, results, [changed, ...(opts.events ?? [])]), db.$client);
    const rows = (opts.rowEvents ?? []).filter((w) => (results[statements.indexOf(w.statement)]?.meta.changes ?? 0) > 0);
    relayRowsAfterCommit(opts.relay?.queue, opts.relay?.ctx, db.$client, rows);
  } catch (err) {
    if (isGuardFailure(err)) throw concurrentChange();
    throw err;
  }
  return to;
}

/** Actors without an API key (the identity provider's webhook), recorded as such in the audit log. */
export type SystemActor = Extract<AuditActor, { role: "system" }>;
export const IDV_ACTOR: SystemActor = { keyId: "identity-provider", role: "system" };

export interface MaskedIdentity {
  documentType: string | null;
  name: string | null;
  documentNumber: string | null;
  phone: string | null;
  erased: boolean;
}

/** The plaintext identity of an account (reveal, identity check). Null once erased. */
export async function decryptIdentity(env: VaultSecrets, vault: VaultRow): Promise<{ name: string; documentNumber: string; phone: string } | null> {
  if (!vault.wrappedKey || !vault.kid || !vault.nameCt || !vault.documentCt || !vault.phoneCt) return null;
  const keys = await loadVaultKeys(env);
  const key = await unwrapDataKey(keys, vault.accountId, vault.kid, vault.wrappedKey);
  const [name, documentNumber, phone] = await Promise.all([
    decryptField(key, "name_ct", vault.accountId, vault.nameCt),
    decryptField(key, "document_ct", vault.accountId, vault.documentCt),
    decryptField(key, "phone_ct", vault.accountId, vault.phoneCt),
  ]);
  return { name, documentNumber, phone };
}

/**
 * Masked forms are computed at read time from the decrypted fields rather than stored:
 * they then vanish with the data key on erasure, and the table holds nothing readable.
 */
export async function maskedIdentity(env: VaultSecrets, vault: VaultRow | null): Promise<MaskedIdentity> {
  if (!vault) return { documentType: null, name: null, documentNumber: null, phone: null, erased: false };
  const plain = await decryptIdentity(env, vault);
  if (!plain) return { documentType: vault.documentType, name: null, documentNumber: null, phone: null, erased: true };
  return {
    documentType: vault.documentType,
    name: maskName(plain.name),
    documentNumber: maskDocumentNumber(plain.documentNumber),
    phone: maskPhone(plain.phone),
    erased: false,
  };
}

export async function accountView(env: VaultSecrets, loaded: LoadedAccount) {
  const { account } = loaded;
  return {
    id: account.id,
    handle: account.handle,
    displayName: account.displayName,
    kind: account.kind,
    status: account.status,
    warningCount: loaded.warningCount,
    identity: await maskedIdentity(env, loaded.vault),
    createdAt: isoOrNull(account.createdAt)!,
    updatedAt: isoOrNull(account.updatedAt)!,
    verifiedAt: isoOrNull(account.verifiedAt),
  };
}
