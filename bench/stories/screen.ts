// `npm run bench:stories -- --screen` (or `npx tsx bench/stories/screen.ts`): screening throughput
// with stories on against stories off. Two copies of the committed tree (`git archive HEAD`, a
// node_modules symlink), one with STORY_MIN_CHARS = "0" (no fingerprint, no story read or write),
// run at once with their phases interleaved (ABBA per round), so the load of a shared machine hits
// both alike. The posts are the labelled corpus's texts (bench/stories/corpus.ts: base texts and
// their edited copies, 60–400 characters), shuffled, from 20 verified accounts: the stories-on side
// joins copies to stories and starts new ones, as real traffic would. The published policy is the
// empty one the migrations publish (no terms): screening's own cost is at its lowest, so the ratio
// is the least favourable to stories.
import { execSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { mulberry32 } from "../engine/data";
import { createKey, percentile, type Stack } from "../support/load";
import { localD1 } from "../support/local-d1";
import { buildCorpus } from "./corpus";

const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? 5_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const ACCOUNTS = 20;
const root = join(import.meta.dirname, "..", "..");

interface Side {
  name: string;
  stack: Stack;
  key: string;
  accounts: string[];
}
interface Result {
  rps: number;
  p50: number;
  p99: number;
  other: number;
}

/** A copy of the committed tree; `off`: stories turned off in the screening worker's config. */
function checkout(off: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), `gatehouse-stories-${off ? "off" : "on"}-`));
  execSync(`git archive HEAD | tar -x -C ${dir}`, { cwd: root });
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  if (off) {
    const path = join(dir, "workers/screening/wrangler.toml");
    const config = readFileSync(path, "utf8");
    if (!config.includes('STORY_MIN_CHARS = "20"')) throw new Error("STORY_MIN_CHARS not found in the screening config");
    writeFileSync(path, config.replaceAll('STORY_MIN_CHARS = "20"', 'STORY_MIN_CHARS = "0"'));
  }
  return dir;
}

async function start(dir: string, name: string, texts: string[]): Promise<Side> {
  const { startStack } = (await import(pathToFileURL(join(dir, "scripts/stack.mjs")).href)) as { startStack: () => Promise<Stack> };
  console.log(`starting the stack with ${name}...`);
  const stack = await startStack();
  const now = Date.now();
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => `acc_bench${now.toString(36)}${i}`);
  localD1(
    stack.state,
    accounts.map((id) => `INSERT INTO accounts (id, handle, display_name, kind, status, created_at, updated_at, verified_at) VALUES ('${id}', 'h_${id}', 'Bench', 'personal', 'verified', ${now}, ${now}, ${now});`).join("\n"),
  );
  const key = await createKey(stack.baseUrl, stack.adminKey, "app", "unlimited");
  const side = { name, stack, key, accounts };
  // Warm: isolates, the policy, the facts cache.
  await Promise.all(texts.slice(0, 64).map((text, i) => screen(side, text, i)));
  return side;
}

function screen(side: Side, text: string, i: number): Promise<number> {
  return fetch(`${side.stack.baseUrl}/v1/screen`, {
    method: "POST",
    headers: { authorization: `Bearer ${side.key}`, "content-type": "application/json" },
    body: JSON.stringify({ accountId: side.accounts[i % side.accounts.length], kind: "post", text }),
  }).then(async (r) => {
    await r.arrayBuffer();
    return r.status;
  });
}

let cursor = 0;
async function phase(side: Side, texts: string[]): Promise<Result> {
  const latencies: number[] = [];
  let other = 0;
  const started = performance.now();
  const deadline = started + PHASE_MS;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const i = cursor++;
        const t = performance.now();
        const status = await screen(side, texts[i % texts.length]!, i).catch(() => 0);
        if (status === 200) latencies.push(performance.now() - t);
        else other++;
      }
    }),
  );
  const ms = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return { rps: (latencies.length * 1000) / ms, p50: percentile(latencies, 50), p99: percentile(latencies, 99), other };
}

export async function screenBench(): Promise<void> {
  const { bases, copies } = buildCorpus();
  const rnd = mulberry32(5);
  const texts = [...bases.map((b) => b.text), ...copies.map((c) => c.text)];
  for (let k = texts.length - 1; k > 0; k--) {
    const j = Math.floor(rnd() * (k + 1));
    [texts[k], texts[j]] = [texts[j]!, texts[k]!];
  }
  const dirs = [checkout(false), checkout(true)];
  const sides: Side[] = [];
  try {
    sides.push(await start(dirs[0]!, "stories on", texts));
    sides.push(await start(dirs[1]!, "stories off", texts));
    const results: Result[][] = [[], []];
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? [0, 1, 1, 0] : [1, 0, 0, 1];
      const round: Result[][] = [[], []];
      for (const s of order) round[s]!.push(await phase(sides[s]!, texts));
      for (const s of [0, 1]) {
        const a = round[s]!;
        results[s]!.push({ rps: (a[0]!.rps + a[1]!.rps) / 2, p50: (a[0]!.p50 + a[1]!.p50) / 2, p99: Math.max(a[0]!.p99, a[1]!.p99), other: a[0]!.other + a[1]!.other });
      }
      console.log(`round ${r + 1}: on ${results[0]![r]!.rps.toFixed(0)} req/s, off ${results[1]![r]!.rps.toFixed(0)} req/s, ratio ${((100 * results[0]![r]!.rps) / results[1]![r]!.rps).toFixed(0)} %`);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const ratios = results[0]!.map((on, r) => on.rps / results[1]![r]!.rps);
    console.log(`\nscreening (POST /v1/screen, ${CONCURRENCY} connections, ${ROUNDS} rounds of ABBA ${PHASE_MS / 1000} s phases, corpus texts, empty policy)`);
    console.log("| side | req/s (median of rounds) | p50 ms | p99 ms | answers other than 200 |");
    console.log("|---|---:|---:|---:|---:|");
    for (const [s, side] of sides.entries()) {
      const rs = results[s]!;
      console.log(`| ${side.name} | ${median(rs.map((x) => x.rps)).toFixed(0)} | ${median(rs.map((x) => x.p50)).toFixed(1)} | ${median(rs.map((x) => x.p99)).toFixed(1)} | ${rs.reduce((n, x) => n + x.other, 0)} |`);
    }
    console.log(`stories on / off: median ${(100 * median(ratios)).toFixed(0)} % (rounds: ${ratios.map((x) => `${(100 * x).toFixed(0)} %`).join(", ")}); target ≥ 70 %`);
    const stories = localD1(sides[0]!.stack.state, "SELECT count(*) AS stories, sum(copies) AS copies, max(copies) AS largest FROM stories")[0]!.results[0]!;
    console.log(`stories on: ${String(stories.stories)} stories of ${String(stories.copies)} posts (largest ${String(stories.largest)})`);
  } finally {
    for (const side of sides) await side.stack.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await screenBench();
