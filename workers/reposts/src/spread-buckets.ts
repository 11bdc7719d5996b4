/**
 * A post's reposts and views over time, kept in its coordinator's storage (PostCounter) and
 * written by the write-behind flush: each successful flush adds the change since the previous
 * one to the bucket of the flush's time. So there is no write per repost, and the buckets of a
 * resolution plus its `earlier` row always sum to the totals last flushed to D1.
 *
 * Bounded: at most MINUTE_BUCKETS minute buckets and HOUR_BUCKETS hour buckets are kept, plus
 * one `earlier` row per resolution (start 0) that older buckets are folded into at each flush.
 */

export const RESOLUTIONS = { minute: 60_000, hour: 3_600_000 } as const;
export type Resolution = keyof typeof RESOLUTIONS;
/** Buckets kept per resolution: the last 2 hours by minute, the last 7 days by hour. */
export const WINDOW_BUCKETS: Record<Resolution, number> = { minute: 120, hour: 168 };

export type Figures = {
  reposts: number;
  views: number;
};

export interface Timeline {
  resolution: Resolution;
  bucketMs: number;
  /** Buckets with any change, oldest first; `start` is epoch milliseconds. */
  buckets: (Figures & { start: number })[];
  /** Everything before the window. */
  earlier: Figures;
  /** The totals as of the last flush: `earlier` plus every bucket. */
  totals: Figures;
}

export function createBucketTables(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS spread_buckets (resolution TEXT NOT NULL, start INTEGER NOT NULL, reposts INTEGER NOT NULL, views INTEGER NOT NULL, PRIMARY KEY (resolution, start))`);
  // The totals the buckets already hold, so a flush adds only its change.
  sql.exec(`CREATE TABLE IF NOT EXISTS spread_bucket_mark (id INTEGER PRIMARY KEY CHECK (id = 1), reposts INTEGER NOT NULL, views INTEGER NOT NULL)`);
}

/** The first bucket start still inside the window at `now`. */
export function windowStart(resolution: Resolution, now: number): number {
  const size = RESOLUTIONS[resolution];
  return (Math.floor(now / size) - (WINDOW_BUCKETS[resolution] - 1)) * size;
}

function mark(sql: SqlStorage): Figures {
  return sql.exec<Figures>(`SELECT reposts, views FROM spread_bucket_mark`).toArray()[0] ?? { reposts: 0, views: 0 };
}

/**
 * Adds the change from the buckets' mark to `totals` at `now` and folds buckets that left the
 * window into `earlier`. Synchronous: one storage transaction with the caller's other writes.
 */
export function recordFlush(sql: SqlStorage, totals: Figures, now: number): void {
  const before = mark(sql);
  // Counts only grow; a smaller figure (never expected) adds nothing rather than going negative.
  const reposts = Math.max(0, totals.reposts - before.reposts);
  const views = Math.max(0, totals.views - before.views);
  if (reposts === 0 && views === 0) return;
  for (const resolution of Object.keys(RESOLUTIONS) as Resolution[]) {
    const size = RESOLUTIONS[resolution];
    sql.exec(
      `INSERT INTO spread_buckets (resolution, start, reposts, views) VALUES (?, ?, ?, ?)
       ON CONFLICT (resolution, start) DO UPDATE SET reposts = reposts + excluded.reposts, views = views + excluded.views`,
      resolution,
      Math.floor(now / size) * size,
      reposts,
      views,
    );
    const cutoff = windowStart(resolution, now);
    sql.exec(
      `INSERT INTO spread_buckets (resolution, start, reposts, views)
       SELECT ?1, 0, SUM(reposts), SUM(views) FROM spread_buckets WHERE resolution = ?1 AND start > 0 AND start < ?2 GROUP BY resolution
       ON CONFLICT (resolution, start) DO UPDATE SET reposts = reposts + excluded.reposts, views = views + excluded.views`,
      resolution,
      cutoff,
    );
    sql.exec(`DELETE FROM spread_buckets WHERE resolution = ? AND start > 0 AND start < ?`, resolution, cutoff);
  }
  sql.exec(
    `INSERT INTO spread_bucket_mark (id, reposts, views) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET reposts = excluded.reposts, views = excluded.views`,
    before.reposts + reposts,
    before.views + views,
  );
}

/** The timeline at `now`: buckets no flush has folded yet but outside the window count as `earlier`. */
export function readTimeline(sql: SqlStorage, resolution: Resolution, now: number): Timeline {
  const cutoff = windowStart(resolution, now);
  const rows = sql.exec<Figures & { start: number }>(`SELECT start, reposts, views FROM spread_buckets WHERE resolution = ? ORDER BY start`, resolution).toArray();
  const earlier = { reposts: 0, views: 0 };
  const buckets: Timeline["buckets"] = [];
  for (const r of rows) {
    if (r.start < cutoff) {
      earlier.reposts += r.reposts;
      earlier.views += r.views;
    } else buckets.push({ start: r.start, reposts: r.reposts, views: r.views });
  }
  return { resolution, bucketMs: RESOLUTIONS[resolution], buckets, earlier, totals: mark(sql) };
}

/** Rows kept for a resolution (the bound's test). */
export function storedRows(sql: SqlStorage, resolution: Resolution): number {
  return sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM spread_buckets WHERE resolution = ?`, resolution).one().n;
}
