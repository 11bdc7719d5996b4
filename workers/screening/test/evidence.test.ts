/** Evidence: every recorded post's content sealed in R2, metadata in the post's batch, nothing plain at rest. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { evidenceKeys, openEvidence } from "../../../pkg/evidence";
import { SealedObjectError } from "../../../pkg/envelope";
import { PRINCIPAL_HEADER } from "../../../pkg/headers";
import { encodePrincipal } from "../../../pkg/principal";
import { call, problem } from "../../../test/support/call";
import worker from "../src/index";
import { createList, importTerms, publish, screen, seedAccount, testEnv } from "./helpers";

let account: string;
const DAY = 86_400_000;

beforeAll(async () => {
  account = await seedAccount();
  const fraud = await createList("fraud-evidence", "fraud");
  await importTerms(fraud, [{ pattern: "刷单", severity: 3 }]);
  await publish();
});

async function objectsOf(postId: string): Promise<R2Object[]> {
  return (await testEnv.EVIDENCE.list({ prefix: `posts/${postId}/` })).objects;
}

async function metadataOf(postId: string) {
  return testEnv.DB.prepare("SELECT * FROM post_evidence WHERE post_id = ?").bind(postId).all<Record<string, unknown>>();
}

async function bytesOf(key: string): Promise<Uint8Array> {
  const object = await testEnv.EVIDENCE.get(key);
  return new Uint8Array(await object!.arrayBuffer());
}

function contains(haystack: Uint8Array, needle: string): boolean {
  const n = new TextEncoder().encode(needle);
  outer: for (let i = 0; i + n.length <= haystack.length; i++) {
    for (let j = 0; j < n.length; j++) if (haystack[i + j] !== n[j]) continue outer;
    return true;
  }
  return false;
}

describe("evidence write (happy)", () => {
  it("seals title, text, links and reasons with offsets into one object; D1 keeps only metadata", async () => {
    const before = Date.now();
    const r = await screen({ accountId: account, title: "兼职", text: "招聘兼职 刷单 日结", links: ["https://example.com/a"], postId: "ev-happy-1" });
    expect(r.verdict).toBe("review");
    const objects = await objectsOf("ev-happy-1");
    expect(objects).toHaveLength(1);
    const { results } = await metadataOf("ev-happy-1");
    expect(results).toHaveLength(1);
    const row = results[0]!;
    expect(row.object_key).toBe(objects[0]!.key);
    expect(row.object_key).toMatch(/^posts\/ev-happy-1\/[0-9a-f]{64}$/);
    expect(row.object_key).toBe(`posts/ev-happy-1/${row.content_hash}`);
    expect(row.size).toBe(objects[0]!.size);
    expect(Number(row.created_at)).toBeGreaterThanOrEqual(before);
    expect(row.retain_until).toBe(Number(row.created_at) + 30 * DAY);

    const doc = await openEvidence(await evidenceKeys(testEnv), "ev-happy-1", await bytesOf(String(row.object_key)));
    expect(doc).toMatchObject({
      postId: "ev-happy-1",
      accountId: account,
      kind: "post",
      title: "兼职",
      text: "招聘兼职 刷单 日结",
      links: ["https://example.com/a"],
      verdict: "review",
      reasons: [{ code: "term_match", category: "fraud", start: 5, end: 7, excerpt: "刷单" }],
      categories: ["fraud"],
    });
  });

  it("records evidence for every verdict, server-generated post ids included", async () => {
    const r = await screen({ accountId: account, text: "平平常常的一天" });
    expect(r.verdict).toBe("allow");
    expect(await objectsOf(r.postId)).toHaveLength(1);
    expect((await metadataOf(r.postId)).results).toHaveLength(1);
  });

  it("a replayed request writes nothing new: same object (same etag), one metadata row", async () => {
    const body = { accountId: account, text: "replay me 刷单", postId: "ev-replay-1" };
    await screen(body);
    const [first] = await objectsOf("ev-replay-1");
    for (let i = 0; i < 3; i++) {
      const res = await call("/v1/screen", { role: "app", body: { kind: "post", ...body } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { replayed?: boolean }).replayed).toBe(true);
    }
    const after = await objectsOf("ev-replay-1");
    expect(after).toHaveLength(1);
    expect(after[0]!.etag).toBe(first!.etag);
    expect(after[0]!.uploaded.getTime()).toBe(first!.uploaded.getTime());
    expect((await metadataOf("ev-replay-1")).results).toHaveLength(1);
  });

  it("20 identical concurrent requests for one new post: one object, one metadata row", async () => {
    const body = { kind: "post", accountId: account, text: "并发 刷单 concurrency", postId: "ev-race-1" };
    const res = await Promise.all(Array.from({ length: 20 }, () => call("/v1/screen", { role: "app", body })));
    expect(res.map((r) => r.status)).toEqual(res.map(() => 200));
    expect(await objectsOf("ev-race-1")).toHaveLength(1);
    const { results } = await metadataOf("ev-race-1");
    expect(results).toHaveLength(1);
    expect(results[0]!.object_key).toBe((await objectsOf("ev-race-1"))[0]!.key);
    expect((await testEnv.DB.prepare("SELECT count(*) AS n FROM posts WHERE id = 'ev-race-1'").first<{ n: number }>())!.n).toBe(1);
  });
});

describe("evidence at rest (security)", () => {
  it("no plaintext: neither the R2 object bytes nor any D1 row holds the distinctive text, title or link", async () => {
    const marker = "zebra-quokka-7731-独角兽";
    const title = "title-pangolin-5519";
    const link = "https://narwhal-4242.example/x";
    const r = await screen({ accountId: account, title, text: `look ${marker} 刷单`, links: [link], postId: "ev-secret-1" });
    expect(r.reasons[0]!.excerpt).toBe("刷单");
    const [object] = await objectsOf("ev-secret-1");
    const bytes = await bytesOf(object!.key);
    for (const needle of [marker, "独角兽", title, link, "刷单"]) expect(contains(bytes, needle)).toBe(false);
    expect(JSON.stringify(object!.customMetadata ?? {})).not.toContain(marker);

    const tables = await testEnv.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'").all<{ name: string }>();
    expect(tables.results.map((t) => t.name)).toContain("post_evidence");
    for (const { name } of tables.results) {
      const rows = await testEnv.DB.prepare(`SELECT * FROM "${name}"`).all();
      const dump = JSON.stringify(rows.results);
      for (const needle of [marker, "独角兽", title, "narwhal-4242"]) expect(dump, `table ${name}`).not.toContain(needle);
    }
  });

  it("AAD binds the object to its post: copied to another post id it does not open", async () => {
    await screen({ accountId: account, text: "bound to its post 刷单", postId: "ev-aad-1" });
    const [object] = await objectsOf("ev-aad-1");
    const bytes = await bytesOf(object!.key);
    const keys = await evidenceKeys(testEnv);
    await expect(openEvidence(keys, "ev-aad-1", bytes)).resolves.toMatchObject({ postId: "ev-aad-1" });
    await expect(openEvidence(keys, "ev-aad-2", bytes)).rejects.toBeInstanceOf(SealedObjectError);
    const tampered = bytes.slice();
    tampered[tampered.length - 1]! ^= 1;
    await expect(openEvidence(keys, "ev-aad-1", tampered)).rejects.toBeInstanceOf(SealedObjectError);
  });
});

describe("evidence errors", () => {
  async function screenWith(env: Record<string, unknown>, body: Record<string, unknown>): Promise<Response> {
    const ctx = createExecutionContext();
    const req = new Request("https://worker.test/v1/screen", {
      method: "POST",
      headers: { "content-type": "application/json", [PRINCIPAL_HEADER]: encodePrincipal({ role: "app", keyId: "key_testapp" }) },
      body: JSON.stringify({ kind: "post", ...body }),
    });
    const res = await worker.fetch(req, { ...testEnv, ...env } as never, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  }

  it.each([
    ["missing master keys", { EVIDENCE_MASTER_KEYS: undefined }],
    ["malformed master keys", { EVIDENCE_MASTER_KEYS: "{not json" }],
    ["a key of the wrong length", { EVIDENCE_MASTER_KEYS: JSON.stringify({ e1: btoa("short") }) }],
    ["an active kid that is not configured", { EVIDENCE_ACTIVE_KID: "nope" }],
  ])("%s: 503 evidence_unavailable, nothing recorded, no secret in the answer", async (_name, env) => {
    const postId = `ev-misconf-${Math.random().toString(36).slice(2, 10)}`;
    const res = await screenWith(env, { accountId: account, text: "刷单", postId });
    expect(res.status).toBe(503);
    const p = await problem(res);
    expect(p.code).toBe("evidence_unavailable");
    // The request id is random hex and may end in "e1": judge everything else.
    const { requestId: _requestId, ...answer } = p;
    expect(JSON.stringify(answer)).not.toMatch(/BwcH|"e1"/);
    expect((await testEnv.DB.prepare("SELECT count(*) AS n FROM posts WHERE id = ?").bind(postId).first<{ n: number }>())!.n).toBe(0);
    expect((await testEnv.DB.prepare("SELECT count(*) AS n FROM review_queue WHERE subject_id = ?").bind(postId).first<{ n: number }>())!.n).toBe(0);
    expect(await objectsOf(postId)).toHaveLength(0);
  });

  it("a refused post (409 post_exists) leaves the recorded evidence as it was", async () => {
    await screen({ accountId: account, text: "original 刷单", postId: "ev-conflict-1" });
    const before = (await metadataOf("ev-conflict-1")).results[0]!;
    const res = await call("/v1/screen", { role: "app", body: { kind: "post", accountId: account, text: "a different post", postId: "ev-conflict-1" } });
    expect(res.status).toBe(409);
    expect((await problem(res)).code).toBe("post_exists");
    const after = (await metadataOf("ev-conflict-1")).results;
    expect(after).toEqual([before]);
    // The recorded object still opens to the original text (a losing write may leave an orphan, which the purge removes).
    const doc = await openEvidence(await evidenceKeys(testEnv), "ev-conflict-1", await bytesOf(String(before.object_key)));
    expect(doc.text).toBe("original 刷单");
  });
});
