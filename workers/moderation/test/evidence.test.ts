/** Evidence in moderation: the operator's read (audited, role-gated) and the purge cron. */
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { runAtomic } from "../../../pkg/batch";
import { evidenceKeys, sealEvidence, type EvidenceDocument } from "../../../pkg/evidence";
import { decideItem } from "../../../pkg/review-signals";
import { call, problem } from "../../../test/support/call";
import { PURGE_BATCH } from "../src/evidence";
import type { Env } from "../src/env";
import worker from "../src/index";

const testEnv = env as unknown as Env;
const DAY = 86_400_000;
let seq = 0;

function doc(postId: string, text = `evidence text of ${postId}`): EvidenceDocument {
  return {
    postId,
    accountId: "acc_fixture000000",
    kind: "post",
    title: "a title",
    text,
    links: ["https://example.com/x"],
    verdict: "review",
    reasons: [{ code: "term_match", action: "review", category: "fraud", severity: 3, termId: 1, field: "text", start: 0, end: 2, excerpt: text.slice(0, 2) }],
    categories: ["fraud"],
    policyVersion: 2,
  };
}

/** What screening writes for one post: the posts row, the sealed object, its metadata. */
async function screened(postId: string, opts: { retainUntil?: number; createdAt?: number; text?: string } = {}): Promise<string> {
  const createdAt = opts.createdAt ?? Date.now();
  const sealed = await sealEvidence(await evidenceKeys(testEnv), doc(postId, opts.text));
  await testEnv.EVIDENCE.put(sealed.objectKey, sealed.bytes);
  await testEnv.DB.batch([
    testEnv.DB.prepare(
      `INSERT INTO posts (id, account_id, content_hash, kind, verdict, reasons, categories, policy_version, created_at)
       VALUES (?, 'acc_fixture000000', 'hash', 'post', 'review', '[]', '[]', 2, ?)`,
    ).bind(postId, createdAt),
    testEnv.DB.prepare("INSERT INTO post_evidence (post_id, object_key, content_hash, size, created_at, retain_until) VALUES (?, ?, ?, ?, ?, ?)").bind(
      postId,
      sealed.objectKey,
      sealed.contentHash,
      sealed.bytes.length,
      createdAt,
      opts.retainUntil ?? createdAt + 30 * DAY,
    ),
  ]);
  return sealed.objectKey;
}

async function item(subjectId: string, opts: { subjectType?: "post" | "account"; decidedAt?: number } = {}): Promise<string> {
  const id = `rvw_evtest${(++seq).toString().padStart(8, "0")}`;
  await testEnv.DB.prepare(
    `INSERT INTO review_queue (id, dedupe_key, subject_type, subject_id, source, reason_code, status, details, created_at, decided_at, decision, decided_by)
     VALUES (?, ?, ?, ?, 'screening', 'term_match', ?, '{}', ?, ?, ?, ?)`,
  )
    .bind(
      id,
      `test:${id}`,
      opts.subjectType ?? "post",
      subjectId,
      opts.decidedAt === undefined ? "open" : "decided",
      (opts.decidedAt ?? Date.now()) - DAY,
      opts.decidedAt ?? null,
      opts.decidedAt === undefined ? null : "dismiss",
      opts.decidedAt === undefined ? null : "key_testop",
    )
    .run();
  return id;
}

async function runCron(scheduledTime: number): Promise<void> {
  const controller = createScheduledController({ scheduledTime, cron: "17 * * * *" });
  const ctx = createExecutionContext();
  await worker.scheduled(controller, testEnv, ctx);
  await waitOnExecutionContext(ctx);
}

async function evidenceKeysInD1(): Promise<string[]> {
  const { results } = await testEnv.DB.prepare("SELECT post_id FROM post_evidence ORDER BY post_id").all<{ post_id: string }>();
  return results.map((r) => r.post_id);
}

async function objectPosts(): Promise<string[]> {
  const listed = await testEnv.EVIDENCE.list({ prefix: "posts/" });
  return listed.objects.map((o) => o.key.split("/")[1]!).sort();
}

async function clearEvidence(): Promise<void> {
  await testEnv.DB.prepare("DELETE FROM post_evidence").run();
  const listed = await testEnv.EVIDENCE.list();
  if (listed.objects.length) await testEnv.EVIDENCE.delete(listed.objects.map((o) => o.key));
}

describe("GET /v1/review-queue/{id}/evidence (happy)", () => {
  it("an operator reads the decrypted content; the read is audited without the content", async () => {
    await screened("mod-ev-read-1", { text: "可疑内容 marker-okapi-88" });
    const id = await item("mod-ev-read-1");
    const res = await call(`/v1/review-queue/${id}/evidence`, { role: "operator", keyId: "key_op1" });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      reviewItemId: id,
      postId: "mod-ev-read-1",
      title: "a title",
      text: "可疑内容 marker-okapi-88",
      links: ["https://example.com/x"],
      reasons: [{ code: "term_match", start: 0, end: 2, excerpt: "可疑" }],
      categories: ["fraud"],
      policyVersion: 2,
    });
    const audit = await testEnv.DB.prepare("SELECT * FROM audit_log WHERE action = 'evidence.read' AND subject_id = ?").bind("mod-ev-read-1").all<Record<string, unknown>>();
    expect(audit.results).toHaveLength(1);
    expect(audit.results[0]).toMatchObject({ actor_key_id: "key_op1", actor_role: "operator", subject_type: "post" });
    expect(JSON.parse(String(audit.results[0]!.details))).toEqual({ reviewItemId: id });
    expect(JSON.stringify(audit.results)).not.toContain("marker-okapi");
  });

  it("admins may read; each read is one more audit entry", async () => {
    await screened("mod-ev-read-2");
    const id = await item("mod-ev-read-2");
    for (let i = 0; i < 3; i++) expect((await call(`/v1/review-queue/${id}/evidence`, { role: "admin" })).status).toBe(200);
    const n = await testEnv.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'evidence.read' AND subject_id = 'mod-ev-read-2'").first<{ n: number }>();
    expect(n!.n).toBe(3);
  });
});

describe("GET /v1/review-queue/{id}/evidence (errors)", () => {
  it("unknown item: 404 review_item_not_found", async () => {
    const res = await call("/v1/review-queue/rvw_nope000000000/evidence", { role: "operator" });
    expect(res.status).toBe(404);
    expect((await problem(res)).code).toBe("review_item_not_found");
  });

  it("malformed id: 422", async () => {
    const res = await call("/v1/review-queue/bad%20id!/evidence", { role: "operator" });
    expect(res.status).toBe(422);
  });

  it("an account item, a post without evidence, and purged evidence: 404 evidence_not_found, nothing audited", async () => {
    const accountItem = await item("acc_someone0000000", { subjectType: "account" });
    const noEvidence = await item("mod-ev-none-1");
    await screened("mod-ev-gone-1");
    const gone = await item("mod-ev-gone-1");
    const listed = await testEnv.EVIDENCE.list({ prefix: "posts/mod-ev-gone-1/" });
    await testEnv.EVIDENCE.delete(listed.objects.map((o) => o.key));
    for (const id of [accountItem, noEvidence, gone]) {
      const res = await call(`/v1/review-queue/${id}/evidence`, { role: "operator" });
      expect(res.status).toBe(404);
      expect((await problem(res)).code).toBe("evidence_not_found");
    }
    const n = await testEnv.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'evidence.read' AND subject_id IN ('acc_someone0000000', 'mod-ev-none-1', 'mod-ev-gone-1')").first<{ n: number }>();
    expect(n!.n).toBe(0);
  });
});

describe("evidence (security)", () => {
  it("apps cannot read evidence; anonymous calls are refused", async () => {
    await screened("mod-ev-role-1");
    const id = await item("mod-ev-role-1");
    const app = await call(`/v1/review-queue/${id}/evidence`, { role: "app" });
    expect(app.status).toBe(403);
    expect((await problem(app)).code).toBe("forbidden_role");
    const anon = await call(`/v1/review-queue/${id}/evidence`);
    expect(anon.status).toBe(401);
    expect(JSON.stringify(await Promise.all([app, anon].map((r) => r.text().catch(() => ""))))).not.toContain("evidence text");
  });

  it("an object copied under another post's metadata does not decrypt: 500 without content, nothing audited", async () => {
    const sourceKey = await screened("mod-ev-aad-a", { text: "secret-of-a-9071" });
    await screened("mod-ev-aad-b");
    const [targetRow] = (await testEnv.DB.prepare("SELECT object_key FROM post_evidence WHERE post_id = 'mod-ev-aad-b'").all<{ object_key: string }>()).results;
    const stolen = await testEnv.EVIDENCE.get(sourceKey);
    await testEnv.EVIDENCE.put(targetRow!.object_key, await stolen!.arrayBuffer());
    const id = await item("mod-ev-aad-b");
    const res = await call(`/v1/review-queue/${id}/evidence`, { role: "operator" });
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain("secret-of-a");
    const n = await testEnv.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'evidence.read' AND subject_id = 'mod-ev-aad-b'").first<{ n: number }>();
    expect(n!.n).toBe(0);
  });
});

describe("the purge cron (scheduled)", () => {
  beforeEach(clearEvidence);

  it("removes exactly what has expired, and orphans once they are a day old, each purge audited", async () => {
    const now = Date.now();
    await screened("keep-fresh", { retainUntil: now + 10 * DAY });
    await screened("purge-expired", { createdAt: now - 31 * DAY, retainUntil: now - DAY });
    await screened("keep-open-item", { createdAt: now - 31 * DAY, retainUntil: now - DAY });
    await item("keep-open-item");
    await screened("keep-decided-recently", { createdAt: now - 60 * DAY, retainUntil: now - 30 * DAY });
    await item("keep-decided-recently", { decidedAt: now - 10 * DAY });
    await screened("purge-decided-long-ago", { createdAt: now - 400 * DAY, retainUntil: now - 370 * DAY });
    await item("purge-decided-long-ago", { decidedAt: now - 181 * DAY });
    await screened("keep-decided-then-reopened", { createdAt: now - 400 * DAY, retainUntil: now - 370 * DAY });
    await item("keep-decided-then-reopened", { decidedAt: now - 200 * DAY });
    await item("keep-decided-then-reopened");
    await screened("keep-last-decision-counts", { createdAt: now - 400 * DAY, retainUntil: now - 370 * DAY });
    await item("keep-last-decision-counts", { decidedAt: now - 300 * DAY });
    await item("keep-last-decision-counts", { decidedAt: now - 5 * DAY });
    // An object whose screening batch never committed: no metadata.
    const orphan = await sealEvidence(await evidenceKeys(testEnv), doc("orphan-post"));
    await testEnv.EVIDENCE.put(orphan.objectKey, orphan.bytes);

    const kept = ["keep-decided-recently", "keep-decided-then-reopened", "keep-fresh", "keep-last-decision-counts", "keep-open-item"];
    await runCron(now);
    expect(await evidenceKeysInD1()).toEqual(kept);
    // The orphan was uploaded moments ago: its batch may still be committing, so it stays.
    expect(await objectPosts()).toEqual([...kept, "orphan-post"].sort());

    const audit = await testEnv.DB.prepare("SELECT * FROM audit_log WHERE action = 'evidence.purge' ORDER BY subject_id").all<Record<string, unknown>>();
    expect(audit.results.map((a) => [a.subject_id, a.actor_key_id, a.actor_role, JSON.parse(String(a.details)).reason])).toEqual([
      ["purge-decided-long-ago", "retention", "system", "expired"],
      ["purge-expired", "retention", "system", "expired"],
    ]);

    // A day and more later: the orphan goes; everything kept is still kept (no deadline passed).
    await runCron(now + 2 * DAY);
    expect(await evidenceKeysInD1()).toEqual(kept);
    expect(await objectPosts()).toEqual(kept);
    const orphanAudit = await testEnv.DB.prepare("SELECT subject_id, details FROM audit_log WHERE action = 'evidence.purge' AND subject_id = 'orphan-post'").all<Record<string, unknown>>();
    expect(orphanAudit.results).toEqual([{ subject_id: "orphan-post", details: JSON.stringify({ reason: "orphan" }) }]);

    // A second run at the same time finds nothing more.
    await runCron(now + 2 * DAY);
    const total = await testEnv.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'evidence.purge'").first<{ n: number }>();
    expect(total!.n).toBe(3);
  });

  it("counts a decision made after the evidence was written, whichever statement decides the item", async () => {
    const now = Date.now();
    for (const id of ["decided-long-ago", "decided-recently"]) await screened(id, { createdAt: now - 400 * DAY, retainUntil: now - 370 * DAY });
    const longAgo = await item("decided-long-ago");
    const recently = await item("decided-recently");
    // Decided as the moderation worker does: an UPDATE of the open item (pkg/review-signals.ts).
    await runAtomic(testEnv.DB, [
      decideItem({ itemId: longAgo, decision: "dismiss", decidedBy: "key_testop", at: now - 181 * DAY }),
      decideItem({ itemId: recently, decision: "dismiss", decidedBy: "key_testop", at: now - 10 * DAY }),
    ]);
    const decidedAt = await testEnv.DB.prepare("SELECT post_id, decided_at FROM post_evidence ORDER BY post_id").all<{ post_id: string; decided_at: number }>();
    expect(decidedAt.results).toEqual([
      { post_id: "decided-long-ago", decided_at: now - 181 * DAY },
      { post_id: "decided-recently", decided_at: now - 10 * DAY },
    ]);
    await runCron(now);
    expect(await evidenceKeysInD1()).toEqual(["decided-recently"]);
  });

  it("uses DECIDED_EVIDENCE_RETENTION_DAYS and works in bounded batches", async () => {
    const now = Date.now();
    const n = PURGE_BATCH + 7;
    for (let i = 0; i < n; i++) await screened(`bulk-${String(i).padStart(4, "0")}`, { createdAt: now - 40 * DAY, retainUntil: now - 10 * DAY });
    await runCron(now);
    expect(await evidenceKeysInD1()).toHaveLength(7);
    expect((await objectPosts()).length).toBe(7);
    await runCron(now);
    expect(await evidenceKeysInD1()).toHaveLength(0);
    expect((await objectPosts()).length).toBe(0);

    await screened("short-decided", { createdAt: now - 40 * DAY, retainUntil: now - 10 * DAY });
    await item("short-decided", { decidedAt: now - 8 * DAY });
    await runCron(now);
    expect(await evidenceKeysInD1()).toEqual(["short-decided"]);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: now }), { ...testEnv, DECIDED_EVIDENCE_RETENTION_DAYS: "7" }, ctx);
    await waitOnExecutionContext(ctx);
    expect(await evidenceKeysInD1()).toEqual([]);
  });
});
