// `npm run bench:exports`: the two regulator exports over 100,000 rows on the local stack.
// Seeds 100,000 audit entries and 100,000 moderation decisions (each with two signals, its post's
// content hash, every tenth with an appeal) straight into the stack's local D1, chains the audit
// entries and signs a checkpoint, then downloads GET /v1/exports/audit (NDJSON) and
// GET /v1/exports/reviews (CSV and NDJSON) while sampling the workerd process's resident memory.
// Checks each file parses back completely (the audit file also with scripts/verify-audit.mjs) and
// prints rows/s and memory. A 1,000-row export of each is measured first and the 100,000-row round
// twice, so the memory reads against both: bounded memory means the second round's peak is no
// higher than the first's.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCsv } from "../../test/support/csv";
import { localD1 } from "../support/local-d1";
import { createKey, withStack, type Stack } from "../support/load";

const ROWS = Number(process.env.BENCH_EXPORT_ROWS ?? 100_000);
const SMALL = 1_000;
const root = join(import.meta.dirname, "..", "..");
const BASE = Date.parse("2030-01-01T00:00:00Z");
/** Decisions are 10 ms apart from BASE. */
const decidedAt = (n: number) => BASE + n * 10;

function seed(stack: Stack) {
  const d1 = (sql: string) => localD1(stack.state, sql);
  const rows = `WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < ${ROWS})`;
  const now = Date.now() - 3_600_000;
  // Unchained entries, as writers leave them: the sequencer numbers and links them.
  d1(`INSERT INTO audit_log (id, at, actor_key_id, actor_role, action, subject_type, subject_id, reason, request_id, details)
      ${rows} SELECT printf('aud_bench%07d', n), ${now} + n, 'key_bench', 'operator', 'bench.seed', 'bench', printf('s%07d', n), 'seeded for the export benchmark', printf('req-%07d', n), json_object('n', n) FROM c`);
  d1(`INSERT INTO posts (id, account_id, content_hash, kind, verdict, reasons, categories, policy_version, created_at)
      ${rows} SELECT printf('pst_bench%07d', n), 'acc_bench', printf('%064x', n), 'post', 'review', '[]', '["rumour"]', 1, ${BASE} FROM c`);
  d1(`INSERT INTO moderation_decisions (id, review_item_id, subject_type, subject_id, action, target_type, target_id, reason, policy_version, decided_by, decided_at, status, applied_at)
      ${rows} SELECT printf('dcs_bench%07d', n), printf('rvw_bench%07d', n), 'post', printf('pst_bench%07d', n), CASE n % 3 WHEN 0 THEN 'remove_post' WHEN 1 THEN 'dismiss' ELSE 'label_post' END,
        'post', printf('pst_bench%07d', n), CASE WHEN n % 1000 = 0 THEN '=HYPERLINK("http://x.example")' ELSE 'confirmed, after review "' || n || '"' END,
        1, 'key_bench', ${BASE} + n * 10, 'applied', ${BASE} + n * 10 FROM c`);
  d1(`INSERT INTO review_signals (id, review_item_id, dedupe_key, subject_type, subject_id, source, reason_code, category, severity, status, created_at, closed_at)
      ${rows}, s(k, source, code) AS (VALUES (1, 'screening', 'term_match'), (2, 'report', 'reported_rumour'))
      SELECT printf('sig_bench%07d_%d', n, k), printf('rvw_bench%07d', n), printf('bench:%d:%d', n, k), 'post', printf('pst_bench%07d', n), source, code, 'rumour', 6 - k, 'closed', ${BASE} + n * 10 - 1000 + k, ${BASE} + n * 10 FROM c, s`);
  d1(`INSERT INTO appeals (id, decision_id, account_id, statement, subject_type, subject_id, review_item_id, status, outcome, reason, decided_by, decided_at, effect, created_at)
      ${rows} SELECT printf('apl_bench%07d', n), printf('dcs_bench%07d', n), 'acc_bench', 'statement never exported', 'post', printf('pst_bench%07d', n), NULL, 'decided',
        CASE WHEN n % 20 = 0 THEN 'reversed' ELSE 'upheld' END, 'second look', 'key_bench2', ${BASE} + n * 10 + 5, 'none', ${BASE} + n * 10 + 1 FROM c WHERE n % 10 = 0`);
}

/** The workerd processes of this stack: the process group of the `scripts/start.mjs` run on `state`. */
function workerdPids(state: string): number[] {
  const procs = readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  const read = (pid: string, file: string) => {
    try {
      return readFileSync(`/proc/${pid}/${file}`, "utf8");
    } catch {
      return "";
    }
  };
  const starter = procs.find((p) => read(p, "cmdline").includes("scripts/start.mjs") && read(p, "environ").split("\0").includes(`GATEHOUSE_STATE=${state}`));
  if (!starter) throw new Error("the stack's start.mjs process was not found");
  const pgid = (pid: string) => read(pid, "stat").split(") ")[1]?.split(" ")[2];
  const group = pgid(starter);
  return procs.filter((p) => pgid(p) === group && read(p, "cmdline").includes("workerd")).map(Number);
}

const rssOf = (pids: number[]) =>
  pids.reduce((sum, pid) => {
    try {
      return sum + Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
    } catch {
      return sum;
    }
  }, 0);

interface Download {
  /** The first try was cut by a restart of the workers: memory figures span a new workerd. */
  restarted?: boolean;
  text: string;
  bytes: number;
  seconds: number;
  rssBefore: number;
  rssPeak: number;
}

/** workerd's resident memory now (its processes looked up again: a restart gives new ones). */
const rssMb = (state: string) => rssOf(workerdPids(state));

/** Downloads one export, again if the stack restarted its workers mid-stream (a source file changed). */
async function download(url: string, key: string, state: string): Promise<Download> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { ...(await downloadOnce(url, key, state)), restarted: attempt > 1 };
    } catch (err) {
      if (attempt === 3) throw err;
      console.log(`${url}: ${(err as Error).message}; again`);
    }
  }
}

/** Downloads one export as a stream, sampling workerd's RSS every 25 ms. */
async function downloadOnce(url: string, key: string, state: string): Promise<Download> {
  let pids = workerdPids(state);
  const rssBefore = rssOf(pids);
  let rssPeak = rssBefore;
  let samples = 0;
  const sampler = setInterval(() => {
    if (++samples % 40 === 0) pids = workerdPids(state);
    rssPeak = Math.max(rssPeak, rssOf(pids));
  }, 25);
  const started = performance.now();
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    const res = await call(url, { headers: { authorization: `Bearer ${key}` } });
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      chunks.push(Buffer.from(chunk));
      bytes += chunk.byteLength;
    }
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - started) / 1000;
  rssPeak = Math.max(rssPeak, rssMb(state));
  return { text: Buffer.concat(chunks).toString("utf8"), bytes, seconds, rssBefore, rssPeak };
}

/**
 * fetch, once more on a fresh connection when a kept-alive one was closed by the server while
 * the benchmark was seeding (wrangler dev drops idle connections).
 */
async function call(url: string, init: RequestInit = {}): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (err) {
      // `fetch failed`: a closed keep-alive socket (UND_ERR_SOCKET, EPIPE, ECONNRESET). Only
      // idempotent calls come through here (GETs, and a checkpoint of the head).
      if (attempt === 3 || !(err instanceof TypeError)) throw err;
    }
  }
}

function check(cond: unknown, what: string): asserts cond {
  if (!cond) throw new Error(`check failed: ${what}`);
}

interface Row {
  restarted?: boolean;
  export: string;
  rows: number;
  mb: number;
  seconds: number;
  rssBefore: number;
  rssPeak: number;
}

async function main() {
  await withStack(async (stack) => {
    const key = await createKey(stack.baseUrl, stack.adminKey, "operator");
    check(workerdPids(stack.state).length > 0, "workerd processes found");
    console.log(`seeding ${ROWS.toLocaleString("en")} audit entries and ${ROWS.toLocaleString("en")} decisions (2 signals each, an appeal every 10th)...`);
    let t = performance.now();
    seed(stack);
    console.log(`seeded in ${((performance.now() - t) / 1000).toFixed(1)} s; workerd RSS ${rssMb(stack.state).toFixed(0)} MB`);

    // The sequencer chains every pending entry, then signs a checkpoint of the head.
    // (wrangler dev restarts the workers when a source file changes; chaining resumes where it stopped.)
    t = performance.now();
    let cp = await call(`${stack.baseUrl}/v1/audit/checkpoints`, { method: "POST", headers: { authorization: `Bearer ${key}` } });
    for (let retry = 0; cp.status === 503 && retry < 5; retry++) {
      console.log(`checkpoint: ${cp.status} ${await cp.text()}; again`);
      cp = await call(`${stack.baseUrl}/v1/audit/checkpoints`, { method: "POST", headers: { authorization: `Bearer ${key}` } });
    }
    check(cp.status === 201 || cp.status === 200, `checkpoint: ${cp.status} ${await cp.clone().text()}`);
    const { seq } = (await cp.json()) as { seq: number };
    const chainSeconds = (performance.now() - t) / 1000;
    console.log(`chained and signed up to seq ${seq} in ${chainSeconds.toFixed(1)} s (${((chainSeconds * 1e6) / seq).toFixed(0)} µs per entry)`);

    const results: Row[] = [];
    const dir = mkdtempSync(join(tmpdir(), "gatehouse-exports-"));
    const publicKey = await (await call(`${stack.baseUrl}/v1/audit/public-key`)).text();
    writeFileSync(join(dir, "public-key.json"), publicKey);

    // The 100,000-row round twice: memory that grew with the rows would grow again in the second.
    for (const size of [SMALL, ROWS, ROWS]) {
      // The audit chain 1..size (the range ends at a seeded entry; the checkpoint is at the head).
      const audit = await download(`${stack.baseUrl}/v1/exports/audit?from=1&to=${size === ROWS ? seq : size}&format=ndjson`, key, stack.state);
      const lines = audit.text.trimEnd().split("\n").map((l) => JSON.parse(l) as { type: string; seq?: number });
      const entries = lines.filter((l) => l.type === "entry");
      check(entries.length === (size === ROWS ? seq : size), `audit entries ${entries.length}`);
      check(entries.every((e, i) => e.seq === i + 1), "audit entries in order, without a gap");
      const file = join(dir, `audit-${size}.ndjson`);
      writeFileSync(file, audit.text);
      const verified = spawnSync(process.execPath, [join(root, "scripts/verify-audit.mjs"), file, "--public-key", join(dir, "public-key.json")], { encoding: "utf8" });
      check(verified.status === 0, `verify-audit: ${verified.stdout}${verified.stderr}`);
      console.log(`audit ${size}: ${verified.stdout.trim()}`);
      results.push({ export: "audit, NDJSON", rows: entries.length, mb: audit.bytes / 1e6, seconds: audit.seconds, rssBefore: audit.rssBefore, rssPeak: audit.rssPeak, restarted: audit.restarted });

      const to = new Date(decidedAt(size) + 1).toISOString();
      const range = `from=2030-01-01&to=${encodeURIComponent(to)}`;
      const csv = await download(`${stack.baseUrl}/v1/exports/reviews?${range}&format=csv`, key, stack.state);
      const table = parseCsv(csv.text);
      check(table.length === size + 1, `csv rows ${table.length - 1}`);
      check(new Set(table.slice(1).map((r) => r[0])).size === size, "csv decision ids unique");
      check(table.every((r) => r.length === table[0]!.length), "csv rows all have every column");
      check(table.flat().every((cell) => !/^[=+\-@]/.test(cell)), "no csv cell starts a formula");
      results.push({ export: "reviews, CSV", rows: size, mb: csv.bytes / 1e6, seconds: csv.seconds, rssBefore: csv.rssBefore, rssPeak: csv.rssPeak, restarted: csv.restarted });

      const nd = await download(`${stack.baseUrl}/v1/exports/reviews?${range}&format=ndjson`, key, stack.state);
      const decisions = nd.text.trimEnd().split("\n").map((l) => JSON.parse(l) as { type: string; decisionId?: string; signals?: unknown[]; appeal?: unknown; decisions?: number });
      const body = decisions.filter((d) => d.type === "decision");
      check(body.length === size && decisions.at(-1)!.decisions === size, `ndjson decisions ${body.length}`);
      check(body.every((d, i) => d.decisionId === `dcs_bench${String(i + 1).padStart(7, "0")}`), "ndjson decisions in order, once each");
      check(body.every((d) => d.signals!.length === 2), "every decision carries its two signals");
      check(body.filter((d) => d.appeal).length === Math.floor(size / 10), "every tenth decision carries its appeal");
      check(!nd.text.includes("statement never exported"), "no appeal statement");
      results.push({ export: "reviews, NDJSON", rows: size, mb: nd.bytes / 1e6, seconds: nd.seconds, rssBefore: nd.rssBefore, rssPeak: nd.rssPeak, restarted: nd.restarted });
    }

    console.log("\n| export | rows | MB | s | rows/s | workerd RSS before → peak (MB) |");
    console.log("|---|---:|---:|---:|---:|---|");
    for (const r of results) {
      console.log(
        `| ${r.export} | ${r.rows.toLocaleString("en")} | ${r.mb.toFixed(1)} | ${r.seconds.toFixed(2)} | ${Math.round(r.rows / r.seconds).toLocaleString("en")} | ${r.rssBefore.toFixed(0)} → ${r.rssPeak.toFixed(0)} (+${(r.rssPeak - r.rssBefore).toFixed(0)})${r.restarted ? " (workers restarted mid-run: not a measurement)" : ""} |`,
      );
    }
    console.log(`\naudit chain: ${seq.toLocaleString("en")} entries chained and checkpointed in ${chainSeconds.toFixed(1)} s; load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
