/**
 * Published policy versions: gathering the current lists, compiling and storing a new immutable
 * version (its row in D1, its compiled matcher an object in R2), loading a version back, making
 * a version current.
 */
import { and, asc, desc, eq, gte, lt, sql } from "drizzle-orm";
import { allowPhrases, blockedDomains, contactRules, policyChunks, policyCurrent, policyVersions, screeningCategories, termLists, terms } from "../../../db/schema";
import { ApiError } from "../../../pkg/errors";
import type { Db } from "../../../pkg/db";
import { sha256Hex } from "../../../pkg/ids";
import { compile, EngineInputError, FORMAT_VERSION, formatVersionOf, load, type Matcher, type TermEntry } from "../engine/index";
import { base64DecodeInto, base64ToBytes } from "../../../pkg/encoding";
import type { PolicyConfig, SeverityRange } from "./policy-config";
import { policyCharsSql, policyOverLimits, policySizeSql } from "./policy-limits";

/** Chunks read per query when a version stored in D1 chunks (before 2026-12-07) is loaded: a few MB of base64 in memory at a time. */
const LOAD_PAGE_CHUNKS = 4;

export interface PolicyDraft {
  entries: TermEntry[];
  allow: string[];
  config: PolicyConfig;
  contentHash: string;
}

/** Everything a version is made of, read in one round trip, plus the hash of it all. */
export async function readDraft(db: Db): Promise<PolicyDraft> {
  const [termRows, allowRows, domainRows, categoryRows, ruleRows] = await db.batch([
    db
      .select({ id: terms.id, pattern: terms.pattern, severity: terms.severity, flags: terms.flags, category: termLists.category })
      .from(terms)
      .innerJoin(termLists, eq(terms.listId, termLists.id))
      .orderBy(asc(terms.id)),
    db.select({ phrase: allowPhrases.phrase }).from(allowPhrases).orderBy(asc(allowPhrases.phrase)),
    db.select({ domain: blockedDomains.domain }).from(blockedDomains).orderBy(asc(blockedDomains.domain)),
    db.select().from(screeningCategories).orderBy(asc(screeningCategories.name)),
    db.select({ kind: contactRules.kind, action: contactRules.action }).from(contactRules).orderBy(asc(contactRules.kind)),
  ]);
  const entries: TermEntry[] = termRows.map((t) => ({
    id: t.id,
    pattern: t.pattern,
    category: t.category,
    severity: t.severity,
    ...(t.flags ? { flags: JSON.parse(t.flags) as TermEntry["flags"] } : {}),
  }));
  const config: PolicyConfig = {
    categories: Object.fromEntries(categoryRows.map((c) => [c.name, { ranges: JSON.parse(c.ranges) as SeverityRange[], licenceRequired: c.licenceRequired }])),
    contactRules: Object.fromEntries(ruleRows.map((r) => [r.kind, r.action])),
    blockedDomains: domainRows.map((d) => d.domain),
  };
  const allow = allowRows.map((a) => a.phrase);
  const contentHash = await sha256Hex(JSON.stringify({ entries, allow, config }));
  return { entries, allow, config, contentHash };
}

/** The query of what the policy holds now, `{ terms, chars }` in one row (policy-limits.ts), for a `db.batch` beside a write's own reads. */
export function policyTotals(db: Db) {
  return db.select({ terms: policySizeSql, chars: policyCharsSql }).from(sql`(SELECT 1)`);
}

export interface VersionInfo {
  version: number;
  contentHash: string;
  termCount: number;
  allowCount: number;
  byteSize: number;
  createdAt: number;
  createdBy: string;
}

export async function currentVersion(db: Db): Promise<number | null> {
  const row = await db.select({ version: policyCurrent.version }).from(policyCurrent).where(eq(policyCurrent.id, 1)).get();
  return row?.version ?? null;
}

/** A draft compiled and stored as the next version's matcher: its row, not yet written (`publishStatements`). */
export interface StoredCandidate {
  info: VersionInfo;
  /** The R2 object holding the matcher. */
  objectKey: string;
  /** The draft's PolicyConfig, as the version row stores it (JSON). */
  config: string;
}

/**
 * Compiles the draft and stores its matcher as the next version's: an object in R2 under a key
 * of its own (`policy-builder.ts` runs this, in an isolate of its own). A version row never
 * names a missing object: the object is written before the row's batch, and a batch that fails
 * deletes it (`discardCandidate`). Also returns the stored object loaded, as every isolate will
 * load it: bytes that do not load are deleted, never named (an engine bug, not the caller's — it
 * happened once, 2026-12-07: a 500, and nothing written).
 *
 * Memory: the compiled matcher is streamed to R2 (its sections as they are, no copy) and dropped
 * before the object is read back, so the matcher and its bytes are never held at once (README.md).
 * Why R2 and not D1: a D1 batch is sent as one JSON text, so the 17–33 MB of a 65,000-term or
 * 100,000-phrase matcher went out as base64 chunks plus that JSON (about four times the bytes in
 * the isolate at once, past its 128 MB). An R2 put sends the bytes as they are.
 */
export async function storeCandidate(db: Db, bucket: R2Bucket, draft: PolicyDraft, createdBy: string): Promise<{ candidate: StoredCandidate; loaded: Matcher }> {
  const latest = await db.select({ v: sql<number>`coalesce(max(${policyVersions.version}), 0)` }).from(policyVersions).get();
  const version = (latest?.v ?? 0) + 1;
  // Unique per attempt: two publishes that take the same number write two objects, and the one
  // whose batch fails deletes its own.
  const objectKey = `versions/${version}/${crypto.randomUUID()}`;
  const byteSize = await putCompiled(bucket, objectKey, draft, { version: String(version), contentHash: draft.contentHash });
  let loaded: Matcher;
  try {
    const matcher = (await loadObject(bucket, objectKey, byteSize))?.matcher;
    if (!matcher) throw new Error(`policy version ${version}: the stored matcher did not read back whole`);
    loaded = matcher;
  } catch (e) {
    await bucket.delete(objectKey).catch(() => undefined);
    throw e;
  }
  const info: VersionInfo = {
    version,
    contentHash: draft.contentHash,
    termCount: draft.entries.length,
    allowCount: draft.allow.length,
    byteSize,
    createdAt: Date.now(),
    createdBy,
  };
  return { candidate: { info, objectKey, config: JSON.stringify(draft.config) }, loaded };
}

/** Bytes per write of a matcher streamed to R2: the stream holds about one at a time. */
const STREAM_CHUNK_BYTES = 1 << 20;

/**
 * Compiles the draft (422 `policy_invalid` before anything is written) and streams the matcher's
 * serialized parts to `key`; its size. The matcher lives only in this call.
 */
async function putCompiled(bucket: R2Bucket, key: string, draft: PolicyDraft, customMetadata: Record<string, string>): Promise<number> {
  const { byteLength, parts } = compilePolicy(draft, "The engine refused some terms or allow phrases; fix or delete them and publish again.").serializedParts();
  const { readable, writable } = new FixedLengthStream(byteLength);
  const writer = writable.getWriter();
  const put = bucket.put(key, readable, { customMetadata }).catch(async (e: unknown) => {
    await writer.abort(e).catch(() => undefined);
    throw e;
  });
  const writing = (async () => {
    for (const part of parts) for (let at = 0; at < part.length; at += STREAM_CHUNK_BYTES) await writer.write(part.subarray(at, at + STREAM_CHUNK_BYTES));
    await writer.close();
  })();
  await Promise.all([put, writing]);
  return byteLength;
}

/** The statements (for one db.batch) that record a stored candidate as its version and make it current. */
export function publishStatements(db: Db, { info, objectKey, config }: StoredCandidate) {
  const { version, createdAt: now } = info;
  return [
    // A concurrent publish that took the same number fails here, and the whole batch with it.
    db.insert(policyVersions).values({ ...info, chunkCount: 0, objectKey, config }),
    db.insert(policyCurrent).values({ id: 1, version, updatedAt: now }).onConflictDoUpdate({ target: policyCurrent.id, set: { version, updatedAt: now } }),
  ] as const;
}

/** Deletes a candidate whose batch failed (best effort: an object no row names is never read). */
export function discardCandidate(bucket: R2Bucket, { objectKey }: StoredCandidate): Promise<void> {
  return bucket.delete(objectKey).catch(() => undefined);
}

/**
 * The draft's matcher, compiled as publish and the draft's try-it both do, or 422 `policy_invalid`
 * (`refused`: what the caller should do) naming up to 100 terms the engine refused.
 */
export function compilePolicy(draft: PolicyDraft, refused: string): Matcher {
  // Imports keep the lists within the limits; lists that pass them some other way are refused
  // before the compile that could exhaust the isolate's memory.
  const over = policyOverLimits({ terms: 0, chars: 0 }, [...draft.entries.map((e) => e.pattern), ...draft.allow]);
  if (over) throw new ApiError(422, "policy_invalid", "The lists are too large for one policy; delete terms and try again.", { errors: [{ field: "terms", code: "POLICY_TOO_LARGE", message: over }] });
  try {
    return compile(draft.entries, { allow: draft.allow });
  } catch (e) {
    if (e instanceof EngineInputError) {
      throw new ApiError(422, "policy_invalid", refused, {
        // A term at fault is named by id; a limit of the whole list (distinct characters, states) is "terms".
        errors: (e.ids.length ? e.ids.slice(0, 100).map((id) => `terms[${id}]`) : [e.about]).map((field) => ({ field, code: "ENGINE_REFUSED", message: e.message.slice(0, 200) })),
      });
    }
    throw e;
  }
}

export async function getVersion(db: Db, version: number): Promise<(VersionInfo & { config: string; chunkCount: number; objectKey: string | null }) | undefined> {
  return db.select().from(policyVersions).where(eq(policyVersions.version, version)).get();
}

export async function listVersions(db: Db, limit: number, before?: number): Promise<VersionInfo[]> {
  const q = db
    .select({
      version: policyVersions.version,
      contentHash: policyVersions.contentHash,
      termCount: policyVersions.termCount,
      allowCount: policyVersions.allowCount,
      byteSize: policyVersions.byteSize,
      createdAt: policyVersions.createdAt,
      createdBy: policyVersions.createdBy,
    })
    .from(policyVersions);
  return (before ? q.where(sql`${policyVersions.version} < ${before}`) : q).orderBy(desc(policyVersions.version)).limit(limit);
}

/**
 * Whether a version's stored matcher is in an older engine format than this build writes (read
 * from its header, the first 9 bytes). Such bytes still load, but derive their arrays at load: an
 * unchanged policy may then be published again, to store the current format.
 */
export async function storedFormatIsOld(db: Db, bucket: R2Bucket, { version, objectKey }: { version: number; objectKey: string | null }): Promise<boolean> {
  let head: Uint8Array | undefined;
  if (objectKey) {
    const obj = await bucket.get(objectKey, { range: { offset: 0, length: 9 } });
    head = obj ? new Uint8Array(await obj.arrayBuffer()) : undefined;
  } else {
    const chunk = await db
      .select({ b64: sql<string>`substr(${policyChunks.data}, 1, 12)` })
      .from(policyChunks)
      .where(and(eq(policyChunks.version, version), eq(policyChunks.seq, 0)))
      .get();
    // 12 base64 characters: 9 bytes. The empty policy of migration 0013 stores no matcher: nothing to upgrade.
    head = chunk ? base64ToBytes(chunk.b64) : undefined;
  }
  const format = head ? formatVersionOf(head) : undefined;
  return format !== undefined && format < FORMAT_VERSION;
}

/**
 * Reads a version's config and stored matcher and loads the matcher (no compile). `format`: the
 * engine format its bytes were written in (below FORMAT_VERSION: a publish should recompile it).
 */
export async function loadVersion(db: Db, bucket: R2Bucket, version: number): Promise<{ matcher: Matcher; config: PolicyConfig; format: number }> {
  const m = await db
    .select({ config: policyVersions.config, chunkCount: policyVersions.chunkCount, byteSize: policyVersions.byteSize, objectKey: policyVersions.objectKey })
    .from(policyVersions)
    .where(eq(policyVersions.version, version))
    .get();
  if (!m) throw incomplete(version);
  const config = JSON.parse(m.config) as PolicyConfig;
  if (m.objectKey) {
    const loaded = await loadObject(bucket, m.objectKey, m.byteSize);
    if (!loaded) throw incomplete(version);
    return { ...loaded, config };
  }
  // The empty policy of migration 0013 stores no matcher (publish always stored at least one chunk).
  if (m.chunkCount === 0) return { matcher: compile([]), config, format: FORMAT_VERSION };
  const bytes = await chunkedBytes(db, version, m.chunkCount, m.byteSize);
  return { matcher: load(bytes), config, format: formatVersionOf(bytes) ?? FORMAT_VERSION };
}

const incomplete = (version: number) => new Error(`policy version ${version} is missing or incomplete`);

/** The matcher stored in R2 under `key`, loaded, and its format; undefined if the object is missing or not `byteSize` bytes. */
async function loadObject(bucket: R2Bucket, key: string, byteSize: number): Promise<{ matcher: Matcher; format: number } | undefined> {
  const obj = await bucket.get(key);
  if (!obj || obj.size !== byteSize) return undefined;
  const bytes = new Uint8Array(await obj.arrayBuffer());
  // load() refuses bytes without the magic, so a loaded matcher's header has a version.
  return { matcher: load(bytes), format: formatVersionOf(bytes)! };
}

/**
 * The matcher bytes of a version published before 2026-12-07, from its D1 chunks: read a page at
 * a time and decoded into one buffer of the stored size, so the isolate holds the bytes once and
 * a few MB of base64 beside them (read whole, joined and decoded, 100,000 English phrases peaked
 * near 150 MB).
 */
async function chunkedBytes(db: Db, version: number, chunkCount: number, byteSize: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(byteSize);
  let at = 0, seq = 0;
  while (seq < chunkCount) {
    const page = await db
      .select({ seq: policyChunks.seq, data: policyChunks.data })
      .from(policyChunks)
      .where(and(eq(policyChunks.version, version), gte(policyChunks.seq, seq), lt(policyChunks.seq, seq + LOAD_PAGE_CHUNKS)))
      .orderBy(asc(policyChunks.seq));
    if (page.length === 0) throw incomplete(version);
    for (const chunk of page) {
      if (chunk.seq !== seq++) throw incomplete(version);
      at = base64DecodeInto(chunk.data, bytes, at); // throws if the chunks hold more than the stored size
    }
  }
  if (at !== bytes.length) throw incomplete(version);
  return bytes;
}
