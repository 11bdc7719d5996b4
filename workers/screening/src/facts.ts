/**
 * What a verdict depends on besides the text: the account's status, its current
 * news-publisher licences and the current policy version ("facts").
 *
 * A screen request costs one D1 round trip when the facts are in this isolate's
 * cache: the post is inserted by a statement that re-checks the facts it was decided
 * on (`insertPostIfFactsHold`) and inserts nothing if any of them changed since. The
 * request then drops the cache entry, reads the facts afresh and decides again. So a
 * cached fact is never acted on once it is stale: a suspended account, a revoked
 * licence or a new policy version takes effect on the very next request.
 */
import type { AccountStatus } from "../../../db/schema";

export interface AccountFacts {
  status: AccountStatus;
  /** Scopes of current licences as D1 returns them (compared verbatim by the insert). */
  scopesJson: string;
  /** The same, parsed once for the decision: union of scopes, null when there is no licence. */
  scopes: ReadonlySet<string> | null;
  /** Policy version current when the facts were read. */
  version: number;
}

/**
 * Scopes (each a JSON array) of the account's unrevoked, unexpired licences, in a
 * fixed order so the read and the insert's re-check produce the same string.
 * Parameters: ?1 account id, ?2 now (ms).
 */
const SCOPES_SQL = `(SELECT json_group_array(scope) FROM (SELECT scope FROM publisher_licences
   WHERE account_id = ?1 AND revoked_at IS NULL AND expires_at > ?2 ORDER BY scope))`;

/**
 * Every fact in one statement. ?1 account id, ?2 now, ?3 postId to look up ("" for
 * none), ?4 reprint source post id ("" for none), ?5 JSON array of reprint source
 * host suffixes.
 */
export const READ_FACTS_SQL = `SELECT
   (SELECT status FROM accounts WHERE id = ?1) AS status,
   ${SCOPES_SQL} AS scopes,
   (SELECT version FROM policy_current WHERE id = 1) AS version,
   (SELECT json_object('accountId', account_id, 'contentHash', content_hash, 'kind', kind, 'verdict', verdict, 'reasons', json(reasons),
      'categories', json(categories), 'policyVersion', policy_version) FROM posts WHERE id = ?3) AS taken,
   (SELECT 1 FROM posts p JOIN publisher_licences l ON l.account_id = p.account_id AND l.revoked_at IS NULL AND l.expires_at > ?2
     WHERE p.id = ?4 AND p.verdict <> 'block' AND p.removed_at IS NULL LIMIT 1) AS source_post_ok,
   (SELECT 1 FROM publisher_outlets o JOIN publisher_licences l ON l.account_id = o.account_id AND l.revoked_at IS NULL AND l.expires_at > ?2
     WHERE o.domain IN (SELECT value FROM json_each(?5)) LIMIT 1) AS source_outlet_ok`;

export interface FactsRow {
  status: AccountStatus | null;
  scopes: string;
  version: number | null;
  taken: string | null;
  source_post_ok: number | null;
  source_outlet_ok: number | null;
}

/**
 * The post record, inserted only if the facts still hold. ?1 account id, ?2 now,
 * ?3 post id, ?4 content hash, ?5 kind, ?6 verdict, ?7 reasons, ?8 categories,
 * ?9 policy version, ?10 source post id, ?11 source url, ?12 account status,
 * ?13 licence scopes (as read). A used post id still fails with a UNIQUE error.
 */
export const INSERT_POST_IF_FACTS_HOLD_SQL = `INSERT INTO posts
   (id, account_id, content_hash, kind, verdict, reasons, categories, policy_version, source_post_id, source_url, created_at)
   SELECT ?3, ?1, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?2
   WHERE (SELECT status FROM accounts WHERE id = ?1) = ?12
     AND (SELECT version FROM policy_current WHERE id = 1) = ?9
     AND ${SCOPES_SQL} = ?13`;

/** Most accounts an isolate remembers (≈ 100 bytes each); the oldest entry goes first. */
const MAX_ACCOUNTS = 10_000;
const cache = new Map<string, AccountFacts>();

export const factsCache = {
  get(accountId: string): AccountFacts | undefined {
    return cache.get(accountId);
  },
  set(accountId: string, facts: AccountFacts): void {
    cache.delete(accountId);
    if (cache.size >= MAX_ACCOUNTS) cache.delete(cache.keys().next().value!);
    cache.set(accountId, facts);
  },
  delete(accountId: string): void {
    cache.delete(accountId);
  },
};
