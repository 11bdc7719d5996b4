import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call } from "../../../test/support/call";
import type { PostCounter } from "../src/post-counter";
import { coordinator, insertPost, reviewRows, setRules, spreadRow, testEnv } from "./helpers";

const escalateAt = (views: number) => setRules([{ level: "escalate", metric: "views", value: views, action: "escalate" }]);
const views = (postId: string, count: number) => call(`/v1/posts/${postId}/views`, { role: "app", body: { count } });

async function objectState(postId: string) {
  return runInDurableObject(coordinator(postId), (_obj: PostCounter, state) => ({
    outbox: state.storage.sql.exec<{ dedupe_key: string; attempts: number }>(`SELECT dedupe_key, attempts FROM outbox`).toArray(),
    failures: state.storage.sql.exec<{ failures: number }>(`SELECT failures FROM state`).one().failures,
  }));
}

/**
 * A real failing D1 write: the review queue table is renamed away, so the alarm's batch
 * (review insert + spread flush, one transaction) fails inside D1 itself; then it is put back.
 */
async function breakReviewQueue() {
  await testEnv.DB.exec(`ALTER TABLE review_queue RENAME TO review_queue_away`);
}
async function repairReviewQueue() {
  await testEnv.DB.exec(`ALTER TABLE review_queue_away RENAME TO review_queue`);
}

describe("escalation outbox", () => {
  it("keeps the escalation after a failing D1 write and delivers it exactly once on retry", async () => {
    await escalateAt(100);
    const post = await insertPost();
    await views(post, 150);
    await breakReviewQueue();
    try {
      expect(await runDurableObjectAlarm(coordinator(post))).toBe(true);
      const after = await objectState(post);
      expect(after.outbox).toEqual([{ dedupe_key: `spread:post:${post}:escalate`, attempts: 1 }]);
      expect(after.failures).toBe(1);
      // The batch was one transaction: the spread flush did not land either.
      expect((await spreadRow(post))!.views).toBe(0);
      // Re-armed with backoff (about a second after the first failure).
      const alarmAt = await runInDurableObject(coordinator(post), (_o: PostCounter, s) => s.storage.getAlarm());
      expect(alarmAt).not.toBeNull();
      // A second failure keeps it too.
      await runDurableObjectAlarm(coordinator(post));
      expect((await objectState(post)).outbox[0]!.attempts).toBe(2);
    } finally {
      await repairReviewQueue();
    }
    await views(post, 10);
    await runDurableObjectAlarm(coordinator(post));
    expect(await reviewRows(post)).toHaveLength(1);
    expect(await objectState(post)).toEqual({ outbox: [], failures: 0 });
    expect((await spreadRow(post))!.views).toBe(160);
    // Further alarms and counts never open another item.
    await views(post, 1000);
    await runDurableObjectAlarm(coordinator(post));
    await runDurableObjectAlarm(coordinator(post));
    expect(await reviewRows(post)).toHaveLength(1);
  });

  it("does not duplicate when an earlier delivery landed but its acknowledgement was lost", async () => {
    await escalateAt(100);
    const post = await insertPost();
    await views(post, 100);
    // As if a previous alarm had written the row, then died before deleting its outbox row.
    await testEnv.DB.prepare(
      `INSERT INTO review_queue (id, dedupe_key, subject_type, subject_id, source, reason_code, status, created_at) VALUES ('rvw_earlier0000', ?, 'post', ?, 'spread', 'spread_threshold', 'open', 1)`,
    )
      .bind(`spread:post:${post}:escalate`, post)
      .run();
    await runDurableObjectAlarm(coordinator(post));
    const rows = await reviewRows(post);
    expect(rows).toHaveLength(1);
    expect((await objectState(post)).outbox).toEqual([]);
  });

  it("crossing and outbox row are written together with the count", async () => {
    await escalateAt(100);
    const post = await insertPost();
    await views(post, 99);
    expect((await objectState(post)).outbox).toEqual([]);
    await views(post, 1);
    expect((await objectState(post)).outbox).toHaveLength(1);
    expect((await coordinator(post).spread())!.escalated).toBe(true);
  });
});
