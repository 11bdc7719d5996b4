// `npm run bench:reposts`: spread counting on the local stack (loopback only, bounded in time).
// One hot post (by a public account, so sharded over HOT_SHARDS objects) and many cold posts,
// each phase beside a no-op baseline through the same gateway and worker (an authenticated
// GET of a post's spread: the same auth, routing and D1 post lookup, minus the counting object).
// Ends by checking that the final counts (live and flushed to D1) equal what was acknowledged.
import { randomBytes } from "node:crypto";
import { localD1 } from "../support/local-d1";
import { benchTier, countSent, createKey, printPhases, runPhase, withStack, type BenchRequest, type Phase } from "../support/load";

const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? 8_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const COLD_POSTS = 200;
// One app key of the `high` tier, as a platform's backend calls (`--tier unlimited`: no limiter).
const TIER = benchTier();

const id = (prefix: string) => `${prefix}_${Date.now().toString(36)}${randomBytes(10).toString("hex")}`;

async function main() {
  await withStack(async (stack) => {
    const key = await createKey(stack.baseUrl, stack.adminKey, "app", TIER);

    // Posts are written by screening; seed them straight into the stack's local D1.
    const publisher = id("acc");
    const hot = id("pst");
    // An ordinary post (1 shard) driven past the default "hot" level (1,000 reposts): its
    // coordinator raises it to HOT_SHARDS mid-run while the reposts keep coming.
    const rising = id("pst");
    const cold = Array.from({ length: COLD_POSTS }, () => id("pst"));
    const now = Date.now();
    const postRow = (p: string, account: string) => `('${p}', '${account}', '${"0".repeat(64)}', 'post', 'allow', '[]', '[]', 1, ${now})`;
    const seed =
      `INSERT INTO accounts (id, handle, display_name, kind, status, created_at, updated_at) VALUES ('${publisher}', 'bench_${publisher}', 'Bench', 'public', 'verified', ${now}, ${now});` +
      `INSERT INTO posts (id, account_id, content_hash, kind, verdict, reasons, categories, policy_version, created_at) VALUES ${[postRow(hot, publisher), postRow(rising, id("acc")), ...cold.map((p) => postRow(p, id("acc")))].join(",")};`;
    const d1 = (command: string) => localD1(stack.state, command);
    d1(seed);

    const send = (method: string, path: string, body?: unknown) => {
      countSent();
      return fetch(`${stack.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    };

    const phase = (name: string, next: () => BenchRequest, until: { ms?: number; ok?: number } = {}) =>
      runPhase({ name, baseUrl: stack.baseUrl, key, concurrency: CONCURRENCY, ms: until.ms ?? PHASE_MS, untilOk: until.ok, next });

    // Expected totals: what the stack acknowledged with 200 (a failed request counts nothing).
    const expected = new Map<string, { reposts: Set<string>; views: number }>();
    const expect = (p: string) => {
      let e = expected.get(p);
      if (!e) expected.set(p, (e = { reposts: new Set(), views: 0 }));
      return e;
    };
    let n = 0;
    let hotSent = 0;
    const results: Phase[] = [];

    results.push(await phase("no-op baseline (GET spread)", () => ({ method: "GET", path: `/v1/posts/${cold[n++ % COLD_POSTS]}/spread` })));
    results.push(
      await phase("hot post: reposts (10% repeats)", () => {
        // Its own counter: every 10th request repeats an account this phase already sent.
        const i = hotSent++;
        const account = i % 10 === 0 && i > 0 ? `hot-${Math.floor(i / 2)}` : `hot-${i}`;
        return { method: "POST", path: `/v1/posts/${hot}/reposts`, body: { accountId: account }, onOk: () => expect(hot).reposts.add(account) };
      }),
    );
    results.push(
      await phase(`cold posts (${COLD_POSTS}): reposts`, () => {
        const i = n++;
        const post = cold[i % COLD_POSTS]!;
        const account = `cold-${i}`;
        return { method: "POST", path: `/v1/posts/${post}/reposts`, body: { accountId: account }, onOk: () => expect(post).reposts.add(account) };
      }),
    );
    results.push(
      await phase("hot post: view batches of 10", () => ({ method: "POST", path: `/v1/posts/${hot}/views`, body: { count: 10 }, onOk: () => (expect(hot).views += 10) })),
    );
    results.push(
      await phase(
        "rising post: 1,400 reposts, raised 1->8",
        () => {
          const account = `rise-${n++}`;
          return { method: "POST", path: `/v1/posts/${rising}/reposts`, body: { accountId: account }, onOk: () => expect(rising).reposts.add(account) };
        },
        { ok: 1400, ms: 30_000 },
      ),
    );
    results.push(await phase("no-op baseline again", () => ({ method: "GET", path: `/v1/posts/${cold[n++ % COLD_POSTS]}/spread` })));

    console.log(`\nphases of ${PHASE_MS / 1000} s, ${CONCURRENCY} concurrent requests, loopback\n`);
    printPhases(results, TIER);

    // Shards report every 250 ms and the coordinator flushes to D1 every second: wait for both.
    const mismatches: string[] = [];
    const deadline = Date.now() + 20_000;
    let pending = [...expected.entries()];
    while (pending.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      const still: typeof pending = [];
      for (const [post, e] of pending) {
        const d1 = (await (await send("GET", `/v1/posts/${post}/spread`)).json()) as { reposts: number; views: number };
        if (d1.reposts !== e.reposts.size || d1.views !== e.views) still.push([post, e]);
      }
      pending = still;
    }
    for (const [post, e] of pending) {
      const d1 = (await (await send("GET", `/v1/posts/${post}/spread`)).json()) as { reposts: number; views: number };
      mismatches.push(`${post === hot ? "hot" : post === rising ? "rising" : post}: D1 ${d1.reposts}/${d1.views}, sent ${e.reposts.size}/${e.views}`);
    }
    const hotLive = (await (await send("GET", `/v1/posts/${hot}/spread?live=1`)).json()) as { reposts: number; views: number; levels: { name: string }[] };
    const hotExp = expected.get(hot)!;
    if (hotLive.reposts !== hotExp.reposts.size || hotLive.views !== hotExp.views) mismatches.push(`hot live: ${hotLive.reposts}/${hotLive.views}`);
    const coldTotal = cold.reduce((s, p) => s + (expected.get(p)?.reposts.size ?? 0), 0);
    console.log(
      `\nhot post: ${hotExp.reposts.size} distinct reposts, ${hotExp.views} views acknowledged; live ${hotLive.reposts}/${hotLive.views}; levels ${hotLive.levels.map((l) => l.name).join(", ") || "none"}`,
    );
    console.log(`cold posts: ${coldTotal} reposts acknowledged over ${COLD_POSTS} posts`);
    const layout = d1(`SELECT shards, shard_history FROM post_spread WHERE root_post_id = '${rising}'`)[0]?.results[0];
    console.log(`rising post layout: ${layout?.shards} shards now, earlier epochs ${layout?.shard_history}`);
    const risingLive = (await (await send("GET", `/v1/posts/${rising}/spread?live=1`)).json()) as { reposts: number; levels: { name: string }[] };
    console.log(
      `rising post: ${expected.get(rising)?.reposts.size ?? 0} reposts acknowledged; live ${risingLive.reposts}; levels ${risingLive.levels.map((l) => l.name).join(", ")}`,
    );
    if (mismatches.length > 0) {
      console.log(`COUNT MISMATCH (${mismatches.length}):\n  ${mismatches.slice(0, 10).join("\n  ")}`);
      process.exitCode = 1;
    } else console.log("final counts (live and flushed to D1) equal what was acknowledged: OK");
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
