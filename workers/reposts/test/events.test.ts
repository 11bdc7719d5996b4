/** spread.level_crossed and review.opened (pkg/outbox.ts): written with the crossing, copied to D1 by the flush, once. */
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call } from "../../../test/support/call";
import { eventsOf, eventsWhere } from "../../../test/support/events";
import { coordinator, insertPost, setRules, settle, testEnv } from "./helpers";

const repost = (postId: string, accountId: string) => call(`/v1/posts/${postId}/reposts`, { role: "app", body: { accountId } });

describe("spread.level_crossed", () => {
  for (const shards of [1, 4]) {
    it(`50 concurrent reposts crossing two levels: one event per level, one review.opened (${shards} shard(s))`, async () => {
      await setRules([
        { level: "spreading", metric: "reposts", value: 10, action: "label" },
        { level: "escalate", metric: "reposts", value: 40, action: "escalate" },
        { level: "viral", metric: "views", value: 1_000_000, action: "escalate" },
      ]);
      const post = await insertPost({ categories: ["rumour"] });
      if (shards > 1) expect((await call(`/v1/posts/${post}/spread/shards`, { role: "operator", method: "PUT", body: { shards } })).status).toBe(200);
      const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => repost(post, `ev-${shards}-${i}`)));
      expect(replies.every((r) => r.status === 200)).toBe(true);
      // Alarms are at-least-once: flushing again copies nothing twice.
      await settle(post, shards);
      await settle(post, shards);
      await runDurableObjectAlarm(coordinator(post));
      const events = await eventsOf(testEnv.DB, "spread.level_crossed", post);
      expect(events.map((e) => e.payload.level).sort()).toEqual(["escalate", "spreading"]);
      expect(events.find((e) => e.payload.level === "escalate")).toMatchObject({
        subjectType: "post",
        payload: { rootPostId: post, action: "escalate", metric: "reposts", threshold: 40, categories: ["rumour"], verdict: "allow" },
      });
      expect(events.find((e) => e.payload.level === "escalate")!.payload.reposts as number).toBeGreaterThanOrEqual(40);
      // Account ids of reposters are not in the event.
      expect(JSON.stringify(events.map((e) => e.payload))).not.toContain(`ev-${shards}-`);
      const opened = await eventsWhere(testEnv.DB, "review.opened", "subjectId", post);
      expect(opened).toHaveLength(1);
      expect(opened[0]!.payload).toMatchObject({ source: "spread", reasonCode: "spread_threshold" });
      await expect.poll(async () => (await eventsOf(testEnv.DB, "spread.level_crossed", post)).every((e) => e.relayedAt !== null), { timeout: 5000 }).toBe(true);
    });
  }

  it("no event below every threshold, nor for reposts of a removed post (409)", async () => {
    await setRules([{ level: "escalate", metric: "reposts", value: 5, action: "escalate" }]);
    const quiet = await insertPost();
    await Promise.all(Array.from({ length: 4 }, (_, i) => repost(quiet, `q-${i}`)));
    const removed = await insertPost({ removedAt: Date.now() });
    const refused = await Promise.all(Array.from({ length: 10 }, (_, i) => repost(removed, `r-${i}`)));
    expect(refused.every((r) => r.status === 409)).toBe(true);
    await settle(quiet);
    expect(await eventsOf(testEnv.DB, "spread.level_crossed", quiet)).toHaveLength(0);
    expect(await eventsOf(testEnv.DB, "spread.level_crossed", removed)).toHaveLength(0);
  });
});
