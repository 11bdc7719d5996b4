/**
 * Per-key request limiting. In production the Workers Rate Limiting binding decides
 * (approximate, per location). Where it is absent, a fixed one-minute window per key in
 * this isolate applies the same limit, so local dev and tests behave alike.
 */
export interface RateDecision {
  allowed: boolean;
  /** Seconds until the caller may try again (only meaningful when not allowed). */
  retryAfter: number;
}

const WINDOW_MS = 60_000;

export class FixedWindowLimiter {
  private windows = new Map<string, { start: number; count: number }>();
  constructor(private readonly limitPerMinute: number, private readonly now: () => number = Date.now) {}

  limit(key: string): RateDecision {
    const t = this.now();
    const windowStart = t - (t % WINDOW_MS);
    let w = this.windows.get(key);
    if (!w || w.start !== windowStart) {
      if (this.windows.size > 50_000) this.windows.clear();
      w = { start: windowStart, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    const retryAfter = Math.max(1, Math.ceil((windowStart + WINDOW_MS - t) / 1000));
    return { allowed: w.count <= this.limitPerMinute, retryAfter };
  }
}

let fallback: FixedWindowLimiter | undefined;

export async function checkRateLimit(binding: RateLimit | undefined, perMinute: number, key: string): Promise<RateDecision> {
  if (binding) {
    const { success } = await binding.limit({ key });
    // The binding does not say when its window ends; its period is one minute.
    return { allowed: success, retryAfter: 60 };
  }
  fallback ??= new FixedWindowLimiter(perMinute);
  return fallback.limit(key);
}
