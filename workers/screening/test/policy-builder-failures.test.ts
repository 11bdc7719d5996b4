// The policy builder (src/policy-builder.ts) reset in the middle of a publish or a try-it — what a
// deploy or an exceeded memory limit does to a Durable Object, here by `ctx.abort()` — is a 503
// `policy_builder_unavailable` the admin can retry, with nothing published; the retry reaches a
// fresh builder and succeeds.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, problem } from "../../../test/support/call";
import { policyBuilder, type PolicyBuilder } from "../src/policy-builder";
import { createList, importTerms, testEnv } from "./helpers";

const versionCount = async () => (await testEnv.DB.prepare("SELECT count(*) AS n FROM policy_versions").first<{ n: number }>())!.n;

/**
 * Runs `request` with the builder reset while the request's call is inside it: a build of the
 * test's own holds the builder's queue, the request's call enters and waits behind it, then the
 * builder is aborted. Polls and the abort go through the stub of that first build, so they reach
 * the builder in order with it (and at its awaits, while it compiles).
 */
async function resetDuring(request: () => Promise<Response>): Promise<Response> {
  const stub = policyBuilder(testEnv);
  const holding = stub.build("key_test_hold", null).catch(() => "reset");
  const answer = request();
  for (let polls = 0; ; polls++) {
    const busy = await runInDurableObject(stub, (builder: PolicyBuilder) => builder.busy);
    if (busy >= 2) break;
    if (polls > 5_000) throw new Error("the request's call never reached the builder");
  }
  await runInDurableObject(stub, (_builder: PolicyBuilder, state) => state.abort("test: builder reset mid-call")).catch(() => undefined);
  expect(await holding).toBe("reset");
  return answer;
}

describe("the policy builder reset mid-call", () => {
  it("makes publish answer 503 policy_builder_unavailable with Retry-After, publishing nothing; the retry publishes", async () => {
    const list = await createList("reset during publish", "rumour");
    // Enough terms that the holding build is still compiling when the request's call arrives.
    await importTerms(list, Array.from({ length: 20_000 }, (_, i) => ({ pattern: `resetword${i}x`, severity: 1 })));
    const before = await versionCount();

    const res = await resetDuring(() => call("/v1/policy/publish", { role: "admin", method: "POST" }));
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect((await problem(res)).code).toBe("policy_builder_unavailable");
    expect(await versionCount()).toBe(before);

    const retry = await call("/v1/policy/publish", { role: "admin", method: "POST" });
    expect(retry.status).toBe(201);
    expect(await versionCount()).toBe(before + 1);
  });

  it("makes try-it answer 503 policy_builder_unavailable; the retry compiles the draft afresh", async () => {
    const list = await createList("reset during try-it", "rumour");
    await importTerms(list, [...Array.from({ length: 20_000 }, (_, i) => ({ pattern: `tryword${i}y`, severity: 1 })), { pattern: "重置测试", severity: 2 }]);
    const body = { kind: "post", text: "这是重置测试" };

    const res = await resetDuring(() => call("/v1/policy/draft/screen", { role: "admin", body }));
    expect(res.status).toBe(503);
    expect((await problem(res)).code).toBe("policy_builder_unavailable");

    const retry = await call("/v1/policy/draft/screen", { role: "admin", body });
    expect(retry.status).toBe(200);
    expect((await retry.json()) as { compiledNow: boolean; verdict: string }).toMatchObject({ compiledNow: true, verdict: "review" });
  });
});
