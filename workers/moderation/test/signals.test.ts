import { describe, expect, it } from "vitest";
import { call, problem } from "../../../test/support/call";
import { countRows, insertPost, signal, testEnv } from "./fixtures";

type Signal = { source: string; reasonCode: string; category: string | null; severity: number; status: string };
type Item = {
  id: string;
  status: string;
  priority: number;
  severity: number;
  reporters: number;
  repostsPerHour: number;
  signalCount: number;
  reports?: number;
  claim: { heldBy: string; until: string } | null;
  signals?: Signal[];
};

const report = (subjectId: string, reporterId: string, reason = "spam") =>
  call("/v1/reports", { role: "app", body: { subjectType: "post", subjectId, reporterId, reason } });
const item = async (id: string) => (await (await call(`/v1/review-queue/${id}`, { role: "operator" })).json()) as Item;
const openItemId = async (subjectId: string) =>
  (await testEnv.DB.prepare("SELECT id FROM review_queue WHERE subject_id = ? AND status = 'open'").bind(subjectId).first<{ id: string }>())?.id;

describe("one open item per subject", () => {
  it("attaches 50 concurrent reports by distinct reporters to one item, with exact counts", async () => {
    await insertPost("post-c50");
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => report("post-c50", `user-${i}`, i % 2 ? "rumour" : "fraud")));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
    const ids = new Set(await Promise.all(results.map(async (r) => ((await r.json()) as { reviewItemId: string }).reviewItemId)));
    expect(ids.size).toBe(1);
    expect(await countRows("review_queue", "subject_id = ?", "post-c50")).toBe(1);
    // 50 report signals and the one escalation (the tenth reporter crossed REPORT_ESCALATION_REPORTERS).
    expect(await countRows("review_signals", "subject_id = ? AND reason_code <> 'report_threshold'", "post-c50")).toBe(50);
    expect(await countRows("review_signals", "subject_id = ? AND reason_code = 'report_threshold'", "post-c50")).toBe(1);
    const view = await item([...ids][0]!);
    expect(view).toMatchObject({ status: "open", reporters: 50, signalCount: 51, reports: 50, severity: 6 });
    expect(view.signals).toHaveLength(51);
    // Repeats by the same reporters add nothing.
    const again = await Promise.all(Array.from({ length: 10 }, (_, i) => report("post-c50", `user-${i}`)));
    expect(again.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect((await item([...ids][0]!)).reporters).toBe(50);
  });

  it("gathers screening, spread and report signals of one post, concurrently, on one item", async () => {
    await insertPost("post-mix");
    await Promise.all([
      signal({ source: "screening", subjectId: "post-mix", dedupeKey: "screening:post:post-mix:verdict", category: "rumour", severity: 4 }),
      signal({ source: "spread", subjectId: "post-mix", dedupeKey: "spread:post:post-mix:escalate", reasonCode: "spread_threshold" }),
      ...Array.from({ length: 8 }, (_, i) => report("post-mix", `m-${i}`, "violence")),
      // A redelivered event (same dedupe key) attaches nothing.
      signal({ source: "spread", subjectId: "post-mix", dedupeKey: "spread:post:post-mix:escalate", reasonCode: "spread_threshold" }),
    ]);
    expect(await countRows("review_queue", "subject_id = ?", "post-mix")).toBe(1);
    const view = await item((await openItemId("post-mix"))!);
    expect(view.signalCount).toBe(10);
    expect(new Set(view.signals!.map((s) => s.source))).toEqual(new Set(["screening", "spread", "report"]));
    expect(view).toMatchObject({ severity: 8, reporters: 8 });
  });

  it("is enforced by the database: a second open item of a subject is refused", async () => {
    await signal({ source: "screening", subjectId: "post-uq", dedupeKey: "uq-1" });
    const insert = testEnv.DB.prepare(
      "INSERT INTO review_queue (id, dedupe_key, subject_type, subject_id, source, reason_code, status, created_at) VALUES ('rvw_second000000', 'uq-2', 'post', 'post-uq', 'spread', 'x', 'open', 1)",
    );
    await expect(insert.run()).rejects.toThrow(/UNIQUE/);
  });

  it("decides the item with every open signal of the subject; a later signal opens a fresh item", async () => {
    await insertPost("post-close");
    await signal({ source: "screening", subjectId: "post-close", dedupeKey: "close-1" });
    await report("post-close", "u1");
    const id = (await openItemId("post-close"))!;
    const res = await call(`/v1/review-queue/${id}/decision`, { role: "operator", body: { decision: "dismiss", reason: "looks fine" } });
    expect(res.status).toBe(200);
    const decided = (await res.json()) as Item;
    expect(decided.signals!.map((s) => s.status)).toEqual(["closed", "closed"]);
    expect(await countRows("review_signals", "subject_id = ? AND status = 'open'", "post-close")).toBe(0);
    await report("post-close", "u2");
    const fresh = await openItemId("post-close");
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(id);
    expect((await item(fresh!)).signalCount).toBe(1);
  });

  it("twenty concurrent decisions of one item: one decision, one audit row, signals closed once", async () => {
    await insertPost("post-d20");
    await signal({ source: "spread", subjectId: "post-d20", dedupeKey: "d20" }, "rvw_d20000000000");
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call("/v1/review-queue/rvw_d20000000000/decision", { role: "operator", keyId: `key_op${i}`, body: { decision: i % 2 ? "dismiss" : "remove_post", reason: "race" } }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const losers = results.filter((r) => r.status !== 200);
    expect(losers).toHaveLength(19);
    for (const r of losers) expect((await problem(r)).code).toBe("already_decided");
    expect(await countRows("audit_log", "subject_id = ?", "post-d20")).toBe(1);
  });
});

describe("priority", () => {
  it("rises with severity, distinct reporters and spread velocity, and sorts the queue", async () => {
    for (const p of ["post-pa", "post-pb", "post-pc"]) await insertPost(p);
    await signal({ source: "screening", subjectId: "post-pa", dedupeKey: "pa", severity: 3, category: "pspam" }, "rvw_pa0000000000");
    await signal({ source: "screening", subjectId: "post-pb", dedupeKey: "pb", severity: 3, category: "pspam" }, "rvw_pb0000000000");
    await signal({ source: "screening", subjectId: "post-pc", dedupeKey: "pc", severity: 7, category: "pornography" }, "rvw_pc0000000000");
    expect((await item("rvw_pa0000000000")).priority).toBe(300);
    // Three reporters: + 10 each.
    for (const u of ["a", "b", "c"]) await report("post-pa", u);
    expect(await item("rvw_pa0000000000")).toMatchObject({ reporters: 3, priority: 330 });
    // 600 reposts over two hours (as the reposts worker flushed them) = 300 an hour, read when a signal attaches.
    const now = Date.now();
    await testEnv.DB.prepare("INSERT INTO post_spread (root_post_id, reposts, views, version, levels, escalated, created_at, updated_at) VALUES ('post-pb', 600, 0, 1, '[]', 0, ?, ?)")
      .bind(now - 2 * 3_600_000, now)
      .run();
    await signal({ source: "spread", subjectId: "post-pb", dedupeKey: "pb-spread", severity: 2 });
    const pb = await item("rvw_pb0000000000");
    expect(pb.repostsPerHour).toBeGreaterThanOrEqual(299);
    expect(pb.priority).toBe(300 + pb.repostsPerHour);

    const byPriority = (await (await call("/v1/review-queue?sort=priority&category=pspam", { role: "operator" })).json()) as { items: Item[] };
    expect(byPriority.items.map((i) => i.id)).toEqual(["rvw_pb0000000000", "rvw_pa0000000000"]);
    const all = (await (await call("/v1/review-queue?sort=priority&subjectType=post", { role: "operator" })).json()) as { items: Item[] };
    const ours = all.items.filter((i) => ["rvw_pa0000000000", "rvw_pb0000000000", "rvw_pc0000000000"].includes(i.id)).map((i) => i.id);
    expect(ours).toEqual(["rvw_pc0000000000", "rvw_pb0000000000", "rvw_pa0000000000"]);
    const reported = (await (await call("/v1/review-queue?source=report&category=spam&limit=500", { role: "operator" })).json()) as { items: Item[] };
    expect(reported.items.map((i) => i.id)).toContain("rvw_pa0000000000");
    expect(reported.items.map((i) => i.id)).not.toContain("rvw_pb0000000000");
  });

  it("pages by priority with the opaque cursor and refuses an age cursor there", async () => {
    for (let i = 0; i < 5; i++) await signal({ source: "screening", subjectId: `post-pg${i}`, dedupeKey: `pg${i}`, severity: 1 + (i % 3), category: "pgcat" });
    const seen: string[] = [];
    const priorities: number[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(`/v1/review-queue?sort=priority&category=pgcat&limit=2${cursor ? `&cursor=${cursor}` : ""}`, { role: "operator" });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: Item[]; nextCursor: string | null };
      seen.push(...page.items.map((i) => i.id));
      priorities.push(...page.items.map((i) => i.priority));
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(5);
    expect(priorities).toEqual([...priorities].sort((a, b) => b - a));
    const ageCursor = ((await (await call("/v1/review-queue?limit=1", { role: "operator" })).json()) as { nextCursor: string }).nextCursor;
    const refused = await call(`/v1/review-queue?sort=priority&cursor=${ageCursor}`, { role: "operator" });
    expect(refused.status).toBe(422);
    expect((await problem(refused)).code).toBe("invalid_cursor");
    const bad = await call("/v1/review-queue?sort=urgent&assignee=a%20b", { role: "operator" });
    expect(bad.status).toBe(422);
    expect((await problem(bad)).errors!.map((e) => e.field).sort()).toEqual(["assignee", "sort"]);
  });
});

describe("claims", () => {
  it("gives an item to one operator at a time; renewals, releases, expiry and decisions", async () => {
    await insertPost("post-cl");
    await signal({ source: "screening", subjectId: "post-cl", dedupeKey: "cl" }, "rvw_claim0000000");
    const path = "/v1/review-queue/rvw_claim0000000/claim";
    const first = await call(path, { method: "POST", role: "operator", keyId: "key_ann" });
    expect(first.status).toBe(200);
    const held = (await first.json()) as { heldBy: string; until: string };
    expect(held.heldBy).toBe("key_ann");
    expect(Date.parse(held.until) - Date.now()).toBeGreaterThan(14 * 60_000);

    const other = await call(path, { method: "POST", role: "operator", keyId: "key_bob" });
    expect(other.status).toBe(409);
    expect(await problem(other)).toMatchObject({ code: "item_claimed", heldBy: "key_ann", until: held.until });
    const decideByOther = await call("/v1/review-queue/rvw_claim0000000/decision", { role: "operator", keyId: "key_bob", body: { decision: "dismiss", reason: "fine" } });
    expect(decideByOther.status).toBe(409);
    expect((await problem(decideByOther)).code).toBe("item_claimed");
    const releaseByOther = await call(path, { method: "DELETE", role: "operator", keyId: "key_bob" });
    expect(releaseByOther.status).toBe(409);

    expect((await item("rvw_claim0000000")).claim).toEqual({ heldBy: "key_ann", until: held.until });
    const mine = (await (await call("/v1/review-queue?assignee=key_ann", { role: "operator" })).json()) as { items: Item[] };
    expect(mine.items.map((i) => i.id)).toEqual(["rvw_claim0000000"]);
    const meList = (await (await call("/v1/review-queue?assignee=me", { role: "operator", keyId: "key_ann" })).json()) as { items: Item[] };
    expect(meList.items.map((i) => i.id)).toEqual(["rvw_claim0000000"]);

    // An expired lease frees the item.
    await testEnv.DB.prepare("UPDATE review_queue SET claimed_until = ? WHERE id = 'rvw_claim0000000'").bind(Date.now() - 1).run();
    expect((await item("rvw_claim0000000")).claim).toBeNull();
    const free = (await (await call("/v1/review-queue?assignee=none&subjectType=post", { role: "operator" })).json()) as { items: Item[] };
    expect(free.items.map((i) => i.id)).toContain("rvw_claim0000000");
    expect((await call(path, { method: "POST", role: "operator", keyId: "key_bob" })).status).toBe(200);
    // Renewal by the holder; an admin may release anyone's claim.
    expect((await call(path, { method: "POST", role: "operator", keyId: "key_bob" })).status).toBe(200);
    expect((await call(path, { method: "DELETE", role: "admin", keyId: "key_root" })).status).toBe(204);
    expect((await item("rvw_claim0000000")).claim).toBeNull();
    expect((await call(path, { method: "DELETE", role: "operator", keyId: "key_bob" })).status).toBe(204);

    // The holder decides; the decision releases the claim; the item cannot be claimed again.
    expect((await call(path, { method: "POST", role: "operator", keyId: "key_ann" })).status).toBe(200);
    const decided = await call("/v1/review-queue/rvw_claim0000000/decision", { role: "operator", keyId: "key_ann", body: { decision: "dismiss", reason: "fine" } });
    expect(decided.status).toBe(200);
    const row = await testEnv.DB.prepare("SELECT claimed_by, claimed_until FROM review_queue WHERE id = 'rvw_claim0000000'").first();
    expect(row).toEqual({ claimed_by: null, claimed_until: null });
    const late = await call(path, { method: "POST", role: "operator", keyId: "key_ann" });
    expect(late.status).toBe(409);
    expect((await problem(late)).code).toBe("already_decided");
  });

  it("twenty concurrent claims by different operators: exactly one holder", async () => {
    await signal({ source: "screening", subjectId: "post-race", dedupeKey: "race" }, "rvw_claimrace000");
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call("/v1/review-queue/rvw_claimrace000/claim", { method: "POST", role: "operator", keyId: `key_op${i}` })),
    );
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    const holder = ((await winners[0]!.json()) as { heldBy: string }).heldBy;
    for (const r of results.filter((x) => x.status !== 200)) expect(await problem(r)).toMatchObject({ code: "item_claimed", heldBy: holder });
    expect((await item("rvw_claimrace000")).claim?.heldBy).toBe(holder);
  });

  it("refuses unknown items and other roles", async () => {
    const missing = await call("/v1/review-queue/rvw_nothing000000/claim", { method: "POST", role: "operator" });
    expect(missing.status).toBe(404);
    expect((await problem(missing)).code).toBe("review_item_not_found");
    expect((await call("/v1/review-queue/rvw_nothing000000/claim", { method: "DELETE", role: "operator" })).status).toBe(404);
    expect((await call("/v1/review-queue/rvw_nothing000000/claim", { method: "POST", role: "app" })).status).toBe(403);
    expect((await call("/v1/review-queue/rvw_nothing000000/claim", { method: "POST" })).status).toBe(401);
  });
});
