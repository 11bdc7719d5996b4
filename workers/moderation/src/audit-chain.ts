import { DurableObject } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { guard, GuardFailed, isUniqueViolation, runAtomic } from "../../../pkg/batch";
import { sha256Hex } from "../../../pkg/ids";
import { chainStatement } from "../../../pkg/audit";
import type { Env } from "./env";
import { signCheckpoint, type Checkpoint } from "./audit-signing";

/**
 * The tamper-evident audit chain (issue #16, item 2).
 *
 * Writers stay as they are: `auditStatement()` (pkg/audit.ts) inserts an entry in the batch of the
 * change it records, with `seq`, `prev_hash` and `hash` NULL — nothing on the write path waits for
 * a sequencer. One Durable Object, `AuditChain` (name "head"), then numbers the unchained entries
 * in insertion order (D1 rowid) and links them:
 *
 *   hash = lowercase hex SHA-256( UTF-8(canonicalJson(entry)) ‖ UTF-8(prev_hash) )
 *
 * with prev_hash the previous entry's hash ("0" × 64 before seq 1). Each batch of updates is one
 * D1 transaction guarded by the head it was computed from, and every update is `WHERE seq IS NULL`:
 * if two chainers ever overlap (an object migrating between machines, a direct call in a test),
 * the second one's batch rolls back and it re-reads the head, so the chain never forks; the
 * unique index on `seq` refuses a duplicate number outright.
 */

export const GENESIS_HASH = "0".repeat(64);
/** Entries linked per D1 batch (one UPDATE each, plus the head guard). */
export const CHAIN_BATCH = 100;

/** An audit entry as it is hashed and exported: the row without its chain fields. */
export interface ChainEntry {
  id: string;
  /** Milliseconds since the epoch, as stored. */
  at: number;
  actorKeyId: string;
  actorRole: string;
  action: string;
  subjectType: string;
  subjectId: string;
  reason: string | null;
  requestId: string | null;
  /** The stored details JSON, parsed; the raw text when it is not JSON; null when absent. */
  details: unknown;
  /**
   * The published policy version in force when the entry was written; absent (not null) when
   * none was, so entries chained before the column existed keep their hashes.
   */
  policyVersion?: number;
}

export interface ChainedRow {
  seq: number;
  prevHash: string;
  hash: string;
  entry: ChainEntry;
}

/**
 * Canonical JSON: objects with keys sorted by UTF-16 code units, members whose value is
 * `undefined` left out, no whitespace; strings, numbers, booleans and null as JSON.stringify writes them.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const keys = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
}

export function entryHash(entry: ChainEntry, prevHash: string): Promise<string> {
  return sha256Hex(canonicalJson(entry) + prevHash);
}

/** The raw audit_log row (snake_case) as D1 returns it. */
export interface AuditRow {
  id: string;
  at: number;
  actor_key_id: string;
  actor_role: string;
  action: string;
  subject_type: string;
  subject_id: string;
  reason: string | null;
  request_id: string | null;
  details: string | null;
  policy_version: number | null;
  seq: number | null;
  prev_hash: string | null;
  hash: string | null;
}

export function toChainEntry(row: AuditRow): ChainEntry {
  let details: unknown = null;
  if (row.details !== null) {
    try {
      details = JSON.parse(row.details);
    } catch {
      details = row.details;
    }
  }
  return {
    id: row.id,
    at: row.at,
    actorKeyId: row.actor_key_id,
    actorRole: row.actor_role,
    action: row.action,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    reason: row.reason,
    requestId: row.request_id,
    details,
    policyVersion: row.policy_version ?? undefined,
  };
}

export interface ChainHead {
  seq: number;
  hash: string;
}

export async function readHead(db: D1Database): Promise<ChainHead | null> {
  return db.prepare("SELECT seq, hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1").first<ChainHead>();
}

export interface ChainRun {
  chained: number;
  /** Batches that lost a race with another chainer and were redone from the new head. */
  retries: number;
  head: ChainHead | null;
}

/**
 * Links every entry that is unchained when it looks, batch by batch. Safe to run concurrently
 * with itself (see the module comment); the Durable Object runs it one at a time anyway.
 */
export async function chainPending(db: D1Database, options: { maxEntries?: number } = {}): Promise<ChainRun> {
  const limit = options.maxEntries ?? Number.POSITIVE_INFINITY;
  let chained = 0;
  let retries = 0;
  let head = await readHead(db);
  while (chained < limit) {
    const { results: pending } = await db
      .prepare("SELECT * FROM audit_log WHERE seq IS NULL ORDER BY rowid LIMIT ?")
      .bind(Math.min(CHAIN_BATCH, limit - chained))
      .all<AuditRow>();
    if (pending.length === 0) break;
    let seq = head?.seq ?? 0;
    let prev = head?.hash ?? GENESIS_HASH;
    const updates = [];
    for (const row of pending) {
      seq += 1;
      const hash = await entryHash(toChainEntry(row), prev);
      updates.push(chainStatement({ id: row.id, seq, prevHash: prev, hash }));
      prev = hash;
    }
    // The head this batch was computed from must still be the head.
    const headHolds = head
      ? sql`(SELECT max(seq) FROM audit_log) = ${head.seq} AND (SELECT hash FROM audit_log WHERE seq = ${head.seq}) = ${head.hash}`
      : sql`NOT EXISTS (SELECT 1 FROM audit_log WHERE seq IS NOT NULL)`;
    // And afterwards every number of the batch must be taken: an update that found its row
    // already chained would leave a hole (D1 binds at most 100 values, so no id list here).
    const allLinked = sql`(SELECT count(*) FROM audit_log WHERE seq BETWEEN ${seq - pending.length + 1} AND ${seq}) = ${pending.length}`;
    try {
      await runAtomic(db, [guard(headHolds), ...updates, guard(allLinked)]);
      chained += pending.length;
      head = { seq, hash: prev };
    } catch (err) {
      if (!(err instanceof GuardFailed) && !isUniqueViolation(err, "audit_log.seq")) throw err;
      retries += 1;
      if (retries > 50) throw new Error("audit chain: the head kept moving under this chainer");
      head = await readHead(db);
    }
  }
  return { chained, retries, head };
}

/** The one sequencer of the audit chain: `env.AUDIT_CHAIN.getByName(AUDIT_CHAIN_NAME)`. */
export const AUDIT_CHAIN_NAME = "head";

/**
 * Runs chaining and checkpoint signing one at a time (its D1 awaits would otherwise let calls
 * interleave). Holds no state of its own: D1 is the record; the object is the single writer.
 */
export class AuditChain extends DurableObject<Env> {
  private tail: Promise<unknown> = Promise.resolve();

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Chains everything pending; the head after it. */
  async chain(): Promise<ChainRun> {
    return this.serial(() => chainPending(this.env.DB));
  }

  /**
   * Chains everything pending, then signs a checkpoint of the head (null when the log is
   * empty). The checkpoint row and its own audit entry are written in one batch.
   */
  async checkpoint(actor: { keyId: string; role: string }, requestId: string | null, now: number): Promise<{ checkpoint: Checkpoint | null; created: boolean }> {
    return this.serial(async () => {
      const { head } = await chainPending(this.env.DB);
      if (!head) return { checkpoint: null, created: false };
      return signCheckpoint(this.env, head, actor, requestId, now);
    });
  }
}

export function auditChain(env: Env): DurableObjectStub<AuditChain> {
  return env.AUDIT_CHAIN.getByName(AUDIT_CHAIN_NAME);
}
