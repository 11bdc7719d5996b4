/** pkg/outbox.ts against real D1 and the EVENTS queue binding. */
import { env } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { runAtomic } from "../../../pkg/batch";
import { committedEventIds, outboxRowIds, outboxRowsStatement, outboxStatement, relayAfterCommit, relayRowsAfterCommit, type EventType } from "../../../pkg/outbox";
import { eventsOf } from "../../../test/support/events";
import type { Env } from "../src/env";

const testEnv = env as unknown as Env;
const relayedAt = async (id: string) => (await testEnv.DB.prepare("SELECT relayed_at FROM event_outbox WHERE id = ?").bind(id).first<{ relayed_at: number | null }>())?.relayed_at;

describe("pkg/outbox", () => {
  it("refuses an unknown type and payload keys that would carry identity data or text, before writing anything", () => {
    const subject = { type: "post", id: "p1" };
    expect(() => outboxStatement({ type: "post.deleted" as EventType, subject, payload: {} }, null)).toThrow(/unknown event type/);
    for (const key of ["name", "phone", "documentNumber", "text", "statement", "reason"]) {
      expect(() => outboxStatement({ type: "post.removed", subject, payload: { [key]: "x" } }, null)).toThrow(/personal data or text/);
    }
  });

  it("writes one row with the given id, type, subject, time and request id; onlyIf false writes none, and committedEventIds tells them apart", async () => {
    const written = outboxStatement({ type: "post.removed", subject: { type: "post", id: "ob-1" }, payload: { postId: "ob-1" }, occurredAt: 1234 }, "req-1");
    const refused = outboxStatement({ type: "post.removed", subject: { type: "post", id: "ob-2" }, payload: { postId: "ob-2" } }, "req-1", { onlyIf: sql`1 = 0` });
    const statements = [written.statement, refused.statement];
    const results = await runAtomic(testEnv.DB, statements);
    expect(committedEventIds(statements, results, [written, refused])).toEqual([written.id]);
    expect(written.id).toMatch(/^evt_[0-9a-z]+$/);
    expect(await eventsOf(testEnv.DB, "post.removed", "ob-1")).toEqual([
      { id: written.id, type: "post.removed", subjectType: "post", subjectId: "ob-1", occurredAt: 1234, payload: { postId: "ob-1" }, requestId: "req-1", relayedAt: null },
    ]);
    expect(await eventsOf(testEnv.DB, "post.removed", "ob-2")).toEqual([]);
  });

  it("writes many rows from a query under one id prefix, reads exactly those back, and relays them (relayed_at set)", async () => {
    const rows = outboxRowsStatement(
      { type: "report.resolved", subjectType: "report", rows: sql`SELECT value AS subject_id, json_object('reportId', value) AS payload FROM json_each(${JSON.stringify(["r1", "r2", "r3"])})` },
      null,
    );
    const other = outboxRowsStatement({ type: "report.resolved", subjectType: "report", rows: sql`SELECT 'r9' AS subject_id, '{}' AS payload` }, null);
    await runAtomic(testEnv.DB, [rows.statement, other.statement]);
    const ids = await outboxRowIds(testEnv.DB, rows.idPrefix);
    expect(ids.sort()).toEqual([`${rows.idPrefix}_1`, `${rows.idPrefix}_2`, `${rows.idPrefix}_3`]);
    expect((await eventsOf(testEnv.DB, "report.resolved", "r2"))[0]!.payload).toEqual({ reportId: "r2" });
    relayRowsAfterCommit(testEnv.EVENTS, undefined, testEnv.DB, [rows]);
    await expect.poll(async () => (await Promise.all(ids.map(relayedAt))).every((t) => typeof t === "number"), { timeout: 5000 }).toBe(true);
    expect(await relayedAt((await outboxRowIds(testEnv.DB, other.idPrefix))[0]!)).toBeNull();
  });

  it("relaying without a queue binding, or with nothing to relay, does nothing and never throws", async () => {
    const w = outboxStatement({ type: "post.labelled", subject: { type: "post", id: "ob-3" }, payload: {} }, null);
    await runAtomic(testEnv.DB, [w.statement]);
    relayAfterCommit(undefined, undefined, [w.id], testEnv.DB);
    relayAfterCommit(testEnv.EVENTS, undefined, [], testEnv.DB);
    await new Promise((r) => setTimeout(r, 50));
    expect(await relayedAt(w.id)).toBeNull();
  });
});
