import { describe, expect, it } from "vitest";
import { bucketsOf, BANDS, decodeSignature, encodeSignature, fingerprint, similarity } from "../src/stories/fingerprint";
import { storySettings } from "../src/stories/settings";
import { call } from "../../../test/support/call";
import { screen as screenPost, seedAccount, testEnv, type ScreenResult } from "./helpers";

const screen = async (body: Record<string, unknown>) => (await screenPost(body)) as ScreenResult & { storyId: string | null };

const BASE =
  "据可靠消息，明天上午本市自来水厂将停水检修，全市范围停水三天。请大家提前储备饮用水，不要相信超市涨价的说法。消息来源是水务局内部通知，目前还没有正式公告。";

/** Edits of the base text, as copies travel. */
const COPIES: Record<string, string> = {
  prefix_suffix: `转发：#突发新闻# ${BASE} //@路人甲: 转发微博 https://t.cn/A6xYz9Q`,
  punctuation_emoji: BASE.replace(/，/g, "！！😱").replace(/。/g, "🔥🔥。"),
  noise: [...BASE].join("★"),
  traditional: "據可靠消息，明天上午本市自來水廠將停水檢修，全市範圍停水三天。請大家提前儲備飲用水，不要相信超市漲價的說法。消息來源是水務局內部通知，目前還沒有正式公告。",
  fullwidth_spaces: BASE.replace(/，/g, "　，　"),
  changed_10: BASE.replace("可靠", "确切").replace("三天", "两天").replace("储备", "储存").replace("正式", "官方"),
  reordered: "请大家提前储备饮用水，不要相信超市涨价的说法。据可靠消息，明天上午本市自来水厂将停水检修，全市范围停水三天。消息来源是水务局内部通知，目前还没有正式公告。",
};

/** Same topic (water, the city), another story. */
const UNRELATED = "市水务局今天发布公告，本市新建的第三自来水厂已经通过验收，下个月起向东区供水，届时东区居民用水水压将明显提高，水费标准保持不变。";

interface Story {
  id: string;
  copies: number;
  accounts: number;
  escalated_at: number | null;
}
const storyRow = (id: string | null) => testEnv.DB.prepare("SELECT id, copies, accounts, escalated_at FROM stories WHERE id = ?").bind(id).first<Story>();
const storyOfPost = (postId: string) => testEnv.DB.prepare("SELECT story_id FROM story_posts WHERE post_id = ?").bind(postId).first<string>("story_id");

describe("stories at screening time", () => {
  it("copies under each edit kind join the first copy's story; a same-topic text starts its own", async () => {
    const account = await seedAccount();
    const first = (await screen({ accountId: account, text: BASE }));
    expect(first.storyId).toMatch(/^sty_/);
    expect(await storyOfPost(first.postId)).toBe(first.storyId);
    for (const [kind, text] of Object.entries(COPIES)) {
      const r = (await screen({ accountId: await seedAccount(), text }));
      expect(r.storyId, kind).toBe(first.storyId);
    }
    const other = (await screen({ accountId: account, text: UNRELATED }));
    expect(other.storyId).toMatch(/^sty_/);
    expect(other.storyId).not.toBe(first.storyId);
    expect(await storyRow(first.storyId!)).toMatchObject({ copies: 1 + Object.keys(COPIES).length, accounts: 1 + Object.keys(COPIES).length });
  });

  it("gives no story to a text shorter than STORY_MIN_CHARS after normalisation", async () => {
    const r = (await screen({ accountId: await seedAccount(), text: "好的！！！😂😂😂 https://example.com/a-long-link-that-is-cut" }));
    expect(r.storyId).toBeNull();
    expect(await storyOfPost(r.postId)).toBeNull();
  });

  it("times the story read in server-timing when the text is long enough for a story, and only then", async () => {
    const accountId = await seedAccount();
    const timing = async (text: string) => {
      const res = await call("/v1/screen", { role: "app", body: { accountId, kind: "post", text } });
      expect(res.status).toBe(200);
      return res.headers.get("server-timing") ?? "";
    };
    expect(await timing(`${BASE}（再转）`)).toMatch(/(^|, )story-read;dur=\d+, /);
    expect(await timing("好的")).not.toMatch(/story-read/);
  });

  it("counts copies and distinct accounts: the same account posting twice is one account", async () => {
    const account = await seedAccount();
    const text = "紧急通知：某品牌奶粉检出问题，家里有这个牌子的赶快停用，已经有多名婴儿住院，请转发给身边有孩子的朋友。";
    const a = (await screen({ accountId: account, text }));
    const b = (await screen({ accountId: account, text: `转发：${text}` }));
    expect(b.storyId).toBe(a.storyId);
    expect(await storyRow(a.storyId)).toMatchObject({ copies: 2, accounts: 1 });
  });

  it("concurrent first copies end in one story", async () => {
    const text = "刚刚看到的消息，高速公路明天起全部免费通行一个月，交通部已经下发文件，大家出行前可以关注一下，记得提前规划路线。";
    const accounts = await Promise.all(Array.from({ length: 30 }, () => seedAccount()));
    const results = (await Promise.all(accounts.map((accountId, i) => screen({ accountId, text: i % 2 ? text : `转发：${text}！！` }))));
    const ids = new Set(results.map((r) => r.storyId));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    expect(await storyRow(id!)).toMatchObject({ copies: 30, accounts: 30 });
    const n = await testEnv.DB.prepare("SELECT count(*) AS n FROM stories WHERE first_post_id IN (SELECT post_id FROM story_posts WHERE story_id = ?)").bind(id).first<number>("n");
    expect(n).toBe(1);
  });

  it("escalates a story once when copies come from STORY_ESCALATE_ACCOUNTS (20) accounts, listing its copies", async () => {
    const text = "网传某小区发生严重火灾造成多人伤亡，现场视频已经在群里疯传，物业至今没有任何回应，请住在附近的朋友注意安全。";
    const accounts = await Promise.all(Array.from({ length: 40 }, () => seedAccount()));
    const first = (await screen({ accountId: accounts[0]!, text }));
    for (const accountId of accounts.slice(1, 10)) await screen({ accountId, text: `${text}！` });
    // The next thirty at once: whichever crosses 20 opens the signal, and only one does.
    await Promise.all(accounts.slice(10).map((accountId) => screen({ accountId, text: `转发：${text}` })));
    const story = await storyRow(first.storyId);
    expect(story).toMatchObject({ copies: 40, accounts: 40 });
    expect(story!.escalated_at).not.toBeNull();
    const signals = await testEnv.DB.prepare("SELECT subject_id, reason_code, details FROM review_signals WHERE reason_code = 'story_threshold' AND dedupe_key LIKE ?")
      .bind(`%story:${first.storyId}`)
      .all<{ subject_id: string; details: string }>();
    expect(signals.results).toHaveLength(1);
    expect(signals.results[0]!.subject_id).toBe(first.postId);
    const details = JSON.parse(signals.results[0]!.details);
    expect(details).toMatchObject({ storyId: first.storyId, metric: "accounts" });
    expect(details.copyIds).toContain(first.postId);
    expect(details.copyIds.length).toBeGreaterThanOrEqual(10);
  });

  it("a copy of a removed story gets matches_removed_story (review by default), and its review item links the decision", async () => {
    const text = "内部消息：下周一起全市中小学停课两周，教育局已经开会决定，家长们赶紧安排好孩子的看护，通知很快就会发出来。";
    const first = (await screen({ accountId: await seedAccount(), text }));
    // What moderation's story decision records (workers/moderation/src/stories.ts).
    await testEnv.DB.prepare("UPDATE stories SET removed_at = ?, removed_decision_id = ? WHERE id = ?").bind(Date.now(), "dcs_test0000001", first.storyId).run();
    const copy = (await screen({ accountId: await seedAccount(), text: `转发：${text}` }));
    expect(copy.storyId).toBe(first.storyId);
    expect(copy.verdict).toBe("review");
    expect(copy.reasons).toContainEqual({ code: "matches_removed_story", action: "review" });
    const item = await testEnv.DB.prepare("SELECT reason_code, details FROM review_queue WHERE subject_type = 'post' AND subject_id = ?").bind(copy.postId).first<{ reason_code: string; details: string }>();
    expect(item!.reason_code).toBe("matches_removed_story");
    expect(JSON.parse(item!.details)).toMatchObject({ removedStory: { storyId: first.storyId, decisionId: "dcs_test0000001" } });
  });
});

describe("story fingerprints and settings", () => {
  it("folds disguise away: a traditional, noisy, emoji-laden copy has the same fingerprint", () => {
    const a = fingerprint(BASE, 20)!;
    expect(fingerprint(COPIES.traditional!, 20)!.signature).toEqual(a.signature);
    expect(fingerprint(COPIES.noise!, 20)!.signature).toEqual(a.signature);
    expect(similarity(a.signature, fingerprint(COPIES.prefix_suffix!, 20)!.signature)).toBeGreaterThan(0.8);
    expect(similarity(a.signature, fingerprint(UNRELATED, 20)!.signature)).toBeLessThan(0.3);
    expect(fingerprint("好的 👍👍👍 @someone https://example.com/very/long/link/that/is/cut", 20)).toBeNull();
  });

  it("buckets are one per band, below 2^53; signatures survive their D1 text form", () => {
    const fp = fingerprint(BASE, 20)!;
    const buckets = bucketsOf(fp.signature);
    expect(buckets).toHaveLength(BANDS);
    for (const [band, b] of buckets.entries()) {
      expect(Number.isSafeInteger(b)).toBe(true);
      expect(Math.floor(b / 2 ** 32)).toBe(band);
    }
    expect(decodeSignature(encodeSignature(fp.signature))).toEqual(fp.signature);
    expect(decodeSignature("not base64!")).toBeNull();
    expect(decodeSignature("AAAA")).toBeNull();
  });

  it("reads its vars with defaults; out-of-range values fall back", () => {
    expect(storySettings({})).toEqual({ minChars: 20, similarity: 0.3, removedAction: "review", escalateAccounts: 20 });
    expect(storySettings({ STORY_MIN_CHARS: "0", STORY_SIMILARITY_PERCENT: "45", STORY_REMOVED_ACTION: "block", STORY_ESCALATE_ACCOUNTS: "5" })).toEqual({
      minChars: 0,
      similarity: 0.45,
      removedAction: "block",
      escalateAccounts: 5,
    });
    expect(storySettings({ STORY_SIMILARITY_PERCENT: "250", STORY_REMOVED_ACTION: "allow", STORY_ESCALATE_ACCOUNTS: "-1" })).toEqual({
      minChars: 20,
      similarity: 0.3,
      removedAction: "review",
      escalateAccounts: 20,
    });
  });
});
