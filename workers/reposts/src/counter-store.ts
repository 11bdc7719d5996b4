import type { CountBody, CountOutcome, IdempotencyInput, PriorLookup } from "./types";

/**
 * Storage shared by the coordinator and shard objects: who has reposted (exact dedup) and
 * idempotency records. All functions are synchronous SQL, so a caller can group them with its
 * count update in one atomic write (no `await` in between).
 */

/** How long a retried request with the same Idempotency-Key replays the first response. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export function createCommonTables(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS reposters (account_id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID`);
  sql.exec(`CREATE TABLE IF NOT EXISTS idem (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, response TEXT NOT NULL, expires_at INTEGER NOT NULL)`);
  sql.exec(`CREATE INDEX IF NOT EXISTS idem_expires ON idem (expires_at)`);
  // One row once a shard raise froze this object: it then takes no new accounts.
  sql.exec(`CREATE TABLE IF NOT EXISTS frozen (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL)`);
}

export function isFrozen(sql: SqlStorage): boolean {
  return sql.exec(`SELECT 1 FROM frozen`).toArray().length > 0;
}

/**
 * A frozen object (an earlier epoch) takes no new account and no new request key: the next
 * epoch owns those, and asks this object about what it already holds. The caller re-reads
 * the layout ("moved"). Call after the object's own idempotency check (a known key is answered).
 */
export function refusesAsFrozen(sql: SqlStorage, accountId: string | null, idem: IdempotencyInput | undefined): boolean {
  if (!isFrozen(sql)) return false;
  if (accountId !== null && !hasReposter(sql, accountId)) return true;
  return idem !== undefined && lookupIdempotency(sql, idem, Date.now()).kind === "none";
}

export function freeze(sql: SqlStorage, now: number): void {
  sql.exec(`INSERT INTO frozen (id, at) VALUES (1, ?) ON CONFLICT DO NOTHING`, now);
}

export function hasReposter(sql: SqlStorage, accountId: string): boolean {
  return sql.exec(`SELECT 1 FROM reposters WHERE account_id = ?`, accountId).toArray().length > 0;
}

/** Answers a later epoch's question: did this (frozen) object count the account, or see the request key? */
export function priorLookup(sql: SqlStorage, accountId: string | null, idem: IdempotencyInput | undefined): PriorLookup {
  const found = lookupIdempotency(sql, idem, Date.now());
  return {
    seen: accountId !== null && hasReposter(sql, accountId),
    replay: found.kind === "replay" ? found.body : null,
    reused: found.kind === "reused",
  };
}

/** True when the account was new (and is now recorded). */
export function addReposter(sql: SqlStorage, accountId: string, now: number): boolean {
  return sql.exec(`INSERT INTO reposters (account_id, at) VALUES (?, ?) ON CONFLICT DO NOTHING`, accountId, now).rowsWritten > 0;
}

/**
 * What an object knows of a request key: nothing; the first response (replay it); a different
 * request used it (reused); or it was only claimed here by its owner, for a request counted by
 * another object (claimed: the counting object has the response).
 */
export type IdemLookup = { kind: "none" } | { kind: "replay"; body: CountBody } | { kind: "reused" } | { kind: "claimed" };

/** The `response` of a claim: the key is taken by this fingerprint, the answer lives elsewhere. */
const CLAIMED = "";

export function lookupIdempotency(sql: SqlStorage, idem: IdempotencyInput | undefined, now: number): IdemLookup {
  if (!idem) return { kind: "none" };
  const row = sql.exec<{ fingerprint: string; response: string }>(`SELECT fingerprint, response FROM idem WHERE key = ? AND expires_at > ?`, idem.key, now).toArray()[0];
  if (!row) return { kind: "none" };
  if (row.fingerprint !== idem.fingerprint) return { kind: "reused" };
  if (row.response === CLAIMED) return { kind: "claimed" };
  return { kind: "replay", body: JSON.parse(row.response) as CountBody };
}

export function storeIdempotency(sql: SqlStorage, idem: IdempotencyInput | undefined, body: CountBody, now: number): void {
  if (!idem) return;
  sql.exec(
    `INSERT INTO idem (key, fingerprint, response, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET fingerprint = excluded.fingerprint, response = excluded.response, expires_at = excluded.expires_at`,
    idem.key,
    idem.fingerprint,
    JSON.stringify(body),
    now + IDEMPOTENCY_TTL_MS,
  );
}

/**
 * Takes a key for a request (its owner's record: one fingerprint per key across the post);
 * the count and its response are recorded by the object that counts. Synchronous.
 */
export function claimIdempotency(sql: SqlStorage, idem: IdempotencyInput, now: number): void {
  sql.exec(`INSERT INTO idem (key, fingerprint, response, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO NOTHING`, idem.key, idem.fingerprint, CLAIMED, now + IDEMPOTENCY_TTL_MS);
}

/** The answer owed at once to a request whose Idempotency-Key was seen before; undefined: go on and count. */
export function idempotentOutcome(sql: SqlStorage, idem: IdempotencyInput | undefined, now: number): CountOutcome | undefined {
  const prior = lookupIdempotency(sql, idem, now);
  if (prior.kind === "reused") return { ok: false, code: "idempotency_key_reused" };
  if (prior.kind === "replay") return { ok: true, body: prior.body, replayed: true };
  return undefined;
}

/** Records a counted request's answer under its Idempotency-Key (a claim of the same request becomes the full record) (in the same storage transaction) and returns it. */
export function answer(sql: SqlStorage, idem: IdempotencyInput | undefined, body: CountBody, now: number): CountOutcome {
  storeIdempotency(sql, idem, body, now);
  return { ok: true, body, replayed: false };
}

/** Drops expired idempotency records; returns the next expiry still pending, if any. */
export function sweepIdempotency(sql: SqlStorage, now: number): number | null {
  sql.exec(`DELETE FROM idem WHERE expires_at <= ?`, now);
  const next = sql.exec<{ at: number | null }>(`SELECT MIN(expires_at) AS at FROM idem`).one().at;
  return next ?? null;
}

/** Exponential backoff for alarm retries: 1 s, 2 s, 4 s ... capped at 5 minutes. */
export function backoffMs(failures: number): number {
  return Math.min(1000 * 2 ** Math.max(0, failures - 1), 300_000);
}
