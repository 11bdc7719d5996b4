import { DurableObject } from "cloudflare:workers";
import { log } from "../../../pkg/log";
import {
  addReposter,
  backoffMs,
  claimIdempotency,
  createCommonTables,
  freeze,
  hasReposter,
  IDEMPOTENCY_TTL_MS,
  isFrozen,
  refusesAsFrozen,
  idempotentOutcome,
  answer,
  lookupIdempotency,
  priorLookup,
  sweepIdempotency,
  type IdemLookup,
} from "./counter-store";
import { EarliestAlarm } from "./earliest-alarm";
import type { Env } from "./env";
import { coordinatorName, ownerOf, shardName, slotOf } from "./shards";
import type { ClaimOutcome, CountBody, CountOutcome, IdempotencyInput, OthersView, PostContext, PriorLookup, SpreadBody } from "./types";

/** How often a busy shard reports its totals to the coordinator (one RPC per interval, not per write). */
export const REPORT_MS = 250;
/**
 * A shard's copy of the other shards' figures older than this is refreshed from the coordinator
 * (one read, shared by concurrent requests) before it answers: answers are never staler than this
 * plus REPORT_MS, and the coordinator gets at most one such read per shard per interval.
 */
export const OTHERS_MAX_AGE_MS = 1000;

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
  /** JSON OthersView: the coordinator's last word on the other objects' counts. */
  last_global: string | null;
  failures: number;
};

/** Who to ask, in every earlier epoch, about an account or a request key. */
interface Question {
  routingKey: string;
  accountId: string | null;
}

/**
 * One counting shard of a hot post. Accounts map to shards by hash, so this object's
 * reposter set is the only place an account of this shard can be counted: deduplication
 * stays exact. It reports absolute totals to the post's coordinator by alarm; the
 * coordinator sums the shards and checks thresholds.
 *
 * Idempotency-Keys are owned like accounts, by hash of the key: the key's owner holds the one
 * record of which request took the key (a claim), whichever shard counts the request. The
 * counting shard keeps the response, to replay it.
 */
export class RepostShard extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly nextAlarm: EarliestAlarm;
  private contextJson: string | null = null;
  private others: OthersView | null = null;
  private refreshing: Promise<void> | null = null;

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

  /**
   * Claims `idem` for a request this shard owns the key of but another shard counts. Across
   * epochs: a key new here is looked up with its owners of the earlier (frozen) epochs.
   */
  async claim(pc: PostContext, idem: IdempotencyInput): Promise<ClaimOutcome> {
    const now = Date.now();
    const local = lookupIdempotency(this.sql, idem, now);
    if (local.kind === "reused") return { ok: false, code: "idempotency_key_reused" };
    if (local.kind !== "none") return { ok: true };
    if (isFrozen(this.sql)) return { ok: false, code: "moved" };
    if (pc.epoch > 0) {
      const earlier = await this.askEarlierEpochs(pc, [{ routingKey: idem.key, accountId: null }], idem);
      if (earlier.reused) return { ok: false, code: "idempotency_key_reused" };
      // Other calls ran during the await: a different request may have claimed the key, or a raise frozen us.
      const again = lookupIdempotency(this.sql, idem, Date.now());
      if (again.kind === "reused") return { ok: false, code: "idempotency_key_reused" };
      if (again.kind !== "none") return { ok: true };
      if (isFrozen(this.sql)) return { ok: false, code: "moved" };
    }
    claimIdempotency(this.sql, idem, now);
    this.nextAlarm.schedule(now + IDEMPOTENCY_TTL_MS); // sweeps the claim when it expires
    return { ok: true };
  }

  /** One repost by `accountId`; `ownsKey`: this shard is also the owner of the request's key. */
  async repost(pc: PostContext, shard: number, accountId: string, idem?: IdempotencyInput, ownsKey = true): Promise<CountOutcome> {
    const early = idempotentOutcome(this.sql, idem, Date.now());
    if (early) return early;
    if (refusesAsFrozen(this.sql, accountId, idem)) return { ok: false, code: "moved" };
    let seenEarlier = false;
    const known = hasReposter(this.sql, accountId);
    const refresh = this.refreshOthers(pc, shard);
    let earlierAnswer: Promise<PriorLookup> | null = null;
    if (pc.epoch > 0 && (!known || (idem && lookupIdempotency(this.sql, idem, Date.now()).kind === "none"))) {
      // After a raise, the account (or the key) may be known to the earlier, frozen epochs.
      const questions: Question[] = [{ routingKey: accountId, accountId: known ? null : accountId }];
      if (idem && ownsKey) questions.push({ routingKey: idem.key, accountId: null });
      earlierAnswer = this.askEarlierEpochs(pc, questions, idem);
    }
    if (refresh || earlierAnswer) await Promise.all([refresh, earlierAnswer]);
    if (earlierAnswer) {
      const earlier = await earlierAnswer;
      if (earlier.reused) return { ok: false, code: "idempotency_key_reused" };
      if (earlier.replay) return { ok: true, body: earlier.replay, replayed: true };
      seenEarlier = earlier.seen;
    }
    // Other calls ran during the await: a twin of this request may have finished, or a raise
    // may have frozen this epoch (a later epoch could then count the account without us).
    const now = Date.now();
    const again = afterAwait(lookupIdempotency(this.sql, idem, now));
    if (again) return again;
    if (refusesAsFrozen(this.sql, accountId, idem)) return { ok: false, code: "moved" };
    this.touch(pc, shard);
    // The insert and the increment are synchronous: concurrent twins count once.
    const counted = addReposter(this.sql, accountId, now) && !seenEarlier;
    if (counted) this.changed(`UPDATE state SET reposts = reposts + 1, version = version + 1`, now);
    const body: CountBody = { ...this.estimate(), counted };
    return answer(this.sql, idem, body, now);
  }

  /** A views batch; with a key, this shard is the key's owner (views are routed by key). */
  async view(pc: PostContext, shard: number, count: number, idem?: IdempotencyInput): Promise<CountOutcome> {
    const early = idempotentOutcome(this.sql, idem, Date.now());
    if (early) return early;
    let earlierAnswer: Promise<PriorLookup> | null = null;
    // A retried batch may have been counted in an earlier epoch (routed by the same key).
    if (pc.epoch > 0 && idem) earlierAnswer = this.askEarlierEpochs(pc, [{ routingKey: idem.key, accountId: null }], idem);
    const refresh = this.refreshOthers(pc, shard);
    if (refresh || earlierAnswer) await Promise.all([refresh, earlierAnswer]);
    if (earlierAnswer) {
      const earlier = await earlierAnswer;
      if (earlier.reused) return { ok: false, code: "idempotency_key_reused" };
      if (earlier.replay) return { ok: true, body: earlier.replay, replayed: true };
    }
    const now = Date.now();
    const again = afterAwait(lookupIdempotency(this.sql, idem, now));
    if (again) return again;
    // A frozen shard takes no new keys (a later epoch could take the same key without us).
    if (refusesAsFrozen(this.sql, null, idem)) return { ok: false, code: "moved" };
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

  /** This shard's own totals and what the coordinator has acknowledged (exact live reads sum these). */
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
    if (!st) {
      if (nextIdem !== null) this.nextAlarm.schedule(nextIdem);
      return;
    }
    if (st.version > st.reported_version) {
      const pc = { ...(JSON.parse(st.context) as PostContext) };
      try {
        const others = await this.env.POST_COUNTER.getByName(coordinatorName(st.root_post_id)).reportShard(pc, slotOf(st.epoch, st.shard), st.reposts, st.views, st.version);
        this.sql.exec(
          `UPDATE state SET reported_version = ?, reported_reposts = ?, reported_views = ?, failures = 0 WHERE reported_version < ?`,
          st.version,
          st.reposts,
          st.views,
          st.version,
        );
        this.keepOthers(others);
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

  // --- internals ---

  private state(): ShardRow | undefined {
    return this.sql.exec<ShardRow>(`SELECT * FROM state`).toArray()[0];
  }

  private touch(pc: PostContext, shard: number): void {
    const json = JSON.stringify(pc);
    if (this.contextJson === json) return;
    const st = this.state();
    if (!st) {
      this.sql.exec(
        `INSERT INTO state (id, root_post_id, shard, epoch, context, last_global) VALUES (1, ?, ?, ?, ?, ?)`,
        pc.rootPostId,
        shard,
        pc.epoch,
        json,
        this.others ? JSON.stringify(this.others) : null,
      );
    } else if (st.context !== json) this.sql.exec(`UPDATE state SET context = ?, version = version + 1 WHERE id = 1`, json);
    this.contextJson = json;
  }

  /** The coordinator's last word on the other objects' counts (memory, else storage). */
  private knownOthers(): OthersView | null {
    if (this.others) return this.others;
    const stored = this.state()?.last_global;
    const parsed = stored ? (JSON.parse(stored) as Partial<OthersView>) : null;
    // Records of an older shape (whole-post totals) are not "others": refreshed instead.
    this.others = parsed && typeof parsed.asOf === "number" ? (parsed as OthersView) : null;
    return this.others;
  }

  /** Keeps the newer of two coordinator answers (a refresh and a report may cross). */
  private keepOthers(others: OthersView): void {
    const known = this.knownOthers();
    if (known && known.asOf >= others.asOf) return;
    this.others = others;
    this.sql.exec(`UPDATE state SET last_global = ? WHERE id = 1`, JSON.stringify(others));
  }

  /**
   * Refreshes the other objects' figures from the coordinator when older than OTHERS_MAX_AGE_MS
   * (one read at a time); null when they are fresh enough (nothing to wait for).
   */
  private refreshOthers(pc: PostContext, shard: number): Promise<void> | null {
    const known = this.knownOthers();
    if (known && Date.now() - known.asOf <= OTHERS_MAX_AGE_MS) return null;
    this.refreshing ??= this.env.POST_COUNTER.getByName(coordinatorName(pc.rootPostId))
      .othersOf(pc.rootPostId, slotOf(pc.epoch, shard))
      .then((others) => this.keepOthers(others))
      // A failed refresh only makes this answer staler (its asOf says so); it never fails a count.
      .catch((err: Error) => log("warn", "shard_refresh_failed", { rootPostId: pc.rootPostId, shard, error: err.name }))
      .finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  /** Asks, in every earlier epoch, the owner of each question's routing key (one RPC each, in parallel). */
  private async askEarlierEpochs(pc: PostContext, questions: Question[], idem: IdempotencyInput | undefined): Promise<PriorLookup> {
    const asks = new Map<string, Promise<PriorLookup>>();
    pc.history.forEach((count, epoch) => {
      for (const q of questions) {
        const owner = ownerOf(epoch, count, q.routingKey);
        const name = owner.kind === "coordinator" ? coordinatorName(pc.rootPostId) : shardName(pc.rootPostId, owner.index, owner.epoch);
        const key = `${name}|${q.accountId ?? ""}`;
        if (asks.has(key)) continue;
        asks.set(
          key,
          owner.kind === "coordinator"
            ? this.env.POST_COUNTER.getByName(name).lookup(q.accountId, idem)
            : this.env.REPOST_SHARD.getByName(name).lookup(q.accountId, idem),
        );
      }
    });
    const answers = await Promise.all(asks.values());
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
   * The post's totals as this shard knows them: the other objects' counts as the coordinator
   * knew them at `asOf`, plus this shard's own counts up to now. Approximate: the other shards'
   * counts made since their last report are missing.
   */
  private estimate(): SpreadBody {
    const st = this.state()!;
    const o = this.knownOthers();
    return {
      rootPostId: st.root_post_id,
      reposts: (o?.reposts ?? 0) + st.reposts,
      views: (o?.views ?? 0) + st.views,
      levels: o?.levels ?? [],
      escalated: o?.escalated ?? false,
      totals: { exact: false, asOf: new Date(o?.asOf ?? 0).toISOString() },
    };
  }
}

/** After an await: a twin may have recorded the key (replay) or a different request taken it. */
function afterAwait(found: IdemLookup): CountOutcome | undefined {
  if (found.kind === "reused") return { ok: false, code: "idempotency_key_reused" };
  if (found.kind === "replay") return { ok: true, body: found.body, replayed: true };
  return undefined;
}
