import { DurableObject } from "cloudflare:workers";
import { log } from "../../../pkg/log";
import { runAtomic, type AtomicStatement } from "../../../pkg/batch";
import { reviewDedupeKey, reviewSignal } from "../../../pkg/review-signals";
import { committedEventIds, outboxStatement, relayAfterCommit, type OutboxWrite } from "../../../pkg/outbox";
import { newId } from "../../../pkg/ids";
import { sql } from "drizzle-orm";
import { storyFlushStatements } from "./story-spread";
import { createBucketTables, readTimeline, recordFlush, type Resolution, type Timeline } from "./spread-buckets";
import {
  addReposter,
  backoffMs,
  createCommonTables,
  freeze,
  isFrozen,
  refusesAsFrozen,
  idempotentOutcome,
  answer,
  priorLookup,
  sweepIdempotency,
} from "./counter-store";
import { EarliestAlarm } from "./earliest-alarm";
import type { Env } from "./env";
import { raiseShards } from "./resharding";
import { ALLOWED_SHARD_COUNTS } from "./shards";
import type { CountBody, CountOutcome, IdempotencyInput, OthersView, PostContext, PriorLookup, Rule, SpreadBody } from "./types";

/** Write-behind delay: counts reach D1 at most this long after they change (one D1 write per interval). */
export const FLUSH_MS = 1000;

type StateRow = {
  root_post_id: string;
  shards: number;
  context: string;
  own_reposts: number;
  own_views: number;
  version: number;
  flushed_version: number;
  failures: number;
};

interface StoredContext {
  rules: Rule[];
  categories: string[];
  verdict: string;
}

/**
 * The coordinator of one root post: the exact spread state, threshold checks, the escalation
 * outbox and the write-behind to D1. For a post with one shard it also counts reposts itself;
 * for a hot post, shard objects (RepostShard) dedupe and count, and report their absolute
 * totals here, so thresholds are checked on the true sum in exactly one place.
 *
 * Every count change, threshold crossing and outbox row is written in one synchronous block
 * (no `await`), so they commit together or not at all.
 */
export class PostCounter extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly nextAlarm: EarliestAlarm;
  private contextCache: { json: string; parsed: StoredContext } | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.nextAlarm = new EarliestAlarm(ctx.storage);
    createCommonTables(this.sql);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS state (
      id INTEGER PRIMARY KEY CHECK (id = 1), root_post_id TEXT NOT NULL, shards INTEGER NOT NULL, context TEXT NOT NULL,
      own_reposts INTEGER NOT NULL DEFAULT 0, own_views INTEGER NOT NULL DEFAULT 0,
      version INTEGER NOT NULL DEFAULT 0, flushed_version INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS shard_totals (slot TEXT PRIMARY KEY, reposts INTEGER NOT NULL, views INTEGER NOT NULL, version INTEGER NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS levels (name TEXT PRIMARY KEY, action TEXT NOT NULL, metric TEXT NOT NULL, threshold INTEGER NOT NULL, crossed_at INTEGER NOT NULL)`);
    // A pending automatic shard raise (a "shard" level was crossed); done by the alarm, retried.
    this.sql.exec(`CREATE TABLE IF NOT EXISTS raise_task (id INTEGER PRIMARY KEY CHECK (id = 1), target INTEGER NOT NULL, created_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS outbox (dedupe_key TEXT PRIMARY KEY, payload TEXT NOT NULL, created_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0)`);
    // spread.level_crossed events (pkg/outbox.ts) waiting for the flush: written with the crossing, copied to D1's outbox under the same id.
    this.sql.exec(`CREATE TABLE IF NOT EXISTS pending_events (id TEXT PRIMARY KEY, payload TEXT NOT NULL, created_at INTEGER NOT NULL)`);
    createBucketTables(this.sql);
    void ctx.blockConcurrencyWhile(() => this.nextAlarm.load());
  }

  /** One repost by `accountId` (counted once per account), for posts counted without shards. */
  async repost(pc: PostContext, accountId: string, idem?: IdempotencyInput): Promise<CountOutcome> {
    const now = Date.now();
    const early = idempotentOutcome(this.sql, idem, now);
    if (early) return early;
    // After a shard raise the new epoch's shards own new accounts; this set is frozen.
    if (refusesAsFrozen(this.sql, accountId, idem)) return { ok: false, code: "moved" };
    this.touch(pc, now);
    const counted = addReposter(this.sql, accountId, now);
    if (counted) this.changed(`UPDATE state SET own_reposts = own_reposts + 1, version = version + 1`, now);
    const body: CountBody = { ...this.body(), counted };
    return answer(this.sql, idem, body, now);
  }

  /** A batch of `count` views (views are counts, not unique viewers). */
  async view(pc: PostContext, count: number, idem?: IdempotencyInput): Promise<CountOutcome> {
    const now = Date.now();
    const early = idempotentOutcome(this.sql, idem, now);
    if (early) return early;
    if (refusesAsFrozen(this.sql, null, idem)) return { ok: false, code: "moved" };
    this.touch(pc, now);
    this.changed(`UPDATE state SET own_views = own_views + ?, version = version + 1`, now, count);
    const body: CountBody = { ...this.body(), counted: true };
    return answer(this.sql, idem, body, now);
  }

  /**
   * A shard's absolute totals. Absolute (not deltas) and version-guarded, so a retried or
   * reordered report can never count twice. Returns the other objects' figures for the shard
   * to answer with (its own counts added).
   */
  async reportShard(pc: PostContext, slot: string, reposts: number, views: number, version: number): Promise<OthersView> {
    const now = Date.now();
    this.touch(pc, now);
    const applied = this.sql
      .exec(
        `INSERT INTO shard_totals (slot, reposts, views, version) VALUES (?, ?, ?, ?)
         ON CONFLICT(slot) DO UPDATE SET reposts = excluded.reposts, views = excluded.views, version = excluded.version
         WHERE excluded.version > shard_totals.version`,
        slot,
        reposts,
        views,
        version,
      ).rowsWritten;
    if (applied > 0) this.changed(`UPDATE state SET version = version + 1`, now);
    return this.othersFor(pc.rootPostId, slot);
  }

  /** Read-only: the post's figures without one shard's reported counts (a shard refreshing its answers). */
  async othersOf(rootPostId: string, slot: string): Promise<OthersView> {
    return this.othersFor(rootPostId, slot);
  }

  /** Shard raise, step 1 (when this object counts accounts itself): take no new accounts from now on. */
  async freeze(): Promise<void> {
    freeze(this.sql, Date.now());
  }

  /** A later epoch's shard asks whether this object already counted an account or saw a request key. */
  async lookup(accountId: string | null, idem?: IdempotencyInput): Promise<PriorLookup> {
    return priorLookup(this.sql, accountId, idem);
  }

  /** The live figures as this object knows them (null before the first count); `totals` says whether exact. */
  async spread(): Promise<SpreadBody | null> {
    return this.state() ? this.body() : null;
  }

  /** The live figures and this object's own counts (null before the first count), for an exact read summing every shard. */
  async live(): Promise<{ body: SpreadBody; own: { reposts: number; views: number } } | null> {
    const st = this.state();
    return st ? { body: this.body(), own: { reposts: st.own_reposts, views: st.own_views } } : null;
  }

  /** The post's flushed counts over time (src/spread-buckets.ts). */
  async timeline(resolution: Resolution): Promise<Timeline> {
    return readTimeline(this.sql, resolution, Date.now());
  }

  /** Delivers escalations to the review queue (pkg/review-signals) and flushes counts to D1, in one D1 transaction. */
  override async alarm(): Promise<void> {
    this.nextAlarm.fired();
    const now = Date.now();
    let next = sweepIdempotency(this.sql, now);
    const st = this.state();
    if (!st) return;
    // A failed raise does not hold up escalations: it is retried on its own backoff.
    const raiseRetryAt = await this.runRaiseTask(st, now);
    if (raiseRetryAt !== null) next = Math.min(next ?? Infinity, raiseRetryAt);
    const outbox = this.sql.exec<{ dedupe_key: string; payload: string; created_at: number }>(`SELECT dedupe_key, payload, created_at FROM outbox`).toArray();
    const pendingEvents = this.sql.exec<{ id: string; payload: string; created_at: number }>(`SELECT id, payload, created_at FROM pending_events`).toArray();
    const events: OutboxWrite[] = [];
    if (outbox.length > 0 || pendingEvents.length > 0 || st.version > st.flushed_version) {
      // Captured synchronously: the snapshot and its version belong together.
      const snapshot = this.body();
      const version = st.version;
      const levels = this.sql.exec<{ name: string; crossed_at: number }>(`SELECT name, crossed_at FROM levels ORDER BY crossed_at, rowid`).toArray();
      // The copy's change added to its story's totals (src/story-spread.ts), before the upsert it compares with.
      const story = await storyFlushStatements(this.env, st.root_post_id, { reposts: snapshot.reposts, views: snapshot.views, version }, now);
      // The spread flush goes first, so the review item's priority reads this flush's velocity.
      const statements: AtomicStatement[] = [
        ...story.before,
        this.env.DB.prepare(
          `INSERT INTO post_spread (root_post_id, reposts, views, version, levels, escalated, shards, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(root_post_id) DO UPDATE SET reposts = excluded.reposts, views = excluded.views, version = excluded.version,
             levels = excluded.levels, escalated = excluded.escalated, updated_at = excluded.updated_at
           WHERE post_spread.version < excluded.version`,
        ).bind(
          st.root_post_id,
          snapshot.reposts,
          snapshot.views,
          version,
          JSON.stringify(levels.map((l) => ({ name: l.name, crossedAt: l.crossed_at }))),
          snapshot.escalated ? 1 : 0,
          st.shards,
          now,
          now,
        ),
      ];
      // Each outbox row keeps the dedupe key it was written with, so a redelivery attaches nothing new.
      for (const o of outbox) {
        const details = JSON.parse(o.payload) as Record<string, unknown>;
        const categories = Array.isArray(details.categories) ? (details.categories as unknown[]) : [];
        let signal: ReturnType<typeof reviewSignal>;
        statements.push(
          ...(signal = reviewSignal({
            subjectType: "post",
            subjectId: st.root_post_id,
            source: "spread",
            reasonCode: "spread_threshold",
            dedupeKey: o.dedupe_key,
            category: typeof categories[0] === "string" ? categories[0] : null,
            details,
            createdAt: o.created_at,
          })),
        );
        events.push(signal.opened);
      }
      // Each crossing's event keeps its id, so a flush retried after a lost answer writes it once.
      for (const e of pendingEvents) {
        const write = outboxStatement(
          { type: "spread.level_crossed", subject: { type: "post", id: st.root_post_id }, payload: JSON.parse(e.payload) as Record<string, unknown>, occurredAt: e.created_at },
          null,
          { id: e.id, onlyIf: sql`NOT EXISTS (SELECT 1 FROM event_outbox WHERE id = ${e.id})` },
        );
        statements.push(write.statement);
        events.push(write);
      }
      statements.push(...story.after);
      try {
        const results = await runAtomic(this.env.DB, statements);
        relayAfterCommit(this.env.EVENTS, this.ctx, committedEventIds(statements, results, events), this.env.DB);
      } catch (err) {
        // Nothing is lost: the outbox rows and the unflushed version stay until a retry succeeds.
        this.sql.exec(`UPDATE state SET failures = failures + 1`);
        this.sql.exec(`UPDATE outbox SET attempts = attempts + 1`);
        const failures = st.failures + 1;
        log("warn", "spread_flush_failed", { rootPostId: st.root_post_id, failures, outbox: outbox.length, error: (err as Error).name });
        this.nextAlarm.schedule(Math.min(now + backoffMs(failures), next ?? Infinity));
        return;
      }
      // Other calls may have run during the await: remove only what was delivered, only raise the mark.
      for (const o of outbox) this.sql.exec(`DELETE FROM outbox WHERE dedupe_key = ?`, o.dedupe_key);
      for (const e of pendingEvents) this.sql.exec(`DELETE FROM pending_events WHERE id = ?`, e.id);
      this.sql.exec(`UPDATE state SET flushed_version = MAX(flushed_version, ?), failures = 0`, version);
      // The flushed change goes into the time buckets (src/spread-buckets.ts): no write of its own per count.
      recordFlush(this.sql, snapshot, now);
    }
    const after = this.state()!;
    const pending = this.sql.exec<{ n: number }>(`SELECT (SELECT COUNT(*) FROM outbox) + (SELECT COUNT(*) FROM pending_events) AS n`).one().n;
    if (pending > 0) next = Date.now();
    else if (after.version > after.flushed_version) next = Math.min(next ?? Infinity, Date.now() + FLUSH_MS);
    if (next !== null) this.nextAlarm.schedule(next);
  }

  /**
   * Raises the post to HOT_SHARDS shards once a "shard" level is crossed. On failure the task
   * stays and the time of its retry (with backoff) is returned; null when done or none.
   */
  private async runRaiseTask(st: StateRow, now: number): Promise<number | null> {
    const task = this.sql.exec<{ target: number }>(`SELECT target FROM raise_task`).toArray()[0];
    if (!task) return null;
    try {
      const result = await raiseShards(this.env, st.root_post_id, task.target, { actor: { keyId: "system:spread-threshold", role: "system" } }, () => freeze(this.sql, Date.now()));
      // Raised, already at the target, or beyond it (an operator raised meanwhile): done either way.
      if (!result.ok && result.code === "layout_changed") throw new Error("layout changed during the raise");
      this.sql.exec(`DELETE FROM raise_task`);
      log("info", "spread_shards_raised", { rootPostId: st.root_post_id, result: result.ok ? result.shards : result.code });
      return null;
    } catch (err) {
      const attempts = this.sql.exec<{ attempts: number }>(`UPDATE raise_task SET attempts = attempts + 1 RETURNING attempts`).one().attempts;
      log("warn", "spread_raise_failed", { rootPostId: st.root_post_id, attempts, error: (err as Error).name });
      return now + backoffMs(attempts);
    }
  }

  // --- internals (all synchronous) ---

  private state(): StateRow | undefined {
    return this.sql.exec<StateRow>(`SELECT root_post_id, shards, context, own_reposts, own_views, version, flushed_version, failures FROM state`).toArray()[0];
  }

  /** Records the post's context on first touch, and again only when rules/categories changed. */
  private touch(pc: PostContext, now: number): void {
    const json = JSON.stringify({ rules: pc.rules, categories: pc.categories, verdict: pc.verdict } satisfies StoredContext);
    if (this.contextCache?.json === json) return;
    const st = this.state();
    const changed = st !== undefined && st.context !== json;
    if (!st) this.sql.exec(`INSERT INTO state (id, root_post_id, shards, context, created_at) VALUES (1, ?, ?, ?, ?)`, pc.rootPostId, pc.shards, json, now);
    else if (changed) this.sql.exec(`UPDATE state SET context = ? WHERE id = 1`, json);
    this.contextCache = { json, parsed: JSON.parse(json) as StoredContext };
    // Changed rules may already be met by the current totals.
    if (changed) this.changed(`UPDATE state SET version = version + 1`, now);
  }

  private context(): StoredContext {
    if (!this.contextCache) {
      const json = this.state()!.context;
      this.contextCache = { json, parsed: JSON.parse(json) as StoredContext };
    }
    return this.contextCache.parsed;
  }

  /** Applies a count update, then checks thresholds and schedules the flush, in the same write. */
  private changed(update: string, now: number, ...binds: number[]): void {
    this.sql.exec(update, ...binds);
    this.evaluate(now);
    this.nextAlarm.schedule(now + FLUSH_MS);
  }

  private totals(): { reposts: number; views: number } {
    return this.sql
      .exec<{ reposts: number; views: number }>(
        `SELECT s.own_reposts + COALESCE((SELECT SUM(reposts) FROM shard_totals), 0) AS reposts,
                s.own_views + COALESCE((SELECT SUM(views) FROM shard_totals), 0) AS views FROM state s`,
      )
      .one();
  }

  /**
   * Marks every newly met level with its `spread.level_crossed` event; an escalating level also gets
   * its outbox row (one per level, keyed `spread:<root>:<level>`), in the same synchronous write as
   * the count that crossed it.
   */
  private evaluate(now: number): void {
    const { rules, categories, verdict } = this.context();
    if (rules.length === 0) return;
    const totals = this.totals();
    const crossed = new Set(this.sql.exec<{ name: string }>(`SELECT name FROM levels`).toArray().map((r) => r.name));
    const root = this.state()!.root_post_id;
    for (const rule of rules) {
      if (crossed.has(rule.level) || totals[rule.metric] < rule.value) continue;
      crossed.add(rule.level);
      this.sql.exec(`INSERT INTO levels (name, action, metric, threshold, crossed_at) VALUES (?, ?, ?, ?, ?)`, rule.level, rule.action, rule.metric, rule.value, now);
      const crossing = { rootPostId: root, level: rule.level, action: rule.action, metric: rule.metric, threshold: rule.value, reposts: totals.reposts, views: totals.views, categories, verdict };
      this.sql.exec(`INSERT INTO pending_events (id, payload, created_at) VALUES (?, ?, ?)`, newId("evt"), JSON.stringify(crossing), now);
      if (rule.action === "shard") {
        const target = Number(this.env.HOT_SHARDS);
        const hot = (ALLOWED_SHARD_COUNTS as readonly number[]).includes(target) ? target : 8;
        this.sql.exec(`INSERT INTO raise_task (id, target, created_at) VALUES (1, ?, ?) ON CONFLICT DO NOTHING`, hot, now);
        this.nextAlarm.schedule(now);
        continue;
      }
      if (rule.action !== "escalate") continue;
      const payload = { level: rule.level, metric: rule.metric, threshold: rule.value, reposts: totals.reposts, views: totals.views, categories, verdict };
      this.sql.exec(`INSERT INTO outbox (dedupe_key, payload, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, reviewDedupeKey("spread", "post", root, rule.level), JSON.stringify(payload), now);
      this.nextAlarm.schedule(now);
    }
  }

  private levelRows() {
    return this.sql.exec<{ name: string; action: string; crossed_at: number }>(`SELECT name, action, crossed_at FROM levels ORDER BY crossed_at, rowid`).toArray();
  }

  /**
   * The post's figures as this object knows them: exact while it counts alone (never frozen,
   * no shard has reported); otherwise each shard's counts as of its last report.
   */
  private body(): SpreadBody {
    const totals = this.totals();
    const rows = this.levelRows();
    const now = Date.now();
    const alone = this.state()!.shards <= 1 && !isFrozen(this.sql) && this.sql.exec(`SELECT 1 FROM shard_totals LIMIT 1`).toArray().length === 0;
    return {
      rootPostId: this.state()!.root_post_id,
      reposts: totals.reposts,
      views: totals.views,
      levels: rows.map((r) => ({ name: r.name, crossedAt: new Date(r.crossed_at).toISOString() })),
      escalated: rows.some((r) => r.action === "escalate"),
      totals: { exact: alone, asOf: new Date(now).toISOString() },
    };
  }

  private othersFor(rootPostId: string, slot: string): OthersView {
    const now = Date.now();
    if (!this.state()) return { rootPostId, reposts: 0, views: 0, levels: [], escalated: false, asOf: now };
    const totals = this.totals();
    const mine = this.sql.exec<{ reposts: number; views: number }>(`SELECT reposts, views FROM shard_totals WHERE slot = ?`, slot).toArray()[0] ?? { reposts: 0, views: 0 };
    const rows = this.levelRows();
    return {
      rootPostId,
      reposts: totals.reposts - mine.reposts,
      views: totals.views - mine.views,
      levels: rows.map((r) => ({ name: r.name, crossedAt: new Date(r.crossed_at).toISOString() })),
      escalated: rows.some((r) => r.action === "escalate"),
      asOf: now,
    };
  }
}
