// Pieces every load benchmark shares: the local stack's lifetime, its one app key (of a chosen
// rate-limit tier), a closed-loop load phase over loopback, percentiles and the results table.
import { startStack } from "../../scripts/stack.mjs";
import { LIMITS, LIMIT_TIERS, type LimitTier } from "../../workers/gateway/src/limits";

export type Stack = Awaited<ReturnType<typeof startStack>>;

/** Runs a benchmark on a fresh local stack; prints the stack's last output if it fails; always stops it. */
export async function withStack(run: (stack: Stack) => Promise<void>): Promise<void> {
  console.log("starting the local stack...");
  const stack = await startStack();
  try {
    await run(stack);
  } catch (err) {
    console.error(stack.output().slice(-3000));
    throw err;
  } finally {
    await stack.stop();
  }
}

export type Tier = LimitTier;

/**
 * The tier of the benchmark's app key: `high` (the app default, 1,000 requests a second), as a
 * platform's backend calls; `--tier unlimited` (or BENCH_TIER=unlimited) measures the stack
 * without the limiter.
 */
export function benchTier(argv = process.argv.slice(2), env = process.env): Tier {
  const i = argv.findIndex((a) => a === "--tier" || a.startsWith("--tier="));
  const value = i < 0 ? (env.BENCH_TIER ?? "high") : argv[i]!.includes("=") ? argv[i]!.slice("--tier=".length) : argv[i + 1];
  if (!LIMIT_TIERS.includes(value as Tier)) throw new Error(`--tier must be one of ${LIMIT_TIERS.join(", ")} (got ${value})`);
  return value as Tier;
}

/** What a tier allows per second on average over its period (null: no limit). */
export function tierPerSecond(tier: Tier): number | null {
  return tier === "unlimited" ? null : LIMITS[tier].limit / LIMITS[tier].period;
}

/** Creates one key of `role` (and `tier`, else the role's default) with the stack's admin key. */
export async function createKey(baseUrl: string, adminKey: string, role: "app" | "operator" | "admin", tier?: Tier): Promise<string> {
  const res = await fetch(`${baseUrl}/v1/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    body: JSON.stringify({ role, name: `bench-${role}${tier ? `-${tier}` : ""}`, ...(tier ? { tier } : {}) }),
  });
  if (res.status !== 201) throw new Error(`key creation: ${res.status} ${await res.text()}`);
  const created = (await res.json()) as { key: string; tier: Tier };
  if (tier && created.tier !== tier) throw new Error(`key creation: asked for tier ${tier}, got ${created.tier}`);
  return created.key;
}

/**
 * Requests sent with the bench key per fixed window of the limit's period, aligned as the
 * gateway's in-isolate limiter aligns them (multiples of the period since the epoch, same clock):
 * tells a 429 of the limit working (its window got more than the tier allows) from one that is not.
 */
const sentByWindow = new Map<number, number>();
const WINDOW_MS = LIMITS.high.period * 1000;

/** Counts one request sent with the bench key (runPhase does; other senders call it too). */
export function countSent(now = Date.now()): void {
  const w = now - (now % WINDOW_MS);
  sentByWindow.set(w, (sentByWindow.get(w) ?? 0) + 1);
}

/** The most requests sent in one limit window overlapping [from, to] (Date.now() times). */
export function busiestWindow(from: number, to: number): number {
  let most = 0;
  for (const [w, n] of sentByWindow) if (w + WINDOW_MS > from && w <= to) most = Math.max(most, n);
  return most;
}

/**
 * A line for a phase that met 429s: when a window of the phase got more than the tier allows,
 * that is the limit working (the refused requests are counted apart and left out of req/s and
 * latencies); otherwise it is not expected.
 */
export function limitNote(name: string, tier: Tier, refused: number, attempted: number, from: number, to: number): string | undefined {
  if (refused === 0) return undefined;
  const rate = `${((attempted * 1000) / (to - from)).toFixed(0)} requests a second`;
  const most = busiestWindow(from, to);
  if (tier === "unlimited") return `${name}: ${refused} × 429 at ${rate} on an unlimited key: NOT expected`;
  const { limit, period } = LIMITS[tier];
  const window = `${most.toLocaleString("en")} sent in its busiest ${period} s window, ${limit.toLocaleString("en")} allowed`;
  return most > limit
    ? `${name}: ${refused} × 429 at ${rate} (${window}): over the ${tier} tier's ${tierPerSecond(tier)!.toLocaleString("en")} a second, the limit working; --tier unlimited measures the stack without it`
    : `${name}: ${refused} × 429 at ${rate} (${window}): under the ${tier} tier's limit, NOT expected`;
}

export interface BenchRequest {
  method: string;
  path: string;
  body?: unknown;
  /** Called with the parsed body of a 2xx answer (e.g. to tally what the stack acknowledged). */
  onOk?: (body: unknown) => void;
}

export interface Phase {
  name: string;
  ok: number;
  /** 429 answers: the key's rate limit refused them (counted apart from `other`). */
  limited: number;
  /** Other non-2xx answers by status; 0 counts dropped connections. */
  other: Map<number, number>;
  /** Sorted latencies of the 2xx answers, in ms. */
  latencies: number[];
  ms: number;
  /** Wall-clock start and end (Date.now()), to find the phase's limit windows. */
  from: number;
  to: number;
}

/**
 * `concurrency` loops, each sending the next request as soon as its previous one answered,
 * until the phase's time is up (or `untilOk` requests succeeded). Every request carries the one
 * app key, as a platform's backend calls.
 */
export async function runPhase(options: {
  name: string;
  baseUrl: string;
  key: string;
  concurrency: number;
  ms: number;
  untilOk?: number;
  next: () => BenchRequest;
}): Promise<Phase> {
  const out: Phase = { name: options.name, ok: 0, limited: 0, other: new Map(), latencies: [], ms: 0, from: Date.now(), to: 0 };
  const started = performance.now();
  const deadline = started + options.ms;
  const count = (status: number) => out.other.set(status, (out.other.get(status) ?? 0) + 1);
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < deadline && (options.untilOk === undefined || out.ok < options.untilOk)) {
        const req = options.next();
        const t = performance.now();
        let res: Response;
        let text: string;
        countSent();
        try {
          res = await fetch(`${options.baseUrl}${req.path}`, {
            method: req.method,
            headers: { authorization: `Bearer ${options.key}`, ...(req.body !== undefined ? { "content-type": "application/json" } : {}) },
            body: req.body !== undefined ? JSON.stringify(req.body) : undefined,
          });
          text = await res.text();
        } catch {
          // A dropped connection: the request may or may not have taken effect.
          count(0);
          continue;
        }
        if (res.status >= 200 && res.status < 300) {
          out.ok++;
          out.latencies.push(performance.now() - t);
          req.onOk?.(text ? JSON.parse(text) : undefined);
        } else if (res.status === 429) out.limited++;
        else count(res.status);
      }
    }),
  );
  out.ms = performance.now() - started;
  out.to = Date.now();
  out.latencies.sort((a, b) => a - b);
  return out;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Requests answered in the phase (any status, dropped connections included). */
export function attempted(p: Phase): number {
  return p.ok + p.limited + [...p.other.values()].reduce((a, b) => a + b, 0);
}

/**
 * The results table: req/s and latencies of the 2xx answers; 429s in their own column, with a
 * line per phase that met them saying whether that was the tier's limit working.
 */
export function printPhases(phases: Phase[], tier: Tier): void {
  const width = Math.max(...phases.map((p) => p.name.length), 5) + 2;
  console.log("phase".padEnd(width), "req/s".padStart(7), "p50 ms".padStart(8), "p99 ms".padStart(8), "ok".padStart(7), "429".padStart(6), "  other non-2xx");
  for (const p of phases) {
    console.log(
      p.name.padEnd(width),
      ((p.ok * 1000) / p.ms).toFixed(0).padStart(7),
      percentile(p.latencies, 50).toFixed(1).padStart(8),
      percentile(p.latencies, 99).toFixed(1).padStart(8),
      String(p.ok).padStart(7),
      String(p.limited).padStart(6),
      "  " + ([...p.other].map(([s, n]) => `${s}×${n}`).join(" ") || "-"),
    );
  }
  const notes = phases.map((p) => limitNote(p.name, tier, p.limited, attempted(p), p.from, p.to)).filter((n) => n !== undefined);
  const errors = phases.reduce((n, p) => n + [...p.other.values()].reduce((a, b) => a + b, 0), 0);
  console.log(`\none app key, tier ${tier}${tierPerSecond(tier) === null ? " (no rate limit)" : ` (${tierPerSecond(tier)!.toLocaleString("en")} requests a second)`}`);
  for (const note of notes) console.log(note);
  if (errors > 0) console.log(`${errors} answers other than 2xx and 429: not a clean run`);
}
