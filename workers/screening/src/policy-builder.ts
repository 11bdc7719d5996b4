/**
 * The one place a policy is compiled: publish's matcher and the draft's try-it
 * (`POST /v1/policy/draft/screen`). One Durable Object, `PolicyBuilder` (name "policy").
 *
 * Why an isolate of its own: compiling is a publish's memory peak (100,000 English phrases: about
 * 59 MB of resident memory above the baseline), and the draft's compiled matcher is kept between
 * tries. In the screening isolates both sat beside the published matcher and the memory of the
 * `/v1/screen` requests they serve, so an admin's publish or try-it could take down an isolate
 * that screens posts. Here builds run one at a time, and the draft kept is at most one matcher.
 *
 * Refusals come back as values (`Refusal`), not exceptions: an RPC exception keeps its message,
 * not an ApiError's code and fields.
 */
import { DurableObject } from "cloudflare:workers";
import { createDb } from "../../../pkg/db";
import { durableCall } from "../../../pkg/durable";
import { ApiError, type FieldError } from "../../../pkg/errors";
import { FORMAT_VERSION } from "../engine/index";
import { decide, type Facts } from "./decide";
import type { Env } from "./env";
import type { LoadedPolicy } from "./policy-cache";
import { compilePolicy, readDraft, storeCandidate, type PolicyDraft, type StoredCandidate } from "./policy-store";

/** The one builder: `env.POLICY_BUILDER.getByName(POLICY_BUILDER_NAME)`. */
export const POLICY_BUILDER_NAME = "policy";

export function policyBuilder(env: Env): DurableObjectStub<PolicyBuilder> {
  return env.POLICY_BUILDER.getByName(POLICY_BUILDER_NAME);
}

/**
 * One call to the builder, through a stub of its own (a stub that saw an exception may stay
 * broken). The platform's failures — the builder reset mid-call (a deploy, an exceeded limit),
 * overloaded, or a transient error — are 503 `policy_builder_unavailable`: nothing was published
 * or answered (a candidate object already stored is never read without its version row), and a
 * retry reaches a fresh builder. An exception of the builder's own code stays a 500.
 */
export function callBuilder<R>(env: Env, call: (builder: DurableObjectStub<PolicyBuilder>) => R): Promise<Awaited<R>> {
  return durableCall("policy_builder", () => call(policyBuilder(env)), (failure) => {
    const busy = failure === "overloaded";
    return new ApiError(503, "policy_builder_unavailable", busy ? "The policy builder is busy; retry in a few seconds." : "The policy builder was restarted during this request; retry.", {
      headers: { "retry-after": busy ? "5" : "1" },
    });
  });
}

/** The engine refused the draft: 422 `policy_invalid` with this detail and these errors (compilePolicy). */
export interface Refusal {
  kind: "refused";
  detail: string;
  errors: FieldError[];
}

export type BuildOutcome = { kind: "built"; candidate: StoredCandidate } | { kind: "unchanged" } | Refusal;

export type DraftFacts = Pick<Facts, "kind" | "text" | "title" | "links"> & { licenceScopes: string[] | null };

export type DraftScreenOutcome = { kind: "screened"; outcome: ReturnType<typeof decide>; draftHash: string; compiledNow: boolean } | Refusal;

/** Throws a builder's refusal as the route's error. */
export function throwRefusal(r: Refusal): never {
  throw new ApiError(422, "policy_invalid", r.detail, { errors: r.errors });
}

/** A build's stored candidate, or its refusal thrown (a build without `unlessHash` is never `unchanged`). */
export function candidateOf(b: BuildOutcome): StoredCandidate {
  if (b.kind === "refused") throwRefusal(b);
  if (b.kind === "unchanged") throw new Error("policy builder answered unchanged to a build without unlessHash");
  return b.candidate;
}

function refusalOf(e: unknown): Refusal {
  if (e instanceof ApiError && e.code === "policy_invalid") return { kind: "refused", detail: e.detail, errors: e.extra.errors ?? [] };
  throw e;
}

export class PolicyBuilder extends DurableObject<Env> {
  /** The latest draft compiled (or published), by content hash; a refused draft is not kept. */
  private draft: { hash: string; policy: Promise<LoadedPolicy> } | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  /** Calls inside the builder now (build, screenDraft): what a reset cuts short (the tests reset it mid-call). */
  busy = 0;

  private async counted<T>(fn: () => Promise<T>): Promise<T> {
    this.busy++;
    try {
      return await fn();
    } finally {
      this.busy--;
    }
  }

  /** One build at a time: each holds a compile's peak, then the stored matcher read back. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Compiles the current lists and stores the matcher as the next version's candidate; the caller
   * writes its row (publishStatements) or discards it. `unchanged` when the lists' content hash is
   * `unlessHash` (nothing compiled).
   */
  async build(createdBy: string, unlessHash: string | null): Promise<BuildOutcome> {
    return this.counted(() => this.serial(() => this.buildNext(createdBy, unlessHash)));
  }

  private async buildNext(createdBy: string, unlessHash: string | null): Promise<BuildOutcome> {
    const db = createDb(this.env.DB);
    const draft = await readDraft(db);
    if (draft.contentHash === unlessHash) return { kind: "unchanged" };
    // The draft kept for try-it goes first: a publish compiles it anyway, and the two
    // together are what this object exists to keep out of one isolate.
    this.draft = undefined;
    try {
      const { candidate, loaded } = await storeCandidate(db, this.env.POLICIES, draft, createdBy);
      // Tries after a publish screen against what was stored, with no compile.
      this.draft = { hash: draft.contentHash, policy: Promise.resolve(loadedDraft(draft, loaded)) };
      return { kind: "built", candidate };
    } catch (e) {
      return refusalOf(e);
    }
  }

  /** Screens a text against the current lists, compiled as publish compiles them (once per content hash). */
  async screenDraft(facts: DraftFacts): Promise<DraftScreenOutcome> {
    return this.counted(() => this.screenDraftNow(facts));
  }

  private async screenDraftNow(facts: DraftFacts): Promise<DraftScreenOutcome> {
    const draft = await readDraft(createDb(this.env.DB));
    let compiledNow = false;
    let entry = this.draft;
    if (entry?.hash !== draft.contentHash) {
      compiledNow = true;
      // Set before the compile runs, so concurrent tries of the same draft share it.
      const fresh = { hash: draft.contentHash, policy: this.serial(async () => compiledDraft(draft)) };
      entry = this.draft = fresh;
      fresh.policy.catch(() => {
        if (this.draft === fresh) this.draft = undefined;
      });
    }
    let policy: LoadedPolicy;
    try {
      policy = await entry.policy;
    } catch (e) {
      return refusalOf(e);
    }
    const outcome = decide(policy, { ...facts, accountStatus: "verified", licenceScopes: facts.licenceScopes ? new Set(facts.licenceScopes) : null });
    return { kind: "screened", outcome, draftHash: draft.contentHash, compiledNow };
  }
}

/** Compiles the draft as publish does (compilePolicy: same entries, allow list and refusals). */
function compiledDraft(draft: PolicyDraft): LoadedPolicy {
  return loadedDraft(draft, compilePolicy(draft, "The engine refused some terms or allow phrases of the draft; fix or delete them."));
}

function loadedDraft(draft: PolicyDraft, matcher: LoadedPolicy["matcher"]): LoadedPolicy {
  const now = Date.now();
  return { version: 0, matcher, config: draft.config, blocked: new Set(draft.config.blockedDomains), loadMs: 0, format: FORMAT_VERSION, loadedAt: now };
}
