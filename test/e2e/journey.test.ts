import { beforeAll, describe, expect, it } from "vitest";
import { adminKey, api, eventually, expectData, expectProblem, newKey } from "./client";

/**
 * One public account's life through every worker, over HTTP, as an operator would see it:
 * register under a real identity → phone code → manual review → licence → policy → screening
 * → spread → escalation → moderation → audit.
 * Every call goes through the client generated from `/openapi.json`, so the journey also
 * proves the document: its paths, parameters, bodies and answers.
 */
const PHONE = "+8613800138000";
const ID_NUMBER = "11010519491231002X";
const NAME = "张三";
const POST_ID = "post-journey-1";

let app: ReturnType<typeof api>;
let operator: ReturnType<typeof api>;
let admin: ReturnType<typeof api>;
let accountId: string;

beforeAll(async () => {
  app = api((await newKey("app")).key);
  operator = api((await newKey("operator")).key);
  admin = api(adminKey());
});

describe("a public account's journey through the suite", () => {
  it("registers under a verified identity and shows only public data", async () => {
    const created = await expectData(
      app.POST("/v1/accounts", {
        body: { handle: "daily_news", displayName: "Daily News", kind: "public", identity: { name: NAME, documentType: "cn_resident_id", documentNumber: ID_NUMBER }, phone: PHONE },
      }),
      201,
    );
    accountId = created.account.id;
    expect(created.account.status).toBe("pending_phone");
    expect(JSON.stringify(created)).not.toContain(ID_NUMBER);
    expect(JSON.stringify(created)).not.toContain(NAME);

    // The local SMS sender keeps the message for the admin to read.
    const sms = await expectData(admin.POST("/v1/dev/sms", { body: { phone: PHONE } }), 200);
    const code = /\b(\d{6})\b/.exec(sms.messages.at(-1)!.body)![1]!;
    await expectData(app.POST("/v1/accounts/{id}/phone/verify", { params: { path: { id: accountId } }, body: { code } }), 200);

    // The local stack sends identities to manual review.
    const reviewed = await expectData(
      operator.POST("/v1/accounts/{id}/review", { params: { path: { id: accountId } }, body: { decision: "approve", reason: "documents checked" } }),
      200,
    );
    expect(reviewed.status).toBe("verified");

    const { data: profile, response } = await api().GET("/v1/public/accounts/{handle}", { params: { path: { handle: "daily_news" } }, parseAs: "text" });
    expect(response.status).toBe(200);
    expect(JSON.parse(profile!)).toMatchObject({ handle: "daily_news", badges: { verified: true } });
    for (const secret of [NAME, ID_NUMBER, PHONE, "138"]) expect(profile).not.toContain(secret);
  });

  it("screens posts against a published policy and refuses news without a licence", async () => {
    const list = await expectData(admin.POST("/v1/term-lists", { body: { name: "rumours", category: "rumour" } }), 201);
    await expectData(admin.POST("/v1/term-lists/{id}/terms", { params: { path: { id: list.id } }, body: [{ pattern: "谣言测试", severity: 3 }] }), 201);
    await expectData(admin.POST("/v1/policy/publish"), 201);

    const text = "据说 谣-言-测-试 正在流传";
    const screened = await expectData(app.POST("/v1/screen", { body: { accountId, text, kind: "post", postId: POST_ID } }), 200);
    expect(screened.verdict).toBe("review");
    const hit = screened.reasons.find((r) => r.code === "term_match")!;
    expect(text.slice(hit.start, hit.end)).toBe("谣-言-测-试");

    const news = await expectData(app.POST("/v1/screen", { body: { accountId, text: "今日新闻", kind: "news", postId: "post-journey-news-1" } }), 200);
    expect(news.verdict).toBe("block");
    expect(news.reasons.map((r) => r.code)).toContain("publisher_not_authorised");

    await expectData(
      operator.POST("/v1/publishers", { body: { accountId, scope: ["political_news"], licenceNumber: "10120170001", issuer: "CAC", expiresAt: "2030-01-01T00:00:00Z" } }),
      201,
    );
    const licensed = await expectData(app.POST("/v1/screen", { body: { accountId, text: "今日新闻", kind: "news", postId: "post-journey-news-2" } }), 200);
    expect(licensed.verdict).toBe("allow");
    const profile = await expectData(api().GET("/v1/public/accounts/{handle}", { params: { path: { handle: "daily_news" } } }), 200);
    expect(profile.badges.newsPublisher?.scope).toEqual(["political_news"]);
  });

  it("counts spread exactly and escalates a threshold to one review item", async () => {
    const post = { params: { path: { postId: POST_ID } } };
    for (const user of ["u1", "u2", "u3", "u1"]) await expectData(app.POST("/v1/posts/{postId}/reposts", { ...post, body: { accountId: user } }), 200);
    await expectData(app.POST("/v1/posts/{postId}/views", { ...post, body: { count: 5000 } }), 200);
    await expectData(app.POST("/v1/posts/{postId}/views", { ...post, body: { count: 10 } }), 200);
    // A public account's post is counted on shards that report to its coordinator every
    // 250 ms, so the exact figure settles shortly after the last write.
    const settled = await eventually(async () => {
      const live = await expectData(app.GET("/v1/posts/{postId}/spread", { params: { path: { postId: POST_ID }, query: { live: "1" } } }), 200);
      return live.views >= 5010 && live.reposts >= 3 ? live : undefined;
    });
    expect(settled).toMatchObject({ reposts: 3, views: 5010 });

    const items = await eventually(async () => {
      const page = await expectData(operator.GET("/v1/review-queue", { params: { query: { source: "spread", limit: 100 } } }), 200);
      const mine = page.items.filter((i) => i.subjectId === POST_ID);
      return mine.length > 0 ? mine : undefined;
    });
    expect(items).toHaveLength(1);
  });

  it("lets a moderator remove the post; reposts are then refused and the decision is on record", async () => {
    const queue = await expectData(operator.GET("/v1/review-queue", { params: { query: { source: "spread", limit: 100 } } }), 200);
    const item = queue.items.find((i) => i.subjectId === POST_ID)!;
    await expectData(operator.POST("/v1/review-queue/{id}/decision", { params: { path: { id: item.id } }, body: { decision: "remove_post", reason: "confirmed rumour" } }), 200);
    const refused = await expectProblem(app.POST("/v1/posts/{postId}/reposts", { params: { path: { postId: POST_ID } }, body: { accountId: "u9" } }), 409);
    expect(refused.code).toBe("post_removed");
    const audit = await expectData(operator.GET("/v1/audit", { params: { query: { subjectType: "post", subjectId: POST_ID } } }), 200);
    expect(audit.entries.map((e) => e.action)).toContain("review.remove_post");
  });
});
