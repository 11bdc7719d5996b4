import { DurableObject } from "cloudflare:workers";
import { log } from "../../../pkg/log";
import {
  addReposter,
  backoffMs,
  createCommonTables,
  freeze,
  hasReposter,
  isFrozen,
  idempotentOutcome,
  answer,
  lookupIdempotency,
  priorLookup,
  sweepIdempotency,
} from "./counter-store";
import { EarliestAlarm } from "./earliest-alarm";
import type { Env } from "./env";
import { coordinatorName, ownerOf, shardName, slotOf } from "./shards";
import type { CountBody, CountOutcome, IdempotencyInput, PostContext, PriorLookup, SpreadBody } from "./types";

/** How often a busy shard reports its totals to the coordinator (one RPC per interval, not per write). */
export const REPORT_MS = 250;

type ShardRow = {
  root_post_id: string;
  shard: number;
  epoch: number;
  context: string;
  reposts: number;
  views: number;
  version: number;
  reported_version: number;
  reported_reposts: number;
  reported_views: number;
  last_global: string | null;
  failures: number;
};

/**
 * One counting shard of a hot post. Accounts map to shards by hash, so this object's
 * reposter set is the only place an account of this shard can be counted: deduplication
 * stays exact. It reports absolute totals to the post's coordinator by alarm; the
 * coordinator sums the shards and checks thresholds.
 */
export class RepostShard extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly nextAlarm: EarliestAlarm;
  private contextJson: string | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.nextAlarm = new EarliestAlarm(ctx.storage);
    createCommonTables(this.sql);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS state (
      id INTEGER PRIMARY KEY CHECK (id = 1), root_post_id TEXT NOT NULL, shard INTEGER NOT NULL, epoch INTEGER NOT NULL DEFAULT 0, context TEXT NOT NULL,
      reposts INTEGER NOT NULL DEFAULT 0, views INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL DEFAULT 0,
      reported_version INTEGER NOT NULL DEFAULT 0, reported_reposts INTEGER NOT NULL DEFAULT 0, reported_views INTEGER NOT NULL DEFAULT 0,
      last_global TEXT, failures INTEGER NOT NULL DEFAULT 0)`);
    void ctx.blockConcurrencyWhile(() => this.nextAlarm.load());
  }

  async repost(pc: PostContext, shard: number, accountId: string, idem?: IdempotencyInput): Promise<CountOutcome> {
    const now = Date.now();
    const early = idempotentOutcome(this.sql, idem, now);
    if (early) return early;
    if (isFrozen(this.sql) && !hasReposter(this.sql, accountId)) return { ok: false, code: "moved" };
    let seenEarlier = false;
    if (pc.epoch > 0 && !hasReposter(this.sql, accountId)) {
      // After a raise, an account new to this shard may have been counted in an earlier (frozen) epoch.
      const earlier = await this.askEarlierEpochs(pc, accountId, accountId, idem);
      if (earlier.reused) return { ok: false, code: "idempotency_key_reused" };
      if (earlier.replay) return { ok: true, body: earlier.replay, replayed: true };
      seenEarlier = earlier.seen;
      // Other calls ran during the await: a twin of this request may have finished, or a raise
      // may have frozen this epoch (a later epoch could then count the account without us).
      const again = lookupIdempotency(this.sql, idem, now);
      if (again.kind === "replay") return { ok: true, body: again.body, replayed: true };
      if (isFrozen(this.sql) && !hasReposter(this.sql, accountId)) return { ok: false, code: "moved" };
    }
    this.touch(pc, shard);
    // The insert and the increment are synchronous: concurrent twins count once.
    const counted = addReposter(this.sql, accountId, now) && !seenEarlier;
    if (counted) this.changed(`UPDATE state SET reposts = reposts + 1, version = version + 1`, now);
    const body: CountBody = { ...this.estimate(), counted };
    return answer(this.sql, idem, body, now);
  }

  async view(pc: PostContext, shard: number, count: number, idem?: IdempotencyInput): Promise<CountOutcome> {
    const now = Date.now();
    const early = idempotentOutcome(this.sql, idem, now);
    if (early) return early;
    if (pc.epoch > 0 && idem) {
      // A retried batch may have been counted in an earlier epoch (routed by the same key).
      const earlier = await this.askEarlierEpochs(pc, idem.key, null, idem);
      if (earlier.reused) return { ok: false, code: "idempotency_key_reused" };
      if (earlier.replay) return { ok: true, body: earlier.replay, replayed: true };
      const again = lookupIdempotency(this.sql, idem, now);
      if (again.kind === "replay") return { ok: true, body: again.body, replayed: true };
    }
    this.touch(pc, shard);
    this.changed(`UPDATE state SET views = views + ?, version = version + 1`, now, count);
    const body: CountBody = { ...this.estimate(), counted: true };
    return answer(this.sql, idem, body, now);
  }

  /** Shard raise, step 1: this epoch takes no new accounts from now on (it still reports its totals). */
  async freeze(): Promise<void> {
    freeze(this.sql, Date.now());
  }

  async lookup(accountId: string | null, idem?: IdempotencyInput): Promise<PriorLookup> {
    return priorLookup(this.sql, accountId, idem);
  }

  /** This shard's own totals and what the coordinator has acknowledged (for tests and diagnostics). */
  async totals(): Promise<{ reposts: number; views: number; unreported: boolean } | null> {
    const st = this.state();
    return st ? { reposts: st.reposts, views: st.views, unreported: st.version > st.reported_version } : null;
  }

  /** Reports this shard's absolute totals to the coordinator; retried with backoff until it succeeds. */
  override async alarm(): Promise<void> {
    this.nextAlarm.fired();
    const now = Date.now();
    const nextIdem = sweepIdempotency(this.sql, now);
    const st = this.state();
    if (!st) return;
    if (st.version > st.reported_version) {
      const pc = { ...(JSON.parse(st.context) as PostContext) };
      try {
        const global = await this.env.POST_COUNTER.getByName(coordinatorName(st.root_post_id)).reportShard(pc, slotOf(st.epoch, st.shard), st.reposts, st.views, st.version);
        this.sql.exec(
          `UPDATE state SET last_global = ?, reported_version = ?, reported_reposts = ?, reported_views = ?, failures = 0 WHERE reported_version < ?`,
          JSON.stringify(global),
          st.version,
          st.reposts,
          st.views,
          st.version,
        );
      } catch (err) {
        this.sql.exec(`UPDATE state SET failures = failures + 1`);
        log("warn", "shard_report_failed", { rootPostId: st.root_post_id, shard: st.shard, failures: st.failures + 1, error: (err as Error).name });
        this.nextAlarm.schedule(now + backoffMs(st.failures + 1));
        return;
      }
    }
    const after = this.state()!;
    let next = nextIdem;
    if (after.version > after.reported_version) next = Math.min(next ?? Infinity, Date.now() + REPORT_MS);
    if (next !== null) this.nextAlarm.schedule(next);
  }

  // --- internals (synchronous) ---

  private state(): ShardRow | undefined {
    return this.sql.exec<ShardRow>(`SELECT * FROM state`).toArray()[0];
  }

  private touch(pc: PostContext, shard: number): void {
    const json = JSON.stringify(pc);
    if (this.contextJson === json) return;
    const st = this.state();
    if (!st) this.sql.exec(`INSERT INTO state (id, root_post_id, shard, epoch, context) VALUES (1, ?, ?, ?, ?)`, pc.rootPostId, shard, pc.epoch, json);
    else if (st.context !== json) this.sql.exec(`UPDATE state SET context = ?, version = version + 1 WHERE id = 1`, json);
    this.contextJson = json;
  }

  /** Asks the owner of `routingKey` in every earlier epoch (one RPC each, in parallel). */
  private async askEarlierEpochs(pc: PostContext, routingKey: string, accountId: string | null, idem: IdempotencyInput | undefined): Promise<PriorLookup> {
    const answers = await Promise.all(
      pc.history.map((count, epoch) => {
        const owner = ownerOf(epoch, count, routingKey);
        return owner.kind === "coordinator"
          ? this.env.POST_COUNTER.getByName(coordinatorName(pc.rootPostId)).lookup(accountId, idem)
          : this.env.REPOST_SHARD.getByName(shardName(pc.rootPostId, owner.index, owner.epoch)).lookup(accountId, idem);
      }),
    );
    return {
      seen: answers.some((a) => a.seen),
      replay: answers.find((a) => a.replay)?.replay ?? null,
      reused: answers.some((a) => a.reused),
    };
  }

  private changed(update: string, now: number, ...binds: number[]): void {
    this.sql.exec(update, ...binds);
    this.nextAlarm.schedule(now + REPORT_MS);
  }

  /**
   * The post's totals as this shard knows them: the coordinator's last answer plus what this
   * shard has counted since. Other shards' unreported counts (at most REPORT_MS old) are missing.
   */
  private estimate(): SpreadBody {
    const st = this.state()!;
    const g: SpreadBody = st.last_global ? (JSON.parse(st.last_global) as SpreadBody) : { rootPostId: st.root_post_id, reposts: 0, views: 0, levels: [], escalated: false };
    return { ...g, reposts: g.reposts + st.reposts - st.reported_reposts, views: g.views + st.views - st.reported_views };
  }
}
