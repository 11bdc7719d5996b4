import { describe, expect, it } from "vitest";
import { call, problem } from "../../../test/support/call";
import { parseCsv } from "../../../test/support/csv";
import { csvField, CSV_COLUMNS, REVIEW_EXPORT_PAGE } from "../src/review-export";
import { countRows, insertPost, signal, testEnv } from "./fixtures";

const AUTHOR = "acc_fixture000000";

/** A post with a screening and a report signal, decided by key_ann; returns the decision id. */
async function decidedPost(postId: string, reason: string): Promise<string> {
  await insertPost(postId, "review");
  await signal({ source: "screening", subjectId: postId, dedupeKey: `s:${postId}`, category: "rumour", severity: 5 });
  await signal({ source: "report", subjectId: postId, dedupeKey: `r:${postId}`, reasonCode: "reported_rumour", category: "rumour", severity: 4 });
  const item = await testEnv.DB.prepare("SELECT id FROM review_queue WHERE subject_id = ? AND status = 'open'").bind(postId).first<{ id: string }>();
  const res = await call(`/v1/review-queue/${item!.id}/decision`, { role: "operator", keyId: "key_ann", body: { action: "remove_post", reason } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { decisionRecord: { id: string } }).decisionRecord.id;
}

async function exportText(query: string, keyId = "key_exp"): Promise<{ res: Response; text: string }> {
  const res = await call(`/v1/exports/reviews?${query}`, { role: "operator", keyId });
  return { res, text: await res.text() };
}

const lines = (text: string) => text.trim().split("\n").map((l) => JSON.parse(l) as Record<string, any>);

describe("GET /v1/exports/reviews", () => {
  it("streams each decision with its signals, action, hashes and appeal outcome — never the text or the statement — and records the export", async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const decisionId = await decidedPost("post-exp-1", "confirmed rumour");
    const appeal = await call("/v1/appeals", { role: "app", body: { decisionId, accountId: AUTHOR, statement: "陈述原文-不应导出" } });
    expect(appeal.status).toBe(201);
    const appealId = ((await appeal.json()) as { id: string }).id;
    expect((await call(`/v1/appeals/${appealId}/decision`, { role: "operator", keyId: "key_bob", body: { outcome: "uphold", reason: "the removal stands" } })).status).toBe(200);

    const { res, text } = await exportText(`from=${since}&format=ndjson`, "key_regulator");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="gatehouse-reviews-/);
    const all = lines(text);
    expect(all[0]).toMatchObject({ type: "header", format: "gatehouse-review-export/1", from: since });
    expect(all.at(-1)).toEqual({ type: "end", decisions: all.length - 2 });
    const mine = all.find((l) => l.decisionId === decisionId)!;
    expect(mine).toMatchObject({
      type: "decision",
      decidedBy: "key_ann",
      subjectType: "post",
      subjectId: "post-exp-1",
      action: "remove_post",
      status: "applied",
      reason: "confirmed rumour",
      targetType: "post",
      targetId: "post-exp-1",
      contentHash: "hash",
      evidenceHash: null,
      appeal: { id: appealId, status: "decided", outcome: "upheld", decidedBy: "key_bob" },
    });
    expect(mine.policyVersion).toEqual(expect.any(Number));
    // The decided item's signals (the appeal's own signal opened a new item of the post).
    expect(mine.signals.map((s: { source: string }) => s.source).sort()).toEqual(["report", "screening"]);
    expect(mine.signalCount).toBe(2);
    expect(text).not.toContain("陈述原文");

    // Recorded: who exported which range, in which format.
    expect(await countRows("audit_log", "action = 'reviews.export' AND actor_key_id = 'key_regulator' AND json_extract(details, '$.format') = 'ndjson'")).toBe(1);
  });

  it("writes RFC 4180 CSV that parses back, with formula-looking cells neutralised", async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const nasty = ['=HYPERLINK("http://evil.example","x")', "+SUM(A1)", "-2+3", "@cmd", 'a "quoted", comma'];
    const ids: string[] = [];
    for (const [i, reason] of nasty.entries()) ids.push(await decidedPost(`post-exp-csv-${i}`, reason));

    const { res, text } = await exportText(`from=${since}&format=csv`);
    expect(res.status, text).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    const rows = parseCsv(text);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    for (const row of rows) expect(row).toHaveLength(CSV_COLUMNS.length);
    const byId = new Map(rows.slice(1).map((r) => [r[0], Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, r[i]!]))]));
    const reasons = ids.map((id) => byId.get(id)!.reason);
    expect(reasons).toEqual(["'" + nasty[0], "'" + nasty[1], "'" + nasty[2], "'" + nasty[3], nasty[4]]);
    // No cell of the file starts a formula.
    for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@]/);
    const first = byId.get(ids[0]!)!;
    expect(first.signal_sources).toBe("screening;report");
    expect(JSON.parse(first.signals!)).toHaveLength(2);
  });

  it("pages by (decided_at, id): decisions sharing a millisecond across page boundaries come once each, in order", async () => {
    const at = Date.parse("2031-01-01T00:00:00Z");
    const n = REVIEW_EXPORT_PAGE * 2 + 7;
    const rows = Array.from({ length: n }, (_, i) => `d_page_${String(i).padStart(4, "0")}`);
    for (let i = 0; i < n; i += 10) {
      const part = rows.slice(i, i + 10);
      await testEnv.DB.prepare(
        `INSERT INTO moderation_decisions (id, review_item_id, subject_type, subject_id, action, reason, decided_by, decided_at, status)
         VALUES ${part.map(() => "(?, ?, 'account', 'acc_page', 'warn_account', 'bulk', 'key_ann', ?, 'applied')").join(", ")}`,
      )
        // Three rows per millisecond.
        .bind(...part.flatMap((id, j) => [id, `rvw_${id}`, at + Math.floor((i + j) / 3)]))
        .run();
    }
    const { res, text } = await exportText(`from=2031-01-01&to=2031-01-02&format=ndjson`);
    expect(res.status).toBe(200);
    const decisions = lines(text).filter((l) => l.type === "decision");
    expect(decisions.map((d) => d.decisionId)).toEqual(rows);
    expect(lines(text).at(-1)).toEqual({ type: "end", decisions: n });
    // `to` is exclusive, `from` inclusive.
    const cut = lines((await exportText(`from=2031-01-01T00:00:00.001Z&to=2031-01-01T00:00:00.002Z`)).text).filter((l) => l.type === "decision");
    expect(cut.map((d) => d.decisionId)).toEqual(rows.slice(3, 6));
  });

  it("refuses a bad range or format with a precise problem, before recording anything", async () => {
    const before = await countRows("audit_log", "action = 'reviews.export'");
    for (const [query, field] of [
      ["from=yesterday", "from"],
      ["to=2026-13-01", "to"],
      ["from=2026-12-01T10:00:00", "from"],
      ["format=xlsx", "format"],
      ["from=2026-12-02&to=2026-12-01", "to"],
      ["from=2026-12-01&to=2026-12-01", "to"],
    ] as const) {
      const res = await call(`/v1/exports/reviews?${query}`, { role: "operator" });
      expect(res.status, query).toBe(422);
      const p = await problem(res);
      expect(p.code, query).toBe("validation_failed");
      expect(p.errors?.map((e) => e.field), query).toContain(field);
    }
    expect(await countRows("audit_log", "action = 'reviews.export'")).toBe(before);
  });

  it("is for operators: an app key is refused", async () => {
    const res = await call("/v1/exports/reviews", { role: "app" });
    expect(res.status).toBe(403);
    expect((await problem(res)).code).toBe("forbidden_role");
  });
});

describe("csvField", () => {
  it("quotes per RFC 4180 and neutralises formulas only in text", () => {
    expect(csvField(null)).toBe("");
    expect(csvField("plain")).toBe("plain");
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField("line\r\nbreak")).toBe('"line\r\nbreak"');
    expect(csvField("=1+1")).toBe("'=1+1");
    expect(csvField("\t=1")).toBe("'\t=1");
    expect(csvField('=A1,"x"')).toBe(`"'=A1,""x"""`);
    expect(csvField(-3)).toBe("-3");
  });
});
