import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call } from "../../../test/support/call";
import { insertPost, testEnv } from "./fixtures";

const migrations = (env as unknown as { TEST_MIGRATIONS: { name: string; queries: string[] }[] }).TEST_MIGRATIONS;
const run = async (name: string) => {
  const m = migrations.find((x) => x.name.includes(name));
  if (!m) throw new Error(`no migration ${name}`);
  for (const q of m.queries) await testEnv.DB.prepare(q).run();
};

describe("migration 0019: signals backfilled, open items of a subject merged", () => {
  it("turns legacy items into signals and merges a subject's open items into its oldest, keeping every signal and report", async () => {
    // The queue as it was before signals: no partial unique index, several open items per subject.
    await testEnv.DB.exec("DROP INDEX review_queue_open_subject_uq");
    await testEnv.DB.exec("DELETE FROM review_signals");
    await insertPost("post-legacy");
    const legacy = [
      ["rvw_old_screen00", "screening:post:post-legacy:verdict", "screening", "term_match", "open", '{"categories":["rumour"]}', 100],
      ["rvw_old_spread00", "spread:post:post-legacy:escalate", "spread", "spread_threshold", "open", '{"reposts":500}', 200],
      ["rvw_old_report00", "report:post:post-legacy:open", "report", "reported_fraud", "open", '{"firstReason":"fraud"}', 300],
      ["rvw_old_decided0", "screening:post:post-legacy:old", "screening", "term_match", "decided", null, 50],
    ] as const;
    for (const [id, key, source, reason, status, details, at] of legacy) {
      await testEnv.DB.prepare(
        "INSERT INTO review_queue (id, dedupe_key, subject_type, subject_id, source, reason_code, status, details, created_at) VALUES (?, ?, 'post', 'post-legacy', ?, ?, ?, ?, ?)",
      )
        .bind(id, key, source, reason, status, details, at)
        .run();
    }
    for (const [rid, reporter, reason] of [["rpt_old1", "u1", "fraud"], ["rpt_old2", "u2", "terrorism"]]) {
      await testEnv.DB.prepare(
        "INSERT INTO reports (id, subject_type, subject_id, reporter_id, reason, review_item_id, created_at, created_by_key) VALUES (?, 'post', 'post-legacy', ?, ?, 'rvw_old_report00', 300, 'key_app')",
      )
        .bind(rid, reporter, reason)
        .run();
    }

    await run("0019_");
    await run("0020_");

    const open = await testEnv.DB.prepare("SELECT id FROM review_queue WHERE subject_id = 'post-legacy' AND status = 'open'").all<{ id: string }>();
    expect(open.results.map((r) => r.id)).toEqual(["rvw_old_screen00"]);
    const signals = await testEnv.DB.prepare("SELECT review_item_id, dedupe_key, source, severity, status FROM review_signals WHERE subject_id = 'post-legacy' ORDER BY created_at, dedupe_key").all();
    expect(signals.results).toEqual([
      { review_item_id: "rvw_old_decided0", dedupe_key: "screening:post:post-legacy:old", source: "screening", severity: 5, status: "closed" },
      { review_item_id: "rvw_old_screen00", dedupe_key: "screening:post:post-legacy:verdict", source: "screening", severity: 5, status: "open" },
      { review_item_id: "rvw_old_screen00", dedupe_key: "spread:post:post-legacy:escalate", source: "spread", severity: 5, status: "open" },
      { review_item_id: "rvw_old_screen00", dedupe_key: "report:rpt_old1", source: "report", severity: 6, status: "open" },
      { review_item_id: "rvw_old_screen00", dedupe_key: "report:rpt_old2", source: "report", severity: 9, status: "open" },
    ]);
    const reports = await testEnv.DB.prepare("SELECT DISTINCT review_item_id FROM reports WHERE subject_id = 'post-legacy'").all();
    expect(reports.results).toEqual([{ review_item_id: "rvw_old_screen00" }]);
    const view = (await (await call("/v1/review-queue/rvw_old_screen00", { role: "operator" })).json()) as Record<string, unknown>;
    expect(view).toMatchObject({ signalCount: 4, reporters: 2, severity: 9, priority: 920, reports: 2 });

    // The merged item takes new signals; a redelivery of a legacy event attaches nothing.
    const again = await call("/v1/reports", { role: "app", body: { subjectType: "post", subjectId: "post-legacy", reporterId: "u3", reason: "spam" } });
    expect(((await again.json()) as { reviewItemId: string }).reviewItemId).toBe("rvw_old_screen00");
  });
});
