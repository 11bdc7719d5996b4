/**
 * A published version's matcher is one R2 object; versions published before 2026-12-07 keep it
 * in D1 chunks, read back a page of chunks at a time.
 */
import { describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { policyChunks, policyVersions } from "../../../db/schema";
import { createDb } from "../../../pkg/db";
import { bytesToBase64 } from "../../../pkg/encoding";
import { compile, type TermEntry } from "../engine/index";
import { discardCandidate, loadVersion, publishStatements, storeCandidate } from "../src/policy-store";
import { testEnv } from "./helpers";

const config = { categories: {}, contactRules: {}, blockedDomains: [] };

/** 25,000 terms of five to eight characters drawn from 2,000 (a fixed LCG): over 5 MB of bytes. */
function manyTerms(): TermEntry[] {
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
  return Array.from({ length: 25_000 }, (_, i) => ({
    id: i + 1,
    pattern: Array.from({ length: 5 + (next() % 4) }, () => String.fromCharCode(0x4e00 + (next() % 2000))).join(""),
    category: "fraud",
    severity: 1 + (i % 5),
  }));
}

/** The loaded matcher is the compiled one: same bytes, same matches on the terms' own text. */
function expectSameMatcher(loaded: ReturnType<typeof compile>, entries: TermEntry[]) {
  const compiled = compile(entries);
  const text = entries.filter((_, i) => i % 401 === 0).map((e) => e.pattern).join("，") + " 的一是不了在人有我他";
  expect(loaded.findAll(text).length).toBeGreaterThan(40);
  expect(loaded.findAll(text)).toEqual(compiled.findAll(text));
  expect(loaded.serialize()).toEqual(compiled.serialize());
}

describe("stored matchers", () => {
  it("a published matcher is one R2 object, streamed from the compiled matcher, that loads back whole; a missing or truncated object is refused", async () => {
    const entries = manyTerms();
    const db = createDb(testEnv.DB);
    const { candidate, loaded } = await storeCandidate(db, testEnv.POLICIES, { entries, allow: [], config, contentHash: "object-test" }, "test");
    const { info } = candidate;
    expect(info.byteSize).toBeGreaterThan(5_000_000);
    expect(loaded.serialize()).toHaveLength(info.byteSize);
    await db.batch(publishStatements(db, candidate));
    const row = await db.select().from(policyVersions).where(eq(policyVersions.version, info.version)).get();
    expect(row).toMatchObject({ chunkCount: 0, byteSize: info.byteSize });
    const object = await testEnv.POLICIES.head(row!.objectKey!);
    expect(object?.size).toBe(info.byteSize);
    expect(await db.select().from(policyChunks).where(eq(policyChunks.version, info.version))).toEqual([]);

    const { matcher, config: loadedConfig } = await loadVersion(db, testEnv.POLICIES, info.version);
    expect(loadedConfig).toEqual(config);
    expectSameMatcher(matcher, entries);

    const bytes = new Uint8Array(await (await testEnv.POLICIES.get(row!.objectKey!))!.arrayBuffer());
    await testEnv.POLICIES.put(row!.objectKey!, bytes.subarray(0, bytes.length - 1));
    await expect(loadVersion(db, testEnv.POLICIES, info.version)).rejects.toThrow(/missing or incomplete/);
    await testEnv.POLICIES.delete(row!.objectKey!);
    await expect(loadVersion(db, testEnv.POLICIES, info.version)).rejects.toThrow(/missing or incomplete/);
  });

  it("of two publishes that took the same version number, the one whose batch fails deletes its object", async () => {
    const db = createDb(testEnv.DB);
    const draft = (hash: string) => ({ entries: manyTerms().slice(0, 100), allow: [], config, contentHash: hash });
    const { candidate: first } = await storeCandidate(db, testEnv.POLICIES, draft("race-a"), "test");
    const { candidate: second } = await storeCandidate(db, testEnv.POLICIES, draft("race-b"), "test");
    expect(second.info.version).toBe(first.info.version);
    const keys = async () => (await testEnv.POLICIES.list({ prefix: `versions/${first.info.version}/` })).objects.map((o) => o.key);
    expect(await keys()).toHaveLength(2);
    await db.batch(publishStatements(db, first));
    await expect(db.batch(publishStatements(db, second))).rejects.toThrow(/UNIQUE/);
    await discardCandidate(testEnv.POLICIES, second);
    const row = await db.select().from(policyVersions).where(eq(policyVersions.version, first.info.version)).get();
    expect(row?.contentHash).toBe("race-a");
    expect(await keys()).toEqual([row!.objectKey]);
  });

  it("a version stored in D1 chunks (published before 2026-12-07) loads back whole; a missing chunk is refused", async () => {
    const entries = manyTerms();
    const bytes = compile(entries).serialize();
    // As publish wrote them: 1,125,000 bytes (1,500,000 base64 characters) per chunk, here six.
    const chunkBytes = 1_125_000;
    const chunks: string[] = [];
    for (let i = 0; i < bytes.length; i += chunkBytes) chunks.push(bytesToBase64(bytes.subarray(i, i + chunkBytes)));
    expect(chunks.length).toBeGreaterThan(4); // more than one page of chunks
    const db = createDb(testEnv.DB);
    const version = 900;
    await db.batch([
      db.insert(policyVersions).values({
        version, contentHash: "chunks-test", termCount: entries.length, allowCount: 0, byteSize: bytes.length, chunkCount: chunks.length,
        config: JSON.stringify(config), createdAt: Date.now(), createdBy: "test",
      }),
      ...chunks.map((data, seq) => db.insert(policyChunks).values({ version, seq, data })),
    ]);
    const { matcher, config: loadedConfig } = await loadVersion(db, testEnv.POLICIES, version);
    expect(loadedConfig).toEqual(config);
    expectSameMatcher(matcher, entries);

    await db.delete(policyChunks).where(and(eq(policyChunks.version, version), eq(policyChunks.seq, 2)));
    await expect(loadVersion(db, testEnv.POLICIES, version)).rejects.toThrow(/missing or incomplete/);
  });
});
