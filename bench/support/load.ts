// Pieces every load benchmark shares: the local stack's lifetime, API keys for it, a
// closed-loop load phase over loopback, percentiles and the results table.
import { startStack } from "../../scripts/stack.mjs";

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

/** Creates `count` keys of `role` with the stack's admin key (the gateway limits each key per minute). */
export async function createKeys(baseUrl: string, adminKey: string, role: "app" | "operator" | "admin", count: number): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${baseUrl}/v1/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ role, name: `bench-${role}-${i}` }),
    });
    if (res.status !== 201) throw new Error(`key creation: ${res.status} ${await res.text()}`);
    keys.push(((await res.json()) as { key: string }).key);
  }
  return keys;
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
  /** Non-2xx answers by status; 0 counts dropped connections. */
  other: Map<number, number>;
  /** Sorted latencies of the 2xx answers, in ms. */
  latencies: number[];
  ms: number;
}

/**
 * `concurrency` loops, each sending the next request as soon as its previous one answered,
 * until the phase's time is up (or `untilOk` requests succeeded). Keys rotate per request.
 */
export async function runPhase(options: {
  name: string;
  baseUrl: string;
  keys: string[];
  concurrency: number;
  ms: number;
  untilOk?: number;
  next: () => BenchRequest;
}): Promise<Phase> {
  const out: Phase = { name: options.name, ok: 0, other: new Map(), latencies: [], ms: 0 };
  let turn = 0;
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
        try {
          res = await fetch(`${options.baseUrl}${req.path}`, {
            method: req.method,
            headers: { authorization: `Bearer ${options.keys[turn++ % options.keys.length]}`, ...(req.body !== undefined ? { "content-type": "application/json" } : {}) },
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
        } else count(res.status);
      }
    }),
  );
  out.ms = performance.now() - started;
  out.latencies.sort((a, b) => a - b);
  return out;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function printPhases(phases: Phase[]): void {
  const width = Math.max(...phases.map((p) => p.name.length), 5) + 2;
  console.log("phase".padEnd(width), "req/s".padStart(7), "p50 ms".padStart(8), "p99 ms".padStart(8), "ok".padStart(7), "  non-2xx");
  for (const p of phases) {
    console.log(
      p.name.padEnd(width),
      ((p.ok * 1000) / p.ms).toFixed(0).padStart(7),
      percentile(p.latencies, 50).toFixed(1).padStart(8),
      percentile(p.latencies, 99).toFixed(1).padStart(8),
      String(p.ok).padStart(7),
      "  " + ([...p.other].map(([s, n]) => `${s}×${n}`).join(" ") || "-"),
    );
  }
}
