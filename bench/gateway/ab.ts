// `npx tsx bench/gateway/ab.ts <other checkout>`: the gateway's cost in this checkout against
// another (e.g. `git archive <commit> | tar -x -C dir` with a node_modules symlink), both stacks
// running at once and their phases interleaved (ABBA per round), so the load of a shared machine
// hits both alike. Three kinds of request, the same 0.4–1.4 KB JSON bodies on both sides:
//   forwarded  POST /v1/screen/noop: route, key, limit, body checks, forwarding to screening's
//              no-op and back (the benchmarks' baseline)
//   gateway    the same with `content-type: text/plain`: refused 415 by the gateway itself after
//              the route, key and rate-limit checks, so nothing is forwarded
//   floor      GET of an unknown /v1 path: 404 before any key or body is looked at (loopback,
//              wrangler dev's proxy, the app's middleware and its log line: what every request pays)
// Here one app key of BENCH_TIER (default high); there OTHER_KEYS app keys in turn, created
// without a tier, which gateways before and after tiers accept (before them, each key had 600 a minute).
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { makeBenchData, mulberry32 } from "../engine/data";
import { benchTier, countSent, createKey, percentile, withStack, type Stack } from "../support/load";

const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? 5_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const OTHER_KEYS = Number(process.env.OTHER_KEYS ?? 60);
const TIER = benchTier(process.argv.slice(3));

interface Side {
  name: string;
  stack: Stack;
  keys: string[];
}
interface Result {
  rps: number;
  p50: number;
  p99: number;
  unexpected: Map<number, number>;
}

async function otherKeys(stack: Stack, count: number): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${stack.baseUrl}/v1/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ role: "app", name: `bench-ab-${i}` }),
    });
    if (res.status !== 201) throw new Error(`key creation (other checkout): ${res.status} ${await res.text()}`);
    keys.push(((await res.json()) as { key: string }).key);
  }
  return keys;
}

/** Closed loops for PHASE_MS; latencies of the answers with the expected status only. */
async function phase(side: Side, kind: Kind, bodies: string[]): Promise<Result> {
  const latencies: number[] = [];
  const unexpected = new Map<number, number>();
  let turn = 0;
  const started = performance.now();
  const deadline = started + PHASE_MS;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const i = turn++;
        if (side.keys.length === 1 && kind.method === "POST") countSent();
        const t = performance.now();
        let status = 0;
        try {
          const res = await fetch(`${side.stack.baseUrl}${kind.path}`, kind.method === "GET" ? {} : {
            method: kind.method,
            headers: { authorization: `Bearer ${side.keys[i % side.keys.length]}`, "content-type": kind.contentType },
            body: bodies[i % bodies.length],
          });
          await res.arrayBuffer();
          status = res.status;
        } catch {
          /* a dropped connection: counted as status 0 */
        }
        if (status === kind.expected) latencies.push(performance.now() - t);
        else unexpected.set(status, (unexpected.get(status) ?? 0) + 1);
      }
    }),
  );
  const ms = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return { rps: (latencies.length * 1000) / ms, p50: percentile(latencies, 50), p99: percentile(latencies, 99), unexpected };
}

interface Kind {
  name: string;
  method: "GET" | "POST";
  path: string;
  contentType: string;
  expected: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const otherRoot = process.argv[2];
  if (!otherRoot) throw new Error("usage: npx tsx bench/gateway/ab.ts <other checkout> [--tier high|unlimited]");
  const { startStack } = (await import(pathToFileURL(join(resolve(otherRoot), "scripts/stack.mjs")).href)) as { startStack: () => Promise<Stack> };

  const data = makeBenchData(2_000, 200_000);
  const rnd = mulberry32(11);
  const bodies = Array.from({ length: 200 }, () => {
    const start = Math.floor(rnd() * (data.text.length - 2000));
    return JSON.stringify({ accountId: "acc_bench", kind: "post", text: data.text.slice(start, start + 400 + Math.floor(rnd() * 1000)) });
  });

  await withStack(async (here) => {
    console.log(`starting the other stack (${otherRoot})...`);
    const there = await startStack();
    try {
      const sides: Side[] = [
        { name: "this checkout", stack: here, keys: [await createKey(here.baseUrl, here.adminKey, "app", TIER)] },
        { name: "other checkout", stack: there, keys: await otherKeys(there, OTHER_KEYS) },
      ];
      const kinds: Kind[] = [
        { name: "forwarded: POST /v1/screen/noop → 200", method: "POST", path: "/v1/screen/noop", contentType: "application/json", expected: 200 },
        { name: "gateway alone: the same as text/plain → 415", method: "POST", path: "/v1/screen/noop", contentType: "text/plain", expected: 415 },
        { name: "floor: GET /v1/no-such-route → 404", method: "GET", path: "/v1/no-such-route", contentType: "", expected: 404 },
      ];
      // Warm both: isolates, key caches, the screening worker's route.
      for (const side of sides) for (const kind of kinds.filter((x) => x.method === "POST")) await Promise.all(side.keys.map((k) => fetch(`${side.stack.baseUrl}/v1/screen/noop`, { method: "POST", headers: { authorization: `Bearer ${k}`, "content-type": kind.contentType }, body: bodies[0] }).then((r) => r.arrayBuffer())));

      const results = kinds.map(() => sides.map(() => [] as Result[]));
      for (let r = 0; r < ROUNDS; r++) {
        for (const [k, kind] of kinds.entries()) {
          const order = r % 2 === 0 ? [0, 1] : [1, 0];
          for (const s of order) results[k]![s]!.push(await phase(sides[s]!, kind, bodies));
        }
        process.stdout.write(`round ${r + 1}/${ROUNDS} done\n`);
      }

      console.log(`\n${ROUNDS} rounds (ABBA), ${PHASE_MS / 1000} s per phase, ${CONCURRENCY} concurrent requests, 0.4–1.4 KB bodies; this checkout: one app key of tier ${TIER}; other: ${OTHER_KEYS} app keys in turn\n`);
      for (const [k, kind] of kinds.entries()) {
        console.log(kind.name);
        for (const [s, side] of sides.entries()) {
          const rs = results[k]![s]!;
          const bad = rs.flatMap((x) => [...x.unexpected].map(([st, n]) => `${st}×${n}`));
          console.log(
            `  ${side.name.padEnd(16)} req/s ${rs.map((x) => x.rps.toFixed(0)).join(", ")} (median ${median(rs.map((x) => x.rps)).toFixed(0)}); p50 ms median ${median(rs.map((x) => x.p50)).toFixed(1)}; p99 ms median ${median(rs.map((x) => x.p99)).toFixed(1)}${bad.length ? `; unexpected ${bad.join(" ")}` : ""}`,
          );
        }
        const ratios = results[k]![0]!.map((x, r) => x.rps / results[k]![1]![r]!.rps);
        console.log(`  this / other per round: ${ratios.map((x) => `${(x * 100).toFixed(0)}%`).join(", ")}; median ${(median(ratios) * 100).toFixed(0)}%\n`);
      }
    } finally {
      await there.stop();
    }
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
