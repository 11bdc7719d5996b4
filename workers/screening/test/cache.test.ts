import { describe, expect, it } from "vitest";
import { call } from "../../../test/support/call";
import { createList, importTerms, publish, seedAccount } from "./helpers";

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

    // Later requests are hits: no reload, no load timing.
    const again = await call("/v1/screen", { role: "app", body: { accountId: account, kind: "post", text: "clean" } });
    expect(again.headers.get("server-timing")).toMatch(/^d1-read;dur=\d+, decide;dur=\d+, d1-write;dur=\d+$/);
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
    const { testEnv } = await import("./helpers");
    const n = await testEnv.DB.prepare("SELECT count(*) AS n FROM posts WHERE id LIKE 'gc-%'").first<{ n: number }>();
    expect(n!.n).toBe(16);

    const dup = await Promise.all(Array.from({ length: 8 }, () => call("/v1/screen", { role: "app", body: { accountId: account, kind: "post", text: "again", postId: "gc-dup" } })));
    const statuses = dup.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
  });
});
