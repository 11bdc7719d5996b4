import { beforeAll, describe, expect, it } from "vitest";
import { call, problem } from "../../../test/support/call";
import { createList, grantLicence, importTerms, publish, seedAccount, testEnv } from "./helpers";

interface Stats { version: number | null; loads: number; hits: number; loadMs: number | null; terms: number }
const stats = async () => (await (await call("/v1/policy/cache", { role: "operator" })).json()) as Stats;

describe("isolate matcher cache", () => {
  it("loads each version once, shares the load between concurrent first requests, and follows publishes at once", async () => {
    const account = await seedAccount();
    const list = await createList("cache", "terrorism");
    await importTerms(list, Array.from({ length: 2000 }, (_, i) => ({ pattern: `恐怖${i}`, severity: 5 })));
    const v1 = await publish();
    const before = await stats();

    const results = await Promise.all(
      Array.from({ length: 12 }, () => call("/v1/screen", { role: "app", body: { accountId: account, kind: "post", text: "恐怖7 攻击" } })),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const after = await stats();
    expect(after.loads).toBe(before.loads + 1);
    expect(after).toMatchObject({ version: v1, terms: 2000 });
    expect(after.loadMs).not.toBeNull();
    // Exactly the requests that waited for the load say so, in server-timing.
    const timed = results.filter((r) => r.headers.get("server-timing")?.startsWith("policy-load"));
    expect(timed.length).toBeGreaterThanOrEqual(1);
    expect(timed[0]!.headers.get("server-timing")).toMatch(new RegExp(`^policy-load;desc="v${v1}";dur=\\d+`));

    // Later requests are hits: no reload, no load timing, and no read (the account's facts are cached too).
    const again = await call("/v1/screen", { role: "app", body: { accountId: account, kind: "post", text: "clean" } });
    expect(again.headers.get("server-timing")).toMatch(/^decide;dur=\d+, evidence-put;dur=\d+, d1-write;dur=\d+$/);
    expect((await stats()).loads).toBe(after.loads);

    // A new version is used by the very next request.
    await importTerms(list, [{ pattern: "新词", severity: 9 }]);
    const v2 = await publish();
    const next = (await (await call("/v1/screen", { role: "app", body: { accountId: account, kind: "post", text: "新词" } })).json()) as { verdict: string; policyVersion: number };
    expect(next).toEqual(expect.objectContaining({ verdict: "block", policyVersion: v2 }));
    expect((await stats()).loads).toBe(after.loads + 1);
  });
});

describe("post records under concurrency", () => {
  it("records every concurrent post; of concurrent duplicates exactly one wins", async () => {
    const account = await seedAccount();
    const ids = Array.from({ length: 16 }, (_, i) => `gc-${i}`);
    const res = await Promise.all(ids.map((postId) => call("/v1/screen", { role: "app", body: { accountId: account, kind: "post", text: "hello", postId } })));
    expect(res.map((r) => r.status)).toEqual(ids.map(() => 200));
    const n = await testEnv.DB.prepare("SELECT count(*) AS n FROM posts WHERE id LIKE 'gc-%'").first<{ n: number }>();
    expect(n!.n).toBe(16);

    // Concurrent identical requests (an app's retries): one is recorded, the others get its verdict back.
    const dup = await Promise.all(Array.from({ length: 8 }, () => call("/v1/screen", { role: "app", body: { accountId: account, kind: "post", text: "again", postId: "gc-dup" } })));
    expect(dup.map((r) => r.status)).toEqual(dup.map(() => 200));
    const bodies = (await Promise.all(dup.map((r) => r.json()))) as { replayed?: boolean; verdict: string }[];
    expect(bodies.filter((b) => !b.replayed)).toHaveLength(1);
    expect(new Set(bodies.map((b) => b.verdict))).toEqual(new Set(["allow"]));
    expect(await testEnv.DB.prepare("SELECT count(*) AS n FROM posts WHERE id = 'gc-dup'").first()).toEqual({ n: 1 });

    // Concurrent different posts under one id: one is recorded, the others refused.
    const diff = await Promise.all(Array.from({ length: 6 }, (_, i) => call("/v1/screen", { role: "app", body: { accountId: account, kind: "post", text: `text ${i}`, postId: "gc-diff" } })));
    expect(diff.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
  });
});

describe("cached account facts", () => {
  const statusOf = (id: string, status: string) => testEnv.DB.prepare("UPDATE accounts SET status = ? WHERE id = ?").bind(status, id).run();
  const timing = (res: Response) => res.headers.get("server-timing") ?? "";

  beforeAll(async () => {
    const list = await createList("facts", "fraud");
    await importTerms(list, [{ pattern: "刷单", severity: 3 }]); // review
    await publish();
  });

  it("a status change takes effect on the next request: the stale verdict is never recorded", async () => {
    const account = await seedAccount();
    const ok = await call("/v1/screen", { role: "app", body: { accountId: account, kind: "post", text: "刷单 hello", postId: "facts-1" } });
    expect(((await ok.json()) as { verdict: string }).verdict).toBe("review");
    const hit = await call("/v1/screen", { role: "app", body: { accountId: account, kind: "post", text: "hello" } });
    expect(timing(hit)).not.toContain("d1-read");

    await statusOf(account, "suspended");
    // Decided first on the cached "verified" (review), refused by the insert, decided again.
    const res = await call("/v1/screen", { role: "app", body: { accountId: account, kind: "post", text: "刷单 hello", postId: "facts-2" } });
    expect(res.status).toBe(200);
    expect(timing(res)).toContain("d1-read");
    const body = (await res.json()) as { verdict: string; reasons: { code: string }[] };
    expect(body.verdict).toBe("block");
    expect(body.reasons.map((r) => r.code)).toContain("account_suspended");
    const row = await testEnv.DB.prepare("SELECT verdict FROM posts WHERE id = 'facts-2'").first();
    expect(row).toEqual({ verdict: "block" });
    // The review item of the refused first decision was not written.
    expect(await testEnv.DB.prepare("SELECT count(*) AS n FROM review_queue WHERE subject_id = 'facts-2'").first()).toEqual({ n: 0 });
    expect(await testEnv.DB.prepare("SELECT count(*) AS n FROM review_queue WHERE subject_id = 'facts-1'").first()).toEqual({ n: 1 });

    await statusOf(account, "verified");
    expect(((await (await call("/v1/screen", { role: "app", body: { accountId: account, kind: "post", text: "hello" } })).json()) as { verdict: string }).verdict).toBe("allow");
  });

  it("a revoked or expired licence takes effect on the next request", async () => {
    const account = await seedAccount();
    const licence = await grantLicence(account);
    const news = () => call("/v1/screen", { role: "app", body: { accountId: account, kind: "news", text: "今日新闻" } });
    expect(((await (await news()).json()) as { verdict: string }).verdict).toBe("allow");
    await testEnv.DB.prepare("UPDATE publisher_licences SET revoked_at = ? WHERE id = ?").bind(Date.now(), licence).run();
    const res = await news();
    const body = (await res.json()) as { verdict: string; reasons: { code: string }[] };
    expect(body.verdict).toBe("block");
    expect(body.reasons.map((r) => r.code)).toContain("publisher_not_authorised");

    const later = await grantLicence(account);
    expect(((await (await news()).json()) as { verdict: string }).verdict).toBe("allow");
    await testEnv.DB.prepare("UPDATE publisher_licences SET expires_at = ? WHERE id = ?").bind(Date.now() - 1, later).run();
    expect(((await (await news()).json()) as { verdict: string }).verdict).toBe("block");
  });

  it("a deleted account is unknown on the next request", async () => {
    const account = await seedAccount();
    expect((await call("/v1/screen", { role: "app", body: { accountId: account, kind: "post", text: "hi" } })).status).toBe(200);
    await testEnv.DB.prepare("DELETE FROM accounts WHERE id = ?").bind(account).run();
    const res = await call("/v1/screen", { role: "app", body: { accountId: account, kind: "post", text: "hi" } });
    expect(res.status).toBe(404);
    expect((await problem(res)).code).toBe("account_not_found");
  });
});
