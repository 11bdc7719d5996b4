/** The tamper-evident audit chain: sequencing, verify, signed checkpoints, export. */
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { auditStatement } from "../../../pkg/audit";
import { runAtomic } from "../../../pkg/batch";
import { verifyAuditExport } from "../../../scripts/audit-verifier.mjs";
import { call, problem } from "../../../test/support/call";
import { auditChain, chainPending, GENESIS_HASH } from "../src/audit-chain";
import { AUDIT_CHAIN_CRON, AUDIT_CHECKPOINT_CRON } from "../src/audit-cron";
import { signingKey } from "../src/audit-signing";
import { verifyChain } from "../src/audit-verify";
import type { Env } from "../src/env";
import worker from "../src/index";

const testEnv = env as unknown as Env;
const operator = { role: "operator" as const, keyId: "key_operator0001" };
let n = 0;

/** One audited change as every writer makes it: its own batch with an auditStatement. */
function write(i = n++): Promise<unknown> {
  return runAtomic(testEnv.DB, [
    auditStatement({ role: "operator", keyId: `key_writer${i % 7}` }, `req-${i}`, {
      action: "test.change",
      subjectType: "post",
      subjectId: `post-${i}`,
      reason: i % 3 === 0 ? null : `reason ${i} «ü»`,
      details: { i, nested: { z: 1, a: [i, "x"] }, status: "ok" },
    }),
  ]);
}

async function resetLog(): Promise<void> {
  await testEnv.DB.batch([testEnv.DB.prepare("DELETE FROM audit_log"), testEnv.DB.prepare("DELETE FROM audit_checkpoints")]);
}

async function chainRows(): Promise<{ seq: number; prev_hash: string; hash: string }[]> {
  return (await testEnv.DB.prepare("SELECT seq, prev_hash, hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq").all<{ seq: number; prev_hash: string; hash: string }>()).results;
}

async function verify(query = ""): Promise<{ ok: boolean; checked: number; from: number; to: number; firstBroken: { seq: number; reason: string } | null }> {
  const res = await call(`/v1/audit/verify${query}`, { ...operator });
  expect(res.status).toBe(200);
  return res.json();
}

function expectGaplessChain(rows: { seq: number; prev_hash: string; hash: string }[], count: number): void {
  expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  rows.forEach((r, i) => expect(r.prev_hash).toBe(i === 0 ? GENESIS_HASH : rows[i - 1]!.hash));
  expect(new Set(rows.map((r) => r.hash)).size).toBe(count);
}

describe("sequencing", () => {
  it("200 concurrent audited changes, chained while they land by the sequencer and by overlapping direct chainers, make one gapless fork-free chain that verifies", async () => {
    await resetLog();
    const chainer = auditChain(testEnv);
    await Promise.all([
      ...Array.from({ length: 200 }, () => write()),
      // Chaining runs racing the writes: the object (serial) and two direct ones that bypass it.
      chainer.chain(),
      chainPending(testEnv.DB),
      chainPending(testEnv.DB),
      chainer.chain(),
    ]);
    await Promise.all([chainPending(testEnv.DB), chainPending(testEnv.DB), chainer.chain()]);
    const rows = await chainRows();
    expectGaplessChain(rows, 200);
    expect((await testEnv.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE seq IS NULL").first<{ n: number }>())!.n).toBe(0);
    expect(await verify()).toEqual({ ok: true, from: 1, to: 200, checked: 200, firstBroken: null });
  });

  it("chains new entries after an existing head, in insertion order, and the chain cron links pending entries", async () => {
    await resetLog();
    for (let i = 0; i < 5; i++) await write();
    await auditChain(testEnv).chain();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      await write();
      ids.push((await testEnv.DB.prepare("SELECT id FROM audit_log WHERE seq IS NULL ORDER BY rowid DESC LIMIT 1").first<{ id: string }>())!.id);
    }
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: AUDIT_CHAIN_CRON, scheduledTime: Date.now() }), testEnv, ctx);
    await waitOnExecutionContext(ctx);
    const tail = await testEnv.DB.prepare("SELECT id, seq FROM audit_log WHERE seq > 5 ORDER BY seq").all<{ id: string; seq: number }>();
    expect(tail.results).toEqual(ids.map((id, i) => ({ id, seq: 6 + i })));
    expectGaplessChain(await chainRows(), 8);
  });

  it("measures the chainer: entries linked per second (1,000 entries)", async () => {
    await resetLog();
    const statements = Array.from({ length: 1000 }, (_, i) =>
      auditStatement({ role: "operator", keyId: "key_bench" }, `req-b${i}`, { action: "bench.change", subjectType: "post", subjectId: `p${i}`, details: { i } }),
    );
    for (let i = 0; i < statements.length; i += 100) await runAtomic(testEnv.DB, statements.slice(i, i + 100));
    const started = performance.now();
    const run = await auditChain(testEnv).chain();
    const ms = performance.now() - started;
    expect(run.chained).toBe(1000);
    console.log(`audit chainer: ${run.chained} entries in ${ms.toFixed(0)} ms = ${Math.round((run.chained / ms) * 1000)} entries/s (${run.retries} retries)`);
    expect((await verify()).ok).toBe(true);
  });
});

describe("verify names the first broken link", () => {
  async function fresh(count: number): Promise<void> {
    await resetLog();
    for (let i = 0; i < count; i++) await write();
    await auditChain(testEnv).chain();
  }

  it("an edited entry: its own seq, hash_mismatch", async () => {
    await fresh(60);
    await testEnv.DB.prepare("UPDATE audit_log SET reason = 'edited afterwards' WHERE seq = 37").run();
    expect(await verify()).toEqual({ ok: false, from: 1, to: 60, checked: 36, firstBroken: { seq: 37, reason: "hash_mismatch" } });
    // A range before the edit still verifies; one starting after it too (its first link is trusted from seq 37's stored hash).
    expect((await verify("?from=1&to=36")).ok).toBe(true);
    expect((await verify("?from=38&to=60")).ok).toBe(true);
  });

  it("an edited details value (the JSON column): hash_mismatch at that seq", async () => {
    await fresh(10);
    await testEnv.DB.prepare(`UPDATE audit_log SET details = json_set(details, '$.status', 'changed') WHERE seq = 4`).run();
    expect((await verify()).firstBroken).toEqual({ seq: 4, reason: "hash_mismatch" });
  });

  it("every entry records the published policy version in force; it is hashed, so changing it breaks that link; entries without one keep the ten-member form", async () => {
    await resetLog();
    await testEnv.DB.prepare("DELETE FROM policy_current").run();
    await write(); // seq 1: no published policy
    await testEnv.DB.prepare("INSERT INTO policy_current (id, version, updated_at) VALUES (1, 7, 0)").run();
    await write(); // seq 2: version 7 in force
    await auditChain(testEnv).chain();
    const rows = (await testEnv.DB.prepare("SELECT seq, policy_version FROM audit_log ORDER BY seq").all<{ seq: number; policy_version: number | null }>()).results;
    expect(rows).toEqual([{ seq: 1, policy_version: null }, { seq: 2, policy_version: 7 }]);
    const listed = (await (await call("/v1/audit?limit=2", { ...operator })).json()) as { entries: { policyVersion: number | null }[] };
    expect(listed.entries.map((e) => e.policyVersion)).toEqual([7, null]);
    expect((await verify()).ok).toBe(true);
    await testEnv.DB.prepare("UPDATE audit_log SET policy_version = 8 WHERE seq = 2").run();
    expect((await verify()).firstBroken).toEqual({ seq: 2, reason: "hash_mismatch" });
    await testEnv.DB.prepare("UPDATE audit_log SET policy_version = 7 WHERE seq = 1").run();
    expect((await verify()).firstBroken).toEqual({ seq: 1, reason: "hash_mismatch" });
    await testEnv.DB.prepare("DELETE FROM policy_current").run();
  });

  it("a deleted entry: its seq, missing", async () => {
    await fresh(60);
    await testEnv.DB.prepare("DELETE FROM audit_log WHERE seq = 37").run();
    expect(await verify()).toEqual({ ok: false, from: 1, to: 60, checked: 36, firstBroken: { seq: 37, reason: "missing" } });
  });

  it("a rewritten chain (entry edited and every later hash recomputed) is caught by the signed checkpoint", async () => {
    await fresh(20);
    const res = await call("/v1/audit/checkpoints", { ...operator, method: "POST" });
    expect(res.status).toBe(201);
    const checkpoint = (await res.json()) as { seq: number };
    expect(checkpoint.seq).toBe(20);
    // The attacker edits seq 5 and recomputes 5..20 so every link holds again.
    await testEnv.DB.prepare("UPDATE audit_log SET reason = 'rewritten', seq = -seq WHERE seq >= 5 AND seq <= 20").run();
    await testEnv.DB.prepare("UPDATE audit_log SET seq = NULL, prev_hash = NULL, hash = NULL WHERE seq < 0").run();
    await chainPending(testEnv.DB); // relinks them (and the checkpoint's own entry) with fresh hashes
    expect((await verify("?from=1&to=21")).firstBroken).toEqual({ seq: 20, reason: "checkpoint_mismatch" });
  });

  it("a deleted tail below the last checkpoint: missing", async () => {
    await fresh(10);
    expect((await call("/v1/audit/checkpoints", { ...operator, method: "POST" })).status).toBe(201);
    await auditChain(testEnv).chain(); // the checkpoint's own entry becomes seq 11
    await testEnv.DB.prepare("DELETE FROM audit_log WHERE seq >= 10").run();
    expect(await verify()).toEqual({ ok: false, from: 1, to: 10, checked: 9, firstBroken: { seq: 10, reason: "missing" } });
  });

  it("a forged checkpoint signature: checkpoint_signature_invalid", async () => {
    await fresh(5);
    expect((await call("/v1/audit/checkpoints", { ...operator, method: "POST" })).status).toBe(201);
    await testEnv.DB.prepare("UPDATE audit_checkpoints SET signed_at = signed_at + 1 WHERE seq = 5").run();
    expect((await verify("?to=5")).firstBroken).toEqual({ seq: 5, reason: "checkpoint_signature_invalid" });
  });
});

describe("checkpoints and the public key", () => {
  it("signs the head with Ed25519; the signature verifies under GET /v1/audit/public-key; a repeat with nothing new returns the same checkpoint", async () => {
    await resetLog();
    for (let i = 0; i < 3; i++) await write();
    const res = await call("/v1/audit/checkpoints", { ...operator, method: "POST" });
    expect(res.status).toBe(201);
    const cp = (await res.json()) as { seq: number; headHash: string; signedAt: string; keyId: string; signature: string };
    expect(cp.seq).toBe(3);
    const head = await testEnv.DB.prepare("SELECT hash FROM audit_log WHERE seq = 3").first<{ hash: string }>();
    expect(cp.headHash).toBe(head!.hash);

    const keyRes = await call("/v1/audit/public-key");
    expect(keyRes.status).toBe(200);
    const key = (await keyRes.json()) as { keyId: string; publicKey: string; algorithm: string };
    expect(key.algorithm).toBe("Ed25519");
    expect(cp.keyId).toBe(key.keyId);
    const publicKey = await crypto.subtle.importKey("raw", Uint8Array.from(atob(key.publicKey), (c) => c.charCodeAt(0)), { name: "Ed25519" }, false, ["verify"]);
    const message = `{"headHash":"${cp.headHash}","log":"gatehouse-audit","seq":3,"signedAt":${Date.parse(cp.signedAt)}}`;
    const signature = Uint8Array.from(atob(cp.signature), (c) => c.charCodeAt(0));
    expect(await crypto.subtle.verify({ name: "Ed25519" }, publicKey, signature, new TextEncoder().encode(message))).toBe(true);

    // The checkpoint is audited in its own batch: one audit.checkpoint entry.
    const entry = await testEnv.DB.prepare("SELECT actor_key_id, subject_id FROM audit_log WHERE action = 'audit.checkpoint'").all();
    expect(entry.results).toEqual([{ actor_key_id: operator.keyId, subject_id: "3" }]);
  });

  it("20 concurrent checkpoint requests on a quiet log: one checkpoint per head, never two rows for one seq", async () => {
    await resetLog();
    await write();
    const answers = await Promise.all(Array.from({ length: 20 }, () => call("/v1/audit/checkpoints", { ...operator, method: "POST" })));
    expect(answers.every((r) => r.status === 201 || r.status === 200)).toBe(true);
    const rows = (await testEnv.DB.prepare("SELECT seq FROM audit_checkpoints ORDER BY seq").all<{ seq: number }>()).results;
    const entries = (await testEnv.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'audit.checkpoint'").first<{ n: number }>())!.n;
    expect(entries).toBe(rows.length);
    expect(new Set(rows.map((r) => r.seq)).size).toBe(rows.length);
    expect((await verify()).ok).toBe(true);
  });

  it("the daily cron signs a checkpoint as the system", async () => {
    await resetLog();
    await write();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: AUDIT_CHECKPOINT_CRON, scheduledTime: Date.UTC(2026, 11, 7, 3) }), testEnv, ctx);
    await waitOnExecutionContext(ctx);
    const row = await testEnv.DB.prepare("SELECT seq, signed_at FROM audit_checkpoints").first();
    expect(row).toEqual({ seq: 1, signed_at: Date.UTC(2026, 11, 7, 3) });
    expect(await testEnv.DB.prepare("SELECT actor_key_id, actor_role FROM audit_log WHERE action = 'audit.checkpoint'").first()).toEqual({ actor_key_id: "audit-checkpoint", actor_role: "system" });
  });

  it("errors: empty log 409 audit_log_empty; apps 403; no signing key 503 audit_signing_unavailable", async () => {
    await resetLog();
    const empty = await call("/v1/audit/checkpoints", { ...operator, method: "POST" });
    expect(empty.status).toBe(409);
    expect((await problem(empty)).code).toBe("audit_log_empty");
    for (const path of ["/v1/audit/verify", "/v1/exports/audit"]) expect((await problem(await call(path, { role: "app" }))).code).toBe("forbidden_role");
    expect((await problem(await call("/v1/audit/checkpoints", { role: "app", method: "POST" }))).code).toBe("forbidden_role");
    await expect(signingKey({})).rejects.toMatchObject({ code: "audit_signing_unavailable", httpStatus: 503 });
    await expect(signingKey({ AUDIT_SIGNING_KEY: "bm90IGEga2V5" })).rejects.toMatchObject({ code: "audit_signing_unavailable" });
  });

  it("ranges: from > to, zero, non-numbers and other formats are 422 validation_failed", async () => {
    for (const path of ["/v1/audit/verify?from=5&to=4", "/v1/audit/verify?from=0", "/v1/audit/verify?to=abc", "/v1/exports/audit?format=csv", "/v1/exports/audit?from=9&to=1"]) {
      const res = await call(path, { ...operator });
      expect(res.status, path).toBe(422);
      expect((await problem(res)).code).toBe("validation_failed");
    }
  });
});

describe("export", () => {
  async function exportText(query = ""): Promise<string> {
    const res = await call(`/v1/exports/audit${query}`, { ...operator });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    return res.text();
  }
  const linesOf = (text: string) => text.replace(/\n$/, "").split("\n");

  it("streams entries with chain fields and the checkpoints inside the range; the offline verifier accepts it and refuses it after one byte changes; the export is audited", async () => {
    await resetLog();
    for (let i = 0; i < 1203; i++) await write(); // more than two pages
    expect((await call("/v1/audit/checkpoints", { ...operator, method: "POST" })).status).toBe(201); // at 1203
    const key = (await (await call("/v1/audit/public-key")).json()) as { publicKey: string };

    const text = await exportText();
    const lines = linesOf(text);
    const header = JSON.parse(lines[0]!);
    expect(header).toMatchObject({ type: "header", format: "gatehouse-audit-export/1", from: 1, to: 1204 }); // + the checkpoint's entry
    expect(lines.filter((l) => l.includes('"type":"entry"'))).toHaveLength(1204);
    expect(JSON.parse(lines[lines.length - 1]!)).toEqual({ type: "end", entries: 1204, checkpoints: 1 });
    expect(await verifyAuditExport(lines, { publicKey: key.publicKey })).toEqual({ ok: true, entries: 1204, checkpoints: 1, keySource: "given", firstBroken: null });

    // One byte flipped in an entry's content: that line fails.
    const at = text.indexOf('"subjectId":"post-', text.indexOf('"seq":500,'));
    const flipped = text.slice(0, at + 18) + String.fromCharCode(text.charCodeAt(at + 18) ^ 1) + text.slice(at + 19);
    expect((await verifyAuditExport(linesOf(flipped), { publicKey: key.publicKey })).firstBroken).toEqual({ line: 501, seq: 500, reason: "hash_mismatch" });
    // Another key than the one that signed: the checkpoint does not verify.
    const other = btoa(String.fromCharCode(...new Uint8Array(32).fill(1)));
    expect((await verifyAuditExport(lines, { publicKey: other })).firstBroken?.reason).toBe("checkpoint_unknown_key");
    // A dropped line, a truncated file.
    expect((await verifyAuditExport([...lines.slice(0, 10), ...lines.slice(11)], { publicKey: key.publicKey })).firstBroken).toEqual({ line: 11, seq: 10, reason: "missing" });
    expect((await verifyAuditExport(lines.slice(0, -1), { publicKey: key.publicKey })).firstBroken?.reason).toBe("truncated");

    const audited = await testEnv.DB.prepare("SELECT subject_id, details FROM audit_log WHERE action = 'audit.export'").all<{ subject_id: string; details: string }>();
    expect(audited.results).toEqual([{ subject_id: "1-1204", details: JSON.stringify({ from: 1, to: 1204, format: "ndjson" }) }]);
  });

  it("a sub-range verifies on its own (its first link taken as given) and carries only the checkpoints inside it", async () => {
    await resetLog();
    for (let i = 0; i < 10; i++) await write();
    expect((await call("/v1/audit/checkpoints", { ...operator, method: "POST" })).status).toBe(201); // at 10
    const lines = linesOf(await exportText("?from=4&to=10"));
    expect(lines).toHaveLength(1 + 7 + 1 + 1);
    expect(JSON.parse(lines[1]!).seq).toBe(4);
    expect((await verifyAuditExport(lines)).ok).toBe(true);
    expect(linesOf(await exportText("?from=4&to=9")).some((l) => l.includes('"type":"checkpoint"'))).toBe(false);
  });
});

describe("verifyChain", () => {
  it("an empty log verifies with nothing checked", async () => {
    await resetLog();
    expect(await verifyChain(testEnv.DB, testEnv, {})).toEqual({ ok: true, from: 1, to: 0, checked: 0, firstBroken: null });
  });
});
