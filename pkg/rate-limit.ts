/** In-isolate request limits (the gateway's fallback where no Rate Limiting binding refuses, and the console's sign-ins). */

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the caller may try again (meaningful when not allowed). */
  retryAfter: number;
}

/** A fixed window per key: exact within one isolate. */
export class FixedWindowLimiter {
  private windows = new Map<string, { start: number; count: number }>();
  constructor(
    private readonly limit: number,
    private readonly periodMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request of `key` and says whether it is within the limit. */
  hit(key: string): RateDecision {
    const t = this.now();
    const windowStart = t - (t % this.periodMs);
    let w = this.windows.get(key);
    if (!w || w.start !== windowStart) {
      if (this.windows.size > 50_000) this.windows.clear();
      w = { start: windowStart, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    return { allowed: w.count <= this.limit, retryAfter: Math.max(1, Math.ceil((windowStart + this.periodMs - t) / 1000)) };
  }
}
