/** A published version's matcher is stored in chunks and read back a page of chunks at a time. */
import { describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { policyChunks } from "../../../db/schema";
import { createDb } from "../../../pkg/db";
import { compile } from "../engine/index";
import { buildPublish, CHUNK_CHARS, loadVersion } from "../src/policy-store";
import { testEnv } from "./helpers";

describe("stored matchers", () => {
  it("a matcher of many chunks loads back whole, and a missing chunk is refused", async () => {
    // 25,000 terms of five to eight characters drawn from 2,000 (a fixed LCG): over 5 MB of
    // bytes, five chunks and more, more than one page of them.
    let seed = 12345;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
    const entries = Array.from({ length: 25_000 }, (_, i) => ({
      id: i + 1,
      pattern: Array.from({ length: 5 + (next() % 4) }, () => String.fromCharCode(0x4e00 + (next() % 2000))).join(""),
      category: "fraud",
      severity: 1 + (i % 5),
    }));
    const db = createDb(testEnv.DB);
    const config = { categories: {}, contactRules: {}, blockedDomains: [] };
    const { info, statements } = await buildPublish(db, { entries, allow: [], config, contentHash: "chunks-test" } as never, "test");
    expect(info.byteSize).toBeGreaterThan((4 * CHUNK_CHARS * 3) / 4);
    await db.batch(statements);
    const rows = await db.select({ seq: policyChunks.seq }).from(policyChunks).where(eq(policyChunks.version, info.version));
    expect(rows.length).toBeGreaterThan(4);

    const { matcher, config: loadedConfig } = await loadVersion(db, info.version);
    expect(loadedConfig).toEqual(config);
    const compiled = compile(entries);
    const text = entries.filter((_, i) => i % 401 === 0).map((e) => e.pattern).join("，") + " 的一是不了在人有我他";
    expect(matcher.findAll(text).length).toBeGreaterThan(40);
    expect(matcher.findAll(text)).toEqual(compiled.findAll(text));
    expect(matcher.serialize()).toEqual(compiled.serialize());

    await db.delete(policyChunks).where(and(eq(policyChunks.version, info.version), eq(policyChunks.seq, 2)));
    await expect(loadVersion(db, info.version)).rejects.toThrow(/missing or incomplete/);
  });
});
