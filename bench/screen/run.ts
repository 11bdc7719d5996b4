// `npm run bench:screen`: POST /v1/screen on the local stack (loopback only, bounded in time)
// with a 50,000-term published policy and 1–4 KB posts, beside a baseline measured in the same
// run: an authenticated no-op POST with the same bodies through the same gateway and worker
// (the cost of auth and forwarding alone). Also prints import, publish and first-load times, and
// the engine time per 4 KB post measured in-process with the same engine and the same terms.
import autocannon, { type Result } from "autocannon";
import { makeBenchData, mulberry32 } from "../engine/data";
import { benchTier, countSent, createKey, limitNote, withStack } from "../support/load";
import { localD1 } from "../support/local-d1";
import { compile, load } from "../../workers/screening/engine/index";

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
// Baseline and screening phases alternate this many times: drift on a shared machine hits both alike.
const ROUNDS_OF_LOAD = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const TERMS = 50_000;
const POSTS = 400;
// One app key of the `high` tier, as a platform's backend calls (`--tier unlimited`: no limiter).
const TIER = benchTier();
// Categories that decide by severity (political_news is left out: it gates on licences).
const CATEGORIES = ["terrorism", "violence", "pornography", "rumour", "fraud"];


function fmt(n: number, d = 0) {
  return n.toFixed(d).padStart(9);
}

async function main() {
  const data = makeBenchData(TERMS, 1_000_000);
  const rnd = mulberry32(7);
  // Posts of 1–4 KB (UTF-8) cut from the benchmark text, which embeds terms every few hundred characters.
  const posts: string[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < POSTS; i++) {
    const targetBytes = 1024 + Math.floor(rnd() * 3072);
    const start = Math.floor(rnd() * (data.text.length - 5000));
    let s = data.text.slice(start, start + targetBytes);
    while (enc.encode(s).length > targetBytes) s = s.slice(0, -16);
    posts.push(s.replace(/[\uD800-\uDBFF]$/, "").replace(/^[\uDC00-\uDFFF]/, ""));
  }

  await withStack(async (stack) => {
    const admin = { authorization: `Bearer ${stack.adminKey}`, "content-type": "application/json" };
    const key = await createKey(stack.baseUrl, stack.adminKey, "app", TIER);
    // A fresh headers object per request: autocannon writes content-length into the one it gets.
    const app = () => ({ authorization: `Bearer ${key}`, "content-type": "application/json" });
    const appFetch = (path: string, body: string) => {
      countSent();
      return fetch(`${stack.baseUrl}${path}`, { method: "POST", headers: app(), body });
    };

    // Accounts are written by registration; seed a verified one straight into the stack's local D1.
    const accountId = `acc_bench${Date.now().toString(36)}`;
    const now = Date.now();
    const seed = `INSERT INTO accounts (id, handle, display_name, kind, status, created_at, updated_at, verified_at) VALUES ('${accountId}', 'bench_${accountId}', 'Bench', 'public', 'verified', ${now}, ${now}, ${now});`;
    localD1(stack.state, seed);

    // One list per category; terms spread round-robin, severities 1–10.
    const rows: { pattern: string; severity: number }[][] = CATEGORIES.map(() => []);
    data.terms.forEach((pattern, i) => rows[i % CATEGORIES.length]!.push({ pattern, severity: 1 + (i % 10) }));
    let importMs = 0;
    for (const [i, category] of CATEGORIES.entries()) {
      const list = await fetch(`${stack.baseUrl}/v1/term-lists`, { method: "POST", headers: admin, body: JSON.stringify({ name: `bench-${category}`, category }) });
      if (list.status !== 201) throw new Error(`list: ${list.status} ${await list.text()}`);
      const { id } = (await list.json()) as { id: string };
      const t = performance.now();
      const imp = await fetch(`${stack.baseUrl}/v1/term-lists/${id}/terms`, { method: "POST", headers: admin, body: JSON.stringify(rows[i]) });
      importMs += performance.now() - t;
      if (imp.status !== 201) throw new Error(`import: ${imp.status} ${(await imp.text()).slice(0, 2000)}`);
    }
    let t = performance.now();
    const pub = await fetch(`${stack.baseUrl}/v1/policy/publish`, { method: "POST", headers: { authorization: admin.authorization } });
    const publishMs = performance.now() - t;
    if (pub.status !== 201) throw new Error(`publish: ${pub.status} ${await pub.text()}`);
    const version = (await pub.json()) as { version: number; termCount: number; byteSize: number };

    // First screen request: the isolate loads the matcher (reported in server-timing).
    t = performance.now();
    const first = await appFetch("/v1/screen", JSON.stringify({ accountId, kind: "post", text: posts[0] }));
    const firstMs = performance.now() - t;
    const firstTiming = first.headers.get("server-timing");
    const firstBody = (await first.json()) as { verdict: string; reasons: unknown[] };
    if (first.status !== 200) throw new Error(`screen: ${first.status} ${JSON.stringify(firstBody)}`);

    let turn = 0;
    // Each phase with its wall-clock span, to tell the tier's limit working from other 429s.
    type Run = Result & { name: string; from: number; to: number };
    const run = async (name: string, path: string): Promise<Run> => {
      const from = Date.now();
      const result = await autocannon({
        url: stack.baseUrl,
        connections: CONNECTIONS,
        duration: DURATION_S,
        requests: [
          {
            setupRequest: (req) => {
              const i = turn++;
              countSent();
              return { ...req, method: "POST", path, headers: app(), body: JSON.stringify({ accountId, kind: "post", text: posts[i % posts.length] }) };
            },
          },
        ],
      });
      return Object.assign(result, { name, from, to: Date.now() });
    };

    // Warm both paths a little, then measure alternating rounds: baseline, screening, ... baseline.
    await Promise.all(Array.from({ length: 20 }, () => appFetch("/v1/screen/noop", "{}")));
    const baselines: Run[] = [await run("baseline: POST /v1/screen/noop (1)", "/v1/screen/noop")];
    const screens: Run[] = [];
    for (let r = 0; r < ROUNDS_OF_LOAD; r++) {
      screens.push(await run(`POST /v1/screen (${r + 1})`, "/v1/screen"));
      baselines.push(await run(`baseline: POST /v1/screen/noop (${r + 2})`, "/v1/screen/noop"));
    }

    // Sequential requests after the load: the worker's own phase timings (server-timing, wall clock).
    const phases: Record<string, number[]> = {};
    for (let i = 0; i < 40; i++) {
      const res = await appFetch("/v1/screen", JSON.stringify({ accountId, kind: "post", text: posts[i % posts.length] }));
      await res.text();
      for (const part of (res.headers.get("server-timing") ?? "").split(",")) {
        const m = /^\s*([\w-]+).*dur=([\d.]+)/.exec(part);
        if (m) (phases[m[1]!] ??= []).push(Number(m[2]));
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    const workerPhases = Object.entries(phases).map(([k, v]) => `${k} ${median(v)} ms`).join(", ");

    const cache = (await (await fetch(`${stack.baseUrl}/v1/policy/cache`, { headers: { authorization: admin.authorization } })).json()) as Record<string, unknown>;
    const verdicts = await appFetch("/v1/screen", JSON.stringify({ accountId, kind: "post", text: posts[1] }));
    const sample = (await verdicts.json()) as { verdict: string; reasons: unknown[] };

    // Engine time per 4 KB post, in-process (Node) with the same engine, terms and posts.
    const entries = data.terms.map((pattern, i) => ({ id: i + 1, pattern, category: CATEGORIES[i % CATEGORIES.length]!, severity: 1 + (i % 10) }));
    const matcher = load(compile(entries).serialize());
    const fourK = posts.map((p) => {
      let s = p;
      while (enc.encode(s).length < 4096) s += p;
      while (enc.encode(s).length > 4096) s = s.slice(0, -8);
      return s.replace(/[\uD800-\uDBFF]$/, "");
    });
    for (let i = 0; i < 200; i++) matcher.findAll(fourK[i % fourK.length]!);
    let matches = 0;
    const ROUNDS = 5000;
    t = performance.now();
    for (let i = 0; i < ROUNDS; i++) matches += matcher.findAll(fourK[i % fourK.length]!).length;
    const engineUs = ((performance.now() - t) * 1000) / ROUNDS;

    // Answered requests a second, 2xx only: 429s (the tier's limit) are counted apart.
    const rps = (x: Result) => (x["2xx"] ?? 0) / x.duration;
    const refused = (x: Result) => x.statusCodeStats?.["429"]?.count ?? 0;
    // Each screening phase against the mean of the baselines just before and after it.
    const ratios = screens.map((x, r) => rps(x) / ((rps(baselines[r]!) + rps(baselines[r + 1]!)) / 2));
    const medianRatio = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)]!;
    const line = (x: Run) =>
      console.log(`${x.name.padEnd(38)}${fmt(rps(x))}${fmt(x.latency.p50, 1)}${fmt(x.latency.p99, 1)}${fmt(x.requests.total)}${fmt(refused(x))}   ${x.non2xx - refused(x)}/${x.errors}`);
    console.log(`\n${TERMS} terms in ${CATEGORIES.length} lists; ${POSTS} posts of 1–4 KB; ${DURATION_S} s per phase, ${ROUNDS_OF_LOAD} rounds, ${CONNECTIONS} connections, loopback, one app key of tier ${TIER}\n`);
    console.log(`import (5 calls of 10,000 rows)      ${importMs.toFixed(0)} ms`);
    console.log(`publish (compile + store)            ${publishMs.toFixed(0)} ms, version ${version.version}, ${(version.byteSize / 1e6).toFixed(1)} MB serialized`);
    console.log(`first screen request                 ${firstMs.toFixed(0)} ms (server-timing: ${firstTiming ?? "none"})`);
    console.log(`isolate cache                        ${JSON.stringify(cache)}`);
    console.log(`worker phases (median of 40 sequential requests): ${workerPhases}`);
    console.log(`sample verdict                       ${sample.verdict}, ${sample.reasons.length} reasons\n`);
    console.log("phase                              2xx req/s   p50 ms   p99 ms    total      429   other non2xx/errors");
    baselines.forEach((b, r) => {
      line(b);
      if (screens[r]) line(screens[r]!);
    });
    const codes = (xs: Result[]) => {
      const total: Record<string, number> = {};
      for (const x of xs) for (const [k, v] of Object.entries(x.statusCodeStats ?? {})) total[k] = (total[k] ?? 0) + v.count;
      return JSON.stringify(total);
    };
    console.log(`status codes: baseline ${codes(baselines)}, screen ${codes(screens)}`);
    const all = baselines.flatMap((b, r) => (screens[r] ? [b, screens[r]!] : [b]));
    const notes = all.map((x) => limitNote(x.name, TIER, refused(x), x.requests.total, x.from, x.to)).filter((n) => n !== undefined);
    // autocannon's latencies include the 429s: with refusals they are not the stack's.
    for (const note of notes) console.log(`${note} (this phase's latencies include the refused requests)`);
    const errors = all.reduce((n, x) => n + x.non2xx - refused(x) + x.errors, 0);
    if (errors > 0) console.log(`${errors} answers other than 2xx and 429, or errors: not a clean run`);
    if (process.env.BENCH_DEBUG) console.log(stack.output().split("\n").filter((l) => /"level":"(error|warn)"|Error/.test(l)).slice(-30).join("\n"));
    console.log(`\nscreening throughput per round: ${ratios.map((x) => `${(x * 100).toFixed(0)}%`).join(", ")} of the surrounding baselines; median ${(medianRatio * 100).toFixed(0)}% (target ≥ 70%)`);
    console.log(`engine time per 4 KB post (in-process, Node, same engine and terms): ${engineUs.toFixed(0)} µs, ${(matches / ROUNDS).toFixed(1)} matches per post`);
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
