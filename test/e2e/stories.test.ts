import { beforeAll, describe, expect, it } from "vitest";
import { api, eventually, expectData, expectProblem, newKey, verifiedAccount } from "./client";
import { residentId } from "../support/resident-id";

/**
 * Stories over HTTP against the real stack (screening groups, reposts counts, moderation decides):
 * disguised copies of one text join one story → its spread sums its copies' reposts and views →
 * a story decision removes every copy → the next copy is screened `matches_removed_story`, its
 * review item linking the decision; the story routes' roles and bad input.
 */
const RUN = Date.now().toString(36);
const PHONE = `+86135${String(Date.now() % 100_000_000).padStart(8, "0")}`;
const RUMOUR = `据可靠消息，明天上午本市自来水厂将停水检修，全市范围停水三天。请大家提前储备饮用水，不要相信超市涨价的说法。消息来源是水务局内部通知${RUN}。`;
const COPIES = [
  RUMOUR,
  `转发：#突发# ${RUMOUR} https://t.cn/x1`,
  RUMOUR.replace(/，/g, "！😱"),
  "據可靠消息，明天上午本市自來水廠將停水檢修，全市範圍停水三天。請大家提前儲備飲用水，不要相信超市漲價的說法。" + `消息來源是水務局內部通知${RUN}。`,
];


let app: ReturnType<typeof api>;
let ann: ReturnType<typeof api>;
let accountId: string;

beforeAll(async () => {
  const appKey = (await newKey("app")).key;
  const annKey = (await newKey("operator")).key;
  app = api(appKey);
  ann = api(annKey);
  accountId = await verifiedAccount(appKey, annKey, { handle: `stories_${RUN}`, displayName: "Stories", kind: "personal", identity: { name: "赵六", documentType: "cn_resident_id", documentNumber: residentId("110105", "19900517", Date.now() % 997) }, phone: PHONE });
}, 120_000);

describe("stories, end to end", () => {
  it("groups disguised copies, sums their spread, removes them all with one decision and catches the next copy", async () => {
    const screened = [];
    for (const [i, text] of COPIES.entries()) {
      screened.push(await expectData(app.POST("/v1/screen", { body: { accountId, text, kind: "post", postId: `story-${RUN}-${i}` } }), 200));
    }
    const storyId = screened[0]!.storyId!;
    expect(storyId).toMatch(/^sty_/);
    for (const s of screened) expect(s.storyId).toBe(storyId);
    const ofPost = await expectData(app.GET("/v1/posts/{postId}/story", { params: { path: { postId: `story-${RUN}-2` } } }), 200);
    expect(ofPost.story).toMatchObject({ id: storyId, copies: 4, accounts: 1, firstPostId: `story-${RUN}-0` });

    // Reposts and views of the copies, counted by their own counters, add up on the story.
    await Promise.all(
      screened.flatMap((s, i) => [
        ...Array.from({ length: 5 }, (_, k) => app.POST("/v1/posts/{postId}/reposts", { params: { path: { postId: s.postId } }, body: { accountId: `reader-${i}-${k}` } })),
        app.POST("/v1/posts/{postId}/views", { params: { path: { postId: s.postId } }, body: { count: 100 } }),
      ]),
    );
    const story = await eventually(async () => {
      const s = await expectData(ann.GET("/v1/stories/{id}", { params: { path: { id: storyId }, query: {} } }), 200);
      return s.spread.reposts === 20 && s.spread.views === 400 ? s : undefined;
    });
    expect(story.copyList.map((c) => c.postId)).toEqual(COPIES.map((_, i) => `story-${RUN}-${i}`));
    const top = await expectData(ann.GET("/v1/stories/top", { params: { query: { metric: "copies", limit: 100 } } }), 200);
    expect(top.stories.map((s) => s.id)).toContain(storyId);

    // One decision removes every copy.
    const decision = await expectData(
      ann.POST("/v1/review-queue/stories/{storyId}/decision", { params: { path: { storyId } }, body: { action: "remove_post", reason: "False rumour: the water supply is normal" } }),
      200,
    );
    expect(decision.decided).toHaveLength(4);
    expect(decision.removal?.decisionId).toMatch(/^dcs_/);
    for (const s of screened) {
      const status = await expectData(app.GET("/v1/posts/{postId}", { params: { path: { postId: s.postId } } }), 200);
      expect(status.removal).not.toBeNull();
    }
    await expectProblem(app.POST("/v1/posts/{postId}/reposts", { params: { path: { postId: screened[1]!.postId } }, body: { accountId: "late-reader" } }), 409);

    // The next copy is known.
    const next = await expectData(app.POST("/v1/screen", { body: { accountId, text: `转发：${RUMOUR}！！`, kind: "post", postId: `story-${RUN}-next` } }), 200);
    expect(next.storyId).toBe(storyId);
    expect(next.verdict).toBe("review");
    expect(next.reasons).toContainEqual(expect.objectContaining({ code: "matches_removed_story", action: "review" }));
    const queue = await expectData(ann.GET("/v1/review-queue", { params: { query: { subjectType: "post", limit: 200 } } }), 200);
    const item = queue.items.find((i) => i.subjectId === `story-${RUN}-next`);
    expect(item?.details).toMatchObject({ removedStory: { storyId, decisionId: decision.removal!.decisionId } });
  });

  it("story routes: roles and bad input", async () => {
    await expectProblem(app.GET("/v1/stories/top", { params: { query: {} } }), 403);
    await expectProblem(app.POST("/v1/review-queue/stories/{storyId}/decision", { params: { path: { storyId: "sty_doesnotexist00" } }, body: { action: "remove_post", reason: "nope nope" } }), 403);
    expect((await expectProblem(ann.GET("/v1/stories/{id}", { params: { path: { id: "sty_doesnotexist00" }, query: {} } }), 404)).code).toBe("story_not_found");
    expect((await expectProblem(ann.GET("/v1/stories/top", { params: { query: { cursor: "nonsense" } } }), 422)).code).toBe("invalid_cursor");
    expect((await expectProblem(ann.POST("/v1/review-queue/stories/{storyId}/decision", { params: { path: { storyId: "sty_doesnotexist00" } }, body: { action: "remove_post", reason: "a reason" } }), 404)).code).toBe("story_not_found");
  });
});
