/** Timing for the engine benches. */

/** Best of `runs` timed calls after `warm` untimed ones, in ms; `before` runs untimed ahead of each timed call (a GC, say). */
export function bestTime(fn: () => unknown, runs: number, warm = 2, before?: () => void): number {
  for (let i = 0; i < warm; i++) fn();
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    before?.();
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}
