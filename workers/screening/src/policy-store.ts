/**
 * Published policy versions in D1: gathering the current lists, compiling and storing a new
 * immutable version in chunks, loading a version back, making a version current.
 */
import { and, asc, desc, eq, gte, lt, sql } from "drizzle-orm";
import { allowPhrases, blockedDomains, contactRules, policyChunks, policyCurrent, policyVersions, screeningCategories, termLists, terms } from "../../../db/schema";
import { ApiError } from "../../../pkg/errors";
import type { Db } from "../../../pkg/db";
import { sha256Hex } from "../../../pkg/ids";
import { compile, EngineInputError, FORMAT_VERSION, formatVersionOf, load, type Matcher, type TermEntry } from "../engine/index";
import { base64DecodeInto, base64ToBytes, bytesToBase64 } from "../../../pkg/encoding";
import type { PolicyConfig, SeverityRange } from "./policy-config";

/** Base64 characters per chunk row: far under D1's 2 MB row limit (bound as a parameter). */
export const CHUNK_CHARS = 1_500_000;
/** The bytes a chunk holds (a multiple of 3: each chunk is base64 on its own, without padding inside). */
const CHUNK_BYTES = (CHUNK_CHARS / 4) * 3;
/** Chunks read per query when a version is loaded: a few MB of base64 in memory at a time. */
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

/** The statements that store a compiled draft as `version` and make it current (for one db.batch). */
export async function buildPublish(db: Db, draft: PolicyDraft, createdBy: string) {
  const bytes = compiledBytes(draft);
  // Every isolate will load these bytes: ones that do not load are never stored (an engine bug,
  // not the caller's — it happened once, 2026-12-07: a 500, and nothing written).
  load(bytes);
  // Chunk by chunk: the whole base64 text is never held (44 MB for 100,000 English phrases).
  const chunks: string[] = [];
  for (let i = 0; i < bytes.length; i += CHUNK_BYTES) chunks.push(bytesToBase64(bytes.subarray(i, i + CHUNK_BYTES)));
  if (chunks.length === 0) chunks.push("");
  const latest = await db.select({ v: sql<number>`coalesce(max(${policyVersions.version}), 0)` }).from(policyVersions).get();
  const version = (latest?.v ?? 0) + 1;
  const now = Date.now();
  const info: VersionInfo = {
    version,
    contentHash: draft.contentHash,
    termCount: draft.entries.length,
    allowCount: draft.allow.length,
    byteSize: bytes.length,
    createdAt: now,
    createdBy,
  };
  const statements = [
    // A concurrent publish that took the same number fails here, and the whole batch with it.
    db.insert(policyVersions).values({ ...info, chunkCount: chunks.length, config: JSON.stringify(draft.config) }),
    ...chunks.map((data, seq) => db.insert(policyChunks).values({ version, seq, data })),
    db.insert(policyCurrent).values({ id: 1, version, updatedAt: now }).onConflictDoUpdate({ target: policyCurrent.id, set: { version, updatedAt: now } }),
  ] as const;
  return { info, statements };
}

/**
 * The draft compiled and serialized. The compiled matcher is dropped here, before the bytes
 * are loaded and encoded: publishing peaks at the bytes, their base64 and the compile, never
 * with the compiled tables beside them (100,000 English phrases: 31 MB).
 */
function compiledBytes(draft: PolicyDraft): Uint8Array {
  try {
    return compile(draft.entries, { allow: draft.allow }).serialize();
  } catch (e) {
    if (e instanceof EngineInputError) {
      throw new ApiError(422, "policy_invalid", "The engine refused some terms or allow phrases; fix or delete them and publish again.", {
        errors: (e.ids.length ? e.ids : [0]).slice(0, 100).map((id) => ({ field: e.ids.length ? `terms[${id}]` : "allow", code: "ENGINE_REFUSED", message: e.message.slice(0, 200) })),
      });
    }
    throw e;
  }
}

export async function getVersion(db: Db, version: number): Promise<(VersionInfo & { config: string; chunkCount: number }) | undefined> {
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
 * from its first chunk's header). Such bytes still load, but derive their arrays at load: an
 * unchanged policy may then be published again, to store the current format.
 */
export async function storedFormatIsOld(db: Db, version: number): Promise<boolean> {
  const head = await db
    .select({ b64: sql<string>`substr(${policyChunks.data}, 1, 12)` })
    .from(policyChunks)
    .where(and(eq(policyChunks.version, version), eq(policyChunks.seq, 0)))
    .get();
  // 12 base64 characters: the header's first 9 bytes. The empty policy of migration 0013 stores no matcher: nothing to upgrade.
  const format = head ? formatVersionOf(base64ToBytes(head.b64)) : undefined;
  return format !== undefined && format < FORMAT_VERSION;
}

/**
 * Reads a version's chunks and config and loads the matcher (no compile). The chunks are read a
 * page at a time and decoded into one buffer of the stored size, so an isolate holds the bytes
 * once and a few MB of base64 beside them: read whole, joined and decoded, a version took about
 * four times its bytes (100,000 English phrases: 33 MB of bytes, some 150 MB at the peak, past an
 * isolate's 128 MB).
 */
export async function loadVersion(db: Db, version: number): Promise<{ matcher: Matcher; config: PolicyConfig }> {
  const m = await db
    .select({ config: policyVersions.config, chunkCount: policyVersions.chunkCount, byteSize: policyVersions.byteSize })
    .from(policyVersions)
    .where(eq(policyVersions.version, version))
    .get();
  const incomplete = () => new Error(`policy version ${version} is missing or incomplete`);
  if (!m) throw incomplete();
  // The empty policy of migration 0013 stores no matcher (publish always stores at least one chunk).
  if (m.chunkCount === 0) return { matcher: compile([]), config: JSON.parse(m.config) as PolicyConfig };
  const bytes = new Uint8Array(m.byteSize);
  let at = 0, seq = 0;
  while (seq < m.chunkCount) {
    const page = await db
      .select({ seq: policyChunks.seq, data: policyChunks.data })
      .from(policyChunks)
      .where(and(eq(policyChunks.version, version), gte(policyChunks.seq, seq), lt(policyChunks.seq, seq + LOAD_PAGE_CHUNKS)))
      .orderBy(asc(policyChunks.seq));
    if (page.length === 0) throw incomplete();
    for (const chunk of page) {
      if (chunk.seq !== seq++) throw incomplete();
      at = base64DecodeInto(chunk.data, bytes, at); // throws if the chunks hold more than the stored size
    }
  }
  if (at !== bytes.length) throw incomplete();
  return { matcher: load(bytes), config: JSON.parse(m.config) as PolicyConfig };
}
