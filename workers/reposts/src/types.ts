/** Shapes exchanged between the worker and its Durable Objects (RPC arguments are plain JSON). */

export type Metric = "reposts" | "views";
export type Action = "escalate" | "label" | "shard";

/** One threshold as it applies to one post (already chosen for its categories and verdict). */
export interface Rule {
  level: string;
  metric: Metric;
  value: number;
  action: Action;
}

/** What an object needs to know about its root post; passed on every call (cheap, always current). */
export interface PostContext {
  rootPostId: string;
  /** Shard count of the current epoch. */
  shards: number;
  /** Current shard epoch: 0 is the layout of the first count; each raise starts a new one. */
  epoch: number;
  /** Shard counts of the earlier (frozen) epochs, oldest first; `history.length === epoch`. */
  history: number[];
  rules: Rule[];
  categories: string[];
  verdict: string;
}

export interface LevelView {
  name: string;
  crossedAt: string;
}

/**
 * How far `reposts` and `views` can be trusted: `exact` when they are the post's totals at
 * `asOf` (nothing acknowledged before was left out); otherwise they include every count of the
 * object that answered, and the other counting objects' counts as their coordinator knew them
 * at `asOf` (they report within REPORT_MS of counting while healthy).
 */
export interface Totals {
  exact: boolean;
  asOf: string;
}

/** The API body of a count (repost or views) and of a spread read. */
export interface SpreadBody {
  rootPostId: string;
  reposts: number;
  views: number;
  levels: LevelView[];
  escalated: boolean;
  totals: Totals;
}

/** What a coordinator tells one shard: the post's figures without that shard's own counts. */
export interface OthersView {
  rootPostId: string;
  reposts: number;
  views: number;
  levels: LevelView[];
  escalated: boolean;
  /** When the coordinator computed them (ms). */
  asOf: number;
}

export interface CountBody extends SpreadBody {
  /** False when the account had already reposted (or a retried request replayed). */
  counted: boolean;
}

/** A retried request's key: scoped to the caller's API key; the fingerprint is of the request. */
export interface IdempotencyInput {
  key: string;
  fingerprint: string;
}

/** A key owner's answer to "may this request use this Idempotency-Key?" (the count happens elsewhere). */
export type ClaimOutcome = { ok: true } | { ok: false; code: "idempotency_key_reused" } | { ok: false; code: "moved" };

export type CountOutcome =
  | { ok: true; body: CountBody; replayed: boolean }
  | { ok: false; code: "idempotency_key_reused" }
  /** The object was frozen by a shard raise: re-read the post's layout and send it to the new epoch. */
  | { ok: false; code: "moved" };

/** What a frozen object of an earlier epoch knows about an account and a request key. */
export interface PriorLookup {
  seen: boolean;
  replay: CountBody | null;
  reused: boolean;
}
