/**
 * Isolate cache of the compiled matcher. Every screen request reads the current version
 * number (one row, in the same D1 round trip as the account); the matcher is loaded (from
 * R2) only when that number changes, so a new version takes effect on the next request in
 * every isolate, and nothing is ever rebuilt per request. Concurrent first requests share
 * one load.
 */
import type { Db } from "../../../pkg/db";
import { log } from "../../../pkg/log";
import { FORMAT_VERSION, type Matcher } from "../engine/index";
import type { PolicyConfig } from "./policy-config";
import { loadVersion } from "./policy-store";

export interface LoadedPolicy {
  version: number;
  matcher: Matcher;
  config: PolicyConfig;
  blocked: ReadonlySet<string>;
  /** Wall time of the load (D1 row, R2 object, load()), ms. */
  loadMs: number;
  /** The engine format the version was stored in (below FORMAT_VERSION: publish to recompile it). */
  format: number;
  loadedAt: number;
}

let active: LoadedPolicy | undefined;
const inflight = new Map<number, Promise<LoadedPolicy>>();
const stats = { loads: 0, hits: 0 };

/** The loaded policy of `version`, loading it (once per isolate) if needed; `fresh` when this call waited for a load. */
export async function policyFor(db: Db, bucket: R2Bucket, version: number): Promise<{ policy: LoadedPolicy; fresh: boolean }> {
  if (active?.version === version) {
    stats.hits++;
    return { policy: active, fresh: false };
  }
  let p = inflight.get(version);
  if (!p) {
    p = (async () => {
      const started = Date.now();
      const { matcher, config, format } = await loadVersion(db, bucket, version);
      // Build the term index and warm the scan path now, not in the first request's decision.
      matcher.term(0);
      matcher.findAll("warm-up 预热 text");
      const loaded: LoadedPolicy = { version, matcher, config, blocked: new Set(config.blockedDomains), loadMs: Date.now() - started, format, loadedAt: Date.now() };
      // The latest load wins; a request that reads another version number loads that one.
      active = loaded;
      stats.loads++;
      log("info", "policy_loaded", { version, terms: matcher.termCount, loadMs: loaded.loadMs, format });
      // An older format still screens, but was compiled under older rules (engine README: format
      // version 6 changed folding): an operator should publish once.
      if (format < FORMAT_VERSION) log("warn", "policy_format_outdated", { version, format, current: FORMAT_VERSION });
      return loaded;
    })().finally(() => inflight.delete(version));
    inflight.set(version, p);
  }
  return { policy: await p, fresh: true };
}

export function cacheStats() {
  return {
    version: active?.version ?? null,
    terms: active?.matcher.termCount ?? 0,
    loadMs: active?.loadMs ?? null,
    loadedAt: active ? new Date(active.loadedAt).toISOString() : null,
    format: active?.format ?? null,
    formatOutdated: active ? active.format < FORMAT_VERSION : false,
    loads: stats.loads,
    hits: stats.hits,
  };
}
