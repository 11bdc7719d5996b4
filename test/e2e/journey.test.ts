import { beforeAll, describe, expect, it } from "vitest";
import { adminKey, http, newKey, problemCode } from "./client";

/**
 * One public account's life through every worker, over HTTP, as an operator would see it:
 * register under a real identity → phone code → manual review → licence → policy → screening
 * → spread → escalation → moderation → audit.
 */
const PHONE = "+8613800138000";
const ID_NUMBER = "11010519491231002X";
const NAME = "张三";

let app: string;
let operator: string;
let accountId: string;

async function json<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  app = (await newKey("app")).key;
  operator = (await newKey("operator")).key;
});

describe("a public account's journey through the suite", () => {
  it("registers under a verified identity and shows only public data", async () => {
    const created = await json<{ account: { id: string; status: string } }>(
      await http("/v1/accounts", {
        key: app,
        json: { handle: "daily_news", displayName: "Daily News", kind: "public", identity: { name: NAME, documentType: "cn_resident_id", documentNumber: ID_NUMBER }, phone: PHONE },
      }),
      201,
    );
    accountId = created.account.id;
    expect(created.account.status).toBe("pending_phone");
    expect(JSON.stringify(created)).not.toContain(ID_NUMBER);
    expect(JSON.stringify(created)).not.toContain(NAME);

    // The local SMS sender keeps the message for the admin to read.
    const sms = await json<{ messages: { body: string }[] }>(await http(`/v1/dev/sms?phone=${encodeURIComponent(PHONE)}`, { key: adminKey() }), 200);
    const code = /\b(\d{6})\b/.exec(sms.messages.at(-1)!.body)![1]!;
    await json(await http(`/v1/accounts/${accountId}/phone/verify`, { key: app, json: { code } }), 200);

    // The local stack sends identities to manual review.
    const reviewed = await json<{ account: { status: string } } | { status: string }>(
      await http(`/v1/accounts/${accountId}/review`, { key: operator, json: { decision: "approve", reason: "documents checked" } }),
      200,
    );
    expect(JSON.stringify(reviewed)).toContain('"verified"');

    const profile = await http("/v1/public/accounts/daily_news");
    const text = await profile.text();
    expect(profile.status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({ handle: "daily_news", badges: { verified: true } });
    for (const secret of [NAME, ID_NUMBER, PHONE, "138"]) expect(text).not.toContain(secret);
  });

  it("screens posts against a published policy and refuses news without a licence", async () => {
    const list = await json<{ id: string }>(await http("/v1/term-lists", { key: adminKey(), json: { name: "rumours", category: "rumour" } }), 201);
    await json(await http(`/v1/term-lists/${list.id}/terms`, { key: adminKey(), json: [{ pattern: "谣言测试", severity: 3 }] }), 201);
    await json(await http("/v1/policy/publish", { method: "POST", key: adminKey() }), 201);

    const text = "据说 谣-言-测-试 正在流传";
    const screened = await json<{ verdict: string; reasons: { code: string; start?: number; end?: number }[] }>(
      await http("/v1/screen", { key: app, json: { accountId, text, kind: "post", postId: "post-journey-1" } }),
      200,
    );
    expect(screened.verdict).toBe("review");
    const hit = screened.reasons.find((r) => r.code === "term_match")!;
    expect(text.slice(hit.start, hit.end)).toBe("谣-言-测-试");

    const news = await json<{ verdict: string; reasons: { code: string }[] }>(
      await http("/v1/screen", { key: app, json: { accountId, text: "今日新闻", kind: "news", postId: "post-journey-news-1" } }),
      200,
    );
    expect(news.verdict).toBe("block");
    expect(news.reasons.map((r) => r.code)).toContain("publisher_not_authorised");

    await json(
      await http("/v1/publishers", { key: operator, json: { accountId, scope: ["political_news"], licenceNumber: "10120170001", issuer: "CAC", expiresAt: "2030-01-01T00:00:00Z" } }),
      201,
    );
    const licensed = await json<{ verdict: string }>(
      await http("/v1/screen", { key: app, json: { accountId, text: "今日新闻", kind: "news", postId: "post-journey-news-2" } }),
      200,
    );
    expect(licensed.verdict).toBe("allow");
    const profile = await json<{ badges: { newsPublisher: { scope: string[] } | null } }>(await http("/v1/public/accounts/daily_news"), 200);
    expect(profile.badges.newsPublisher?.scope).toEqual(["political_news"]);
  });

  it("counts spread exactly and escalates a threshold to one review item", async () => {
    for (const user of ["u1", "u2", "u3", "u1"]) await json(await http("/v1/posts/post-journey-1/reposts", { key: app, json: { accountId: user } }), 200);
    await json(await http("/v1/posts/post-journey-1/views", { key: app, json: { count: 5000 } }), 200);
    await json(await http("/v1/posts/post-journey-1/views", { key: app, json: { count: 10 } }), 200);
    // A public account's post is counted on shards that report to its coordinator every
    // 250 ms, so the exact figure settles shortly after the last write.
    const settled = await eventually(async () => {
      const live = await json<{ reposts: number; views: number }>(await http("/v1/posts/post-journey-1/spread?live=1", { key: app }), 200);
      return live.views >= 5010 && live.reposts >= 3 ? live : undefined;
    });
    expect(settled).toMatchObject({ reposts: 3, views: 5010 });

    const items = await eventually(async () => {
      const page = await json<{ items: { subjectId: string; source: string }[] }>(await http("/v1/review-queue?source=spread&limit=100", { key: operator }), 200);
      const mine = page.items.filter((i) => i.subjectId === "post-journey-1");
      return mine.length > 0 ? mine : undefined;
    });
    expect(items).toHaveLength(1);
  });

  it("lets a moderator remove the post; reposts are then refused and the decision is on record", async () => {
    const queue = await json<{ items: { id: string; subjectId: string }[] }>(await http("/v1/review-queue?source=spread&limit=100", { key: operator }), 200);
    const item = queue.items.find((i) => i.subjectId === "post-journey-1")!;
    await json(await http(`/v1/review-queue/${item.id}/decision`, { key: operator, json: { decision: "remove_post", reason: "confirmed rumour" } }), 200);
    const refused = await http("/v1/posts/post-journey-1/reposts", { key: app, json: { accountId: "u9" } });
    expect(refused.status).toBe(409);
    expect(await problemCode(refused)).toBe("post_removed");
    const audit = await json<{ entries: { action: string }[] }>(await http("/v1/audit?subjectType=post&subjectId=post-journey-1", { key: operator }), 200);
    expect(audit.entries.map((e) => e.action)).toContain("review.remove_post");
  });
});
