import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminKey, baseUrl, eventually } from "./client";
import { residentId } from "../support/resident-id";

/**
 * Everything audited: walks `/openapi.json`'s mutating operations (POST, PUT, PATCH, DELETE) and,
 * for each, makes one successful call on the real stack and checks that it wrote EXACTLY ONE new
 * audit entry — the right action and subject, the calling key's id and role, the gateway's
 * request id — holding no identity data and no post text. An operation missing from CASES fails
 * the test: a new route adds its row here (a request builder, or an exemption with its reason).
 * The reads that are themselves audited (evidence, exports) are checked the same way.
 */

type Role = "app" | "operator" | "admin";
type Key = { id: string; key: string; role: Role };
type Expected = { action: string; subjectType: string; subjectId: string };
/** A successful call (made after `setup`, which may write entries of its own) and the one entry it must write. */
type Built = { res: Response; expect: Expected | Expected[] };
type Case =
  /** `manyBecause`: why one call is more than one state change, each with its own entry (rare; written out). */
  | { by: Role; setup?: () => Promise<unknown>; call: (prepared: never) => Promise<Built>; manyBecause?: string }
  | { exempt: string }
  | { noEntry: string; by: Role; call: () => Promise<Response> };

let keys: Record<Role | "operator2", Key>;
/** Strings that must never appear in an audit entry: identity data and post text the calls carry. */
const SECRETS: string[] = [];

const json = (res: Response) => res.json() as Promise<any>;

async function call(key: Key | string, method: string, path: string, body?: unknown): Promise<Response> {
  const token = typeof key === "string" ? key : key.key;
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  return fetch(`${baseUrl()}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

/** A call that must succeed (setup steps); returns its body. */
async function ok(key: Key | string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await call(key, method, path, body);
  const text = await res.text();
  expect(res.status, `${method} ${path}: ${text}`).toBeLessThan(300);
  return text ? JSON.parse(text) : null;
}

// --- fixtures ---------------------------------------------------------------------------------

const run = Date.now().toString(36).slice(-5);
let seq = 0;
const uniq = () => `${run}${(seq += 1)}`;

/** A GB 11643 resident id (region 110105, born 1990-03-07) with its MOD 11-2 check digit. */
const residentIdOf = (n: number) => residentId("110105", "19900307", n);

let phoneSeq = Math.floor(Math.random() * 90_000_000);
type Registered = { id: string; phone: string };

/** An account registered by the app (pending its phone code). */
async function register(kind: "public" | "personal" = "public"): Promise<Registered> {
  phoneSeq += 1;
  const phone = `+86137${String(phoneSeq % 100_000_000).padStart(8, "0")}`;
  const name = "审计覆盖";
  const documentNumber = residentIdOf(phoneSeq);
  SECRETS.push(phone, phone.slice(3), documentNumber, name);
  const handle = `audit_${uniq()}`;
  const created = await ok(keys.app, "POST", "/v1/accounts", { handle, displayName: "Audit Coverage", kind, phone, identity: { name, documentType: "cn_resident_id", documentNumber } });
  return { id: created.account.id, phone };
}

async function smsCode(phone: string): Promise<string> {
  const sms = await ok(adminKey(), "POST", "/v1/dev/sms", { phone });
  return /\b(\d{6})\b/.exec(sms.messages.at(-1).body)![1]!;
}

/** An account whose phone is verified, waiting for an operator's identity review. */
async function underReview(): Promise<Registered> {
  const a = await register();
  await ok(keys.app, "POST", `/v1/accounts/${a.id}/phone/verify`, { code: await smsCode(a.phone) });
  return a;
}

/** A verified public account, which may publish. */
async function verified(): Promise<string> {
  const a = await underReview();
  await ok(keys.operator, "POST", `/v1/accounts/${a.id}/review`, { decision: "approve", reason: "documents checked" });
  return a.id;
}

let author: string;
const POST_TEXT = "审计覆盖测试的正文 7c1e";

/** A post of the verified author, screened `allow`. */
async function post(): Promise<string> {
  const postId = `post-audit-${uniq()}`;
  await ok(keys.app, "POST", "/v1/screen", { accountId: author, kind: "post", postId, text: POST_TEXT });
  return postId;
}

/** An open review item of a fresh post (a report opens it). */
async function item(): Promise<{ postId: string; itemId: string }> {
  const postId = await post();
  const report = await ok(keys.app, "POST", "/v1/reports", { subjectType: "post", subjectId: postId, reporterId: `reader-${uniq()}`, reason: "rumour" });
  return { postId, itemId: report.reviewItemId };
}

/** A decision that removed a post of the author (operator 1), which the author may appeal. */
async function decided(): Promise<{ postId: string; decisionId: string }> {
  const { postId, itemId } = await item();
  const answer = await ok(keys.operator, "POST", `/v1/review-queue/${itemId}/decision`, { action: "remove_post", reason: "audit coverage removal" });
  return { postId, decisionId: answer.decisionRecord.id };
}

const STATEMENT = "我的帖子有来源 9d2b";

async function appealed(): Promise<{ postId: string; appealId: string }> {
  const { postId, decisionId } = await decided();
  const appeal = await ok(keys.app, "POST", "/v1/appeals", { decisionId, accountId: author, statement: STATEMENT });
  return { postId, appealId: appeal.id };
}

/** A local receiver that acknowledges every delivery (the local stack accepts loopback endpoints). */
let receiver: string;
let server: Server;

/** A webhook endpoint of the receiver, removed at the end. */
async function webhook(eventTypes: string[]): Promise<string> {
  const id = (await ok(keys.admin, "POST", "/v1/webhooks", { url: `${receiver}/${uniq()}`, eventTypes })).id as string;
  restore.push(() => ok(keys.admin, "DELETE", `/v1/webhooks/${id}`));
  return id;
}

async function termList(): Promise<string> {
  return (await ok(keys.admin, "POST", "/v1/term-lists", { name: `audit-${uniq()}`, category: "rumour" })).id;
}

/** A new term list with one imported term: its id and the term's id. */
async function termOfList(): Promise<{ id: string; termId: number }> {
  const id = await termList();
  const imported = await ok(keys.admin, "POST", `/v1/term-lists/${id}/terms`, [{ pattern: `审计词${uniq()}`, severity: 3 }]);
  return { id, termId: imported.firstTermId };
}

// --- the table ----------------------------------------------------------------------------------

const built = async (res: Response, expect: Expected | Expected[] | ((body: any) => Expected)): Promise<Built> => {
  if (typeof expect === "function") {
    const body = await json(res.clone());
    return { res, expect: expect(body) };
  }
  return { res, expect };
};

const CASES: Record<string, Case> = {
  // gateway: API keys
  createKey: {
    by: "admin",
    call: async () => built(await call(keys.admin, "POST", "/v1/keys", { role: "app", name: "audit coverage" }), (b) => ({ action: "key.created", subjectType: "api_key", subjectId: b.id })),
  },
  updateKey: {
    by: "admin",
    setup: () => ok(keys.admin, "POST", "/v1/keys", { role: "app", name: "audit coverage tier" }),
    call: async (k: { id: string }) =>
      built(await call(keys.admin, "PATCH", `/v1/keys/${k.id}`, { tier: "unlimited", reason: "bulk import" }), { action: "key.tier_changed", subjectType: "api_key", subjectId: k.id }),
  },
  deleteKey: {
    by: "admin",
    setup: () => ok(keys.admin, "POST", "/v1/keys", { role: "app", name: "audit coverage revoke" }),
    call: async (k: { id: string }) => built(await call(keys.admin, "DELETE", `/v1/keys/${k.id}`), { action: "key.revoked", subjectType: "api_key", subjectId: k.id }),
  },

  // registration
  createAccount: {
    by: "app",
    call: async () => {
      phoneSeq += 1;
      const phone = `+86137${String(phoneSeq % 100_000_000).padStart(8, "0")}`;
      const documentNumber = residentIdOf(phoneSeq);
      SECRETS.push(phone, phone.slice(3), documentNumber);
      const res = await call(keys.app, "POST", "/v1/accounts", {
        handle: `audit_${uniq()}`,
        displayName: "Audit Coverage",
        kind: "public",
        phone,
        identity: { name: "审计覆盖", documentType: "cn_resident_id", documentNumber },
      });
      return built(res, (b) => ({ action: "account.registered", subjectType: "account", subjectId: b.account.id }));
    },
  },
  postAccountPhoneVerify: {
    by: "app",
    manyBecause:
      "the right code moves the account twice, each move its own transaction with its own entry: pending_phone → pending_identity (account.phone_verified), then the identity check starts (the local stack's manual review: identity.sent_to_review; a provider: identity.check_started)",
    setup: async () => {
      const a = await register();
      return { ...a, code: await smsCode(a.phone) };
    },
    call: async (a: Registered & { code: string }) =>
      built(await call(keys.app, "POST", `/v1/accounts/${a.id}/phone/verify`, { code: a.code }), [
        { action: "account.phone_verified", subjectType: "account", subjectId: a.id },
        { action: "identity.sent_to_review", subjectType: "account", subjectId: a.id },
      ]),
  },
  postAccountPhoneResend: {
    exempt:
      "delivers a new one-time code to the account's own phone: a credential sent, not a change of the account or of any decision (its status does not move; the code's HMAC replaces the last one), throttled by the cooldown and caps; the verification it enables is audited (account.phone_verified)",
  },
  postAccountReview: {
    by: "operator",
    setup: underReview,
    call: async (a: Registered) =>
      built(await call(keys.operator, "POST", `/v1/accounts/${a.id}/review`, { decision: "approve", reason: "documents checked" }), { action: "identity.approved", subjectType: "account", subjectId: a.id }),
  },
  postAccountIdentityReveal: {
    by: "operator",
    setup: register,
    call: async (a: Registered) =>
      built(await call(keys.operator, "POST", `/v1/accounts/${a.id}/identity/reveal`, { reason: "court order 2026-114" }), { action: "identity.revealed", subjectType: "account", subjectId: a.id }),
  },
  deleteAccountIdentity: {
    by: "operator",
    setup: register,
    call: async (a: Registered) =>
      built(await call(keys.operator, "DELETE", `/v1/accounts/${a.id}/identity`, { reason: "erasure request" }), { action: "identity.erased", subjectType: "account", subjectId: a.id }),
  },
  createAccountAction: {
    by: "operator",
    setup: verified,
    call: async (id: string) => built(await call(keys.operator, "POST", `/v1/accounts/${id}/actions`, { action: "warn", reason: "spam links" }), { action: "account.warn", subjectType: "account", subjectId: id }),
  },
  postAccountsActionsBulk: {
    by: "operator",
    // One entry per account acted on: one account here.
    setup: verified,
    call: async (id: string) =>
      built(await call(keys.operator, "POST", "/v1/accounts/actions/bulk", { action: "warn", reason: "spam links", accountIds: [id] }), { action: "account.warn", subjectType: "account", subjectId: id }),
  },
  postAccountsVaultRotate: {
    noEntry: "the local stack has one vault master key, so no data key is stale: nothing is rewrapped and nothing changes (a rotation that rewraps is audited as vault.rotated: registration's tests)",
    by: "admin",
    call: () => call(keys.admin, "POST", "/v1/accounts/vault/rotate", {}),
  },
  createPublisher: {
    by: "operator",
    setup: verified,
    call: async (accountId: string) =>
      built(
        await call(keys.operator, "POST", "/v1/publishers", { accountId, scope: ["political_news"], licenceNumber: `1012017${String(seq).padStart(4, "0")}`, issuer: "CAC", expiresAt: "2030-01-01T00:00:00Z" }),
        (b) => ({ action: "publisher.licence_granted", subjectType: "publisher_licence", subjectId: b.id }),
      ),
  },
  postPublisherRevoke: {
    by: "operator",
    setup: async () => {
      const accountId = await verified();
      return ok(keys.operator, "POST", "/v1/publishers", { accountId, scope: ["political_news"], licenceNumber: `1012018${String(seq).padStart(4, "0")}`, issuer: "CAC", expiresAt: "2030-01-01T00:00:00Z" });
    },
    call: async (lic: { id: string }) =>
      built(await call(keys.operator, "POST", `/v1/publishers/${lic.id}/revoke`, { reason: "licence withdrawn" }), { action: "publisher.licence_revoked", subjectType: "publisher_licence", subjectId: lic.id }),
  },
  postWebhooksIdentity: {
    exempt:
      "the identity provider's result changes an account only when it answers a pending provider check; it is then audited in the same batch as identity.provider_matched or identity.sent_to_review with the system actor (registration's tests). The local stack reviews identities manually, so every delivery here is acknowledged as `ignored` or `duplicate`, which changes nothing.",
  },
  postDevSms: { exempt: "local stack only (absent in production): reads the local SMS outbox; POST only to keep the phone out of the URL" },

  // screening
  postScreen: {
    exempt:
      "data plane, called for every post: audited by its outcomes, not per call — the post's record (verdict, reasons, policy version, content hash) is itself the record, a `review` verdict opens a review item, and whatever an operator decides on it is audited",
  },
  postScreenNoop: { exempt: "benchmark baseline: authenticates and answers, changes nothing" },
  postPolicyDraftScreen: { exempt: "screens a text against the draft policy and answers: no post, evidence or review item is written, so nothing changes to audit" },
  createTermList: {
    by: "admin",
    call: async () => built(await call(keys.admin, "POST", "/v1/term-lists", { name: `audit-${uniq()}`, category: "rumour" }), (b) => ({ action: "term_list.create", subjectType: "term_list", subjectId: b.id })),
  },
  updateTermList: {
    by: "admin",
    setup: termList,
    call: async (id: string) => built(await call(keys.admin, "PATCH", `/v1/term-lists/${id}`, { name: `audit-renamed-${uniq()}` }), { action: "term_list.update", subjectType: "term_list", subjectId: id }),
  },
  deleteTermList: {
    by: "admin",
    setup: termList,
    call: async (id: string) => built(await call(keys.admin, "DELETE", `/v1/term-lists/${id}`), { action: "term_list.delete", subjectType: "term_list", subjectId: id }),
  },
  createTermListTerm: {
    by: "admin",
    setup: termList,
    call: async (id: string) =>
      built(await call(keys.admin, "POST", `/v1/term-lists/${id}/terms`, [{ pattern: `审计词${uniq()}`, severity: 3 }]), { action: "term_list.import", subjectType: "term_list", subjectId: id }),
  },
  updateTermListTerm: {
    by: "admin",
    setup: termOfList,
    call: async (t: { id: string; termId: number }) =>
      built(await call(keys.admin, "PATCH", `/v1/term-lists/${t.id}/terms/${t.termId}`, { severity: 4 }), { action: "term.update", subjectType: "term", subjectId: String(t.termId) }),
  },
  deleteTermListTerm: {
    by: "admin",
    setup: termOfList,
    call: async (t: { id: string; termId: number }) =>
      built(await call(keys.admin, "DELETE", `/v1/term-lists/${t.id}/terms/${t.termId}`), { action: "term.delete", subjectType: "term", subjectId: String(t.termId) }),
  },
  createAllowListItem: {
    by: "admin",
    call: async () => built(await call(keys.admin, "POST", "/v1/allow-list", { phrases: [`审计放行${uniq()}`] }), { action: "allow_list.add", subjectType: "allow_list", subjectId: "allow_list" }),
  },
  deleteAllowListItem: {
    by: "admin",
    setup: async () => (await ok(keys.admin, "POST", "/v1/allow-list", { phrases: [`审计放行${uniq()}`] })).phrases[0].id,
    call: async (id: string) => built(await call(keys.admin, "DELETE", `/v1/allow-list/${id}`), { action: "allow_list.remove", subjectType: "allow_list", subjectId: String(id) }),
  },
  createBlockedDomain: {
    by: "admin",
    call: async () =>
      built(await call(keys.admin, "POST", "/v1/blocked-domains", { domains: [`audit-${uniq()}.example`] }), { action: "blocked_domains.add", subjectType: "blocked_domains", subjectId: "blocked_domains" }),
  },
  deleteBlockedDomain: {
    by: "admin",
    setup: async () => (await ok(keys.admin, "POST", "/v1/blocked-domains", { domains: [`audit-${uniq()}.example`] })).domains[0].id,
    call: async (id: string) => built(await call(keys.admin, "DELETE", `/v1/blocked-domains/${id}`), { action: "blocked_domains.remove", subjectType: "blocked_domains", subjectId: String(id) }),
  },
  setContactRule: {
    by: "admin",
    // Sets the e-mail rule to another action; afterAll-free: the next case restores it (its own entry is outside this call).
    setup: async () => {
      const rules = await ok(keys.admin, "GET", "/v1/contact-rules");
      const current = (rules.rules ?? rules).find((r: { kind: string }) => r.kind === "email").action as string;
      return current;
    },
    call: async (current: string) => {
      const res = await call(keys.admin, "PUT", "/v1/contact-rules/email", { action: current === "review" ? "block" : "review" });
      const out = await built(res, { action: "contact_rule.update", subjectType: "contact_rule", subjectId: "email" });
      restore.push(() => ok(keys.admin, "PUT", "/v1/contact-rules/email", { action: current }));
      return out;
    },
  },
  postPolicyPublish: {
    by: "admin",
    call: async () => built(await call(keys.admin, "POST", "/v1/policy/publish"), (b) => ({ action: "policy.publish", subjectType: "policy_version", subjectId: String(b.version) })),
  },
  postPolicyRollback: {
    by: "admin",
    // Rolls back to the version before the current one; the last step rolls forward again.
    setup: async () => (await ok(keys.admin, "GET", "/v1/policy")).current.version as number,
    call: async (current: number) => {
      const res = await call(keys.admin, "POST", "/v1/policy/rollback", { version: current - 1, reason: "audit coverage" });
      restore.push(() => ok(keys.admin, "POST", "/v1/policy/rollback", { version: current, reason: "audit coverage: back to the current version" }));
      return built(res, { action: "policy.rollback", subjectType: "policy_version", subjectId: String(current - 1) });
    },
  },
  setPolicyCategory: {
    by: "admin",
    call: async () => {
      const name = `audit_${uniq()}`;
      return built(await call(keys.admin, "PUT", `/v1/policy/categories/${name}`, { ranges: [{ min: 1, max: 10, action: "review" }] }), { action: "category.create", subjectType: "category", subjectId: name });
    },
  },
  setPolicyOutlet: {
    by: "admin",
    call: async () => built(await call(keys.admin, "PUT", `/v1/policy/outlets/audit-${uniq()}.example`, { accountId: author }), { action: "outlet.set", subjectType: "account", subjectId: author }),
  },
  deletePolicyOutlet: {
    by: "admin",
    setup: async () => {
      const domain = `audit-${uniq()}.example`;
      await ok(keys.admin, "PUT", `/v1/policy/outlets/${domain}`, { accountId: author });
      return domain;
    },
    call: async (domain: string) => built(await call(keys.admin, "DELETE", `/v1/policy/outlets/${domain}`), { action: "outlet.remove", subjectType: "account", subjectId: author }),
  },

  // reposts
  createPostRepost: {
    exempt:
      "data plane (every repost of every post): counted exactly in the post's Durable Object and audited by its outcomes — a threshold crossed adds a review signal, a shard raise writes spread.shards_raised, a decision on the post is audited",
  },
  createPostView: { exempt: "data plane (view batches): as reposts, audited by the outcomes a count crossing a threshold causes" },
  setPostSpreadShards: {
    by: "operator",
    setup: post,
    call: async (postId: string) =>
      built(await call(keys.operator, "PUT", `/v1/posts/${postId}/spread/shards`, { shards: 4, reason: "expected to spread" }), { action: "spread.shards_set", subjectType: "post", subjectId: postId }),
  },
  setSpreadThresholds: {
    by: "admin",
    // Replaces the table with the same rules it has: a replacement is recorded even when it restates the table.
    setup: async () => (await ok(keys.admin, "GET", "/v1/spread/thresholds")).rules,
    call: async (rules: unknown[]) =>
      built(await call(keys.admin, "PUT", "/v1/spread/thresholds", { rules, reason: "audit coverage" }), { action: "spread.thresholds_replaced", subjectType: "spread_thresholds", subjectId: "all" }),
  },
  updateSpreadThresholds: {
    by: "admin",
    call: async () => {
      const rule = { level: `audit-${uniq()}`, metric: "views" as const, value: 9_999_999, action: "label" as const, category: "rumour", verdict: null };
      const res = await call(keys.admin, "PATCH", "/v1/spread/thresholds", { set: [rule], remove: [], reason: "audit coverage" });
      restore.push(() => ok(keys.admin, "PATCH", "/v1/spread/thresholds", { set: [], remove: [{ level: rule.level, metric: rule.metric, category: rule.category, verdict: null }], reason: "audit coverage cleanup" }));
      return built(res, { action: "spread.thresholds_changed", subjectType: "spread_thresholds", subjectId: "all" });
    },
  },

  // moderation
  createReport: {
    by: "app",
    setup: post,
    call: async (postId: string) =>
      built(await call(keys.app, "POST", "/v1/reports", { subjectType: "post", subjectId: postId, reporterId: `reader-${uniq()}`, reason: "rumour", evidence: { text: POST_TEXT } }), {
        action: "report.filed",
        subjectType: "post",
        subjectId: postId,
      }),
  },
  postReviewQueueItemClaim: {
    by: "operator",
    setup: item,
    call: async (i: { postId: string; itemId: string }) => built(await call(keys.operator, "POST", `/v1/review-queue/${i.itemId}/claim`), { action: "review.claimed", subjectType: "review_item", subjectId: i.itemId }),
  },
  deleteReviewQueueItemClaim: {
    by: "operator",
    setup: async () => {
      const i = await item();
      await ok(keys.operator, "POST", `/v1/review-queue/${i.itemId}/claim`);
      return i;
    },
    call: async (i: { postId: string; itemId: string }) =>
      built(await call(keys.operator, "DELETE", `/v1/review-queue/${i.itemId}/claim`), { action: "review.claim_released", subjectType: "review_item", subjectId: i.itemId }),
  },
  postReviewQueueItemDecision: {
    by: "operator",
    setup: item,
    call: async (i: { postId: string; itemId: string }) =>
      built(await call(keys.operator, "POST", `/v1/review-queue/${i.itemId}/decision`, { action: "remove_post", reason: "confirmed rumour" }), { action: "review.remove_post", subjectType: "post", subjectId: i.postId }),
  },
  postReviewQueueBulkDecision: {
    by: "operator",
    // One entry per item decided: one item here.
    setup: item,
    call: async (i: { postId: string; itemId: string }) =>
      built(await call(keys.operator, "POST", "/v1/review-queue/bulk-decision", { itemIds: [i.itemId], action: "dismiss", reason: "not a rumour" }), { action: "review.dismiss", subjectType: "post", subjectId: i.postId }),
  },
  postReviewQueueStoryDecision: {
    by: "operator",
    // A story of one copy (a fresh text long enough to start one): each copy decided is one entry
    // (review.<action>, as in a bulk decision); `remove_post` adds story.removed, `label_post` does not.
    setup: async () => {
      const postId = `post-audit-${uniq()}`;
      const text = Array.from({ length: 40 }, () => String.fromCharCode(0x4e00 + Math.floor(Math.random() * 0x5000))).join("");
      SECRETS.push(text);
      const screened = await ok(keys.app, "POST", "/v1/screen", { accountId: author, kind: "post", postId, text });
      expect(screened.storyId, "the post started a story").toBeTruthy();
      return { postId, storyId: screened.storyId as string };
    },
    call: async (st: { postId: string; storyId: string }) =>
      built(await call(keys.operator, "POST", `/v1/review-queue/stories/${st.storyId}/decision`, { action: "label_post", labels: ["disputed"], reason: "contested story" }), {
        action: "review.label_post",
        subjectType: "post",
        subjectId: st.postId,
      }),
  },
  createAppeal: {
    by: "app",
    setup: decided,
    call: async (d: { postId: string; decisionId: string }) =>
      built(await call(keys.app, "POST", "/v1/appeals", { decisionId: d.decisionId, accountId: author, statement: STATEMENT }), { action: "appeal.filed", subjectType: "post", subjectId: d.postId }),
  },
  postAppealDecision: {
    by: "operator",
    // Another operator than the one who made the decision.
    setup: appealed,
    call: async (a: { postId: string; appealId: string }) =>
      built(await call(keys.operator2, "POST", `/v1/appeals/${a.appealId}/decision`, { outcome: "uphold", reason: "the removal stands" }), { action: "appeal.uphold", subjectType: "post", subjectId: a.postId }),
  },
  createAuditCheckpoint: {
    by: "operator",
    call: async () => built(await call(keys.operator, "POST", "/v1/audit/checkpoints"), (b) => ({ action: "audit.checkpoint", subjectType: "audit_log", subjectId: String(b.seq) })),
  },

  // webhooks (admin): endpoints subscribe to nothing else of this test; the receiver is a local server
  createWebhook: {
    by: "admin",
    call: async () => {
      const res = await call(keys.admin, "POST", "/v1/webhooks", { url: `${receiver}/create`, eventTypes: ["report.resolved"], description: "audit coverage" });
      const out = await built(res, (b) => ({ action: "webhook.created", subjectType: "webhook", subjectId: b.id }));
      const id = (out.expect as Expected).subjectId;
      restore.push(() => ok(keys.admin, "DELETE", `/v1/webhooks/${id}`));
      return out;
    },
  },
  updateWebhook: {
    by: "admin",
    setup: () => webhook(["report.resolved"]),
    call: async (id: string) => built(await call(keys.admin, "PATCH", `/v1/webhooks/${id}`, { enabled: false }), { action: "webhook.updated", subjectType: "webhook", subjectId: id }),
  },
  deleteWebhook: {
    by: "admin",
    setup: async () => (await ok(keys.admin, "POST", "/v1/webhooks", { url: `${receiver}/delete`, eventTypes: ["report.resolved"] })).id,
    call: async (id: string) => built(await call(keys.admin, "DELETE", `/v1/webhooks/${id}`), { action: "webhook.deleted", subjectType: "webhook", subjectId: id }),
  },
  postWebhookRotateSecret: {
    by: "admin",
    setup: () => webhook(["report.resolved"]),
    call: async (id: string) =>
      built(await call(keys.admin, "POST", `/v1/webhooks/${id}/rotate-secret`, { overlapSeconds: 60 }), { action: "webhook.secret_rotated", subjectType: "webhook", subjectId: id }),
  },
  postWebhookDeliveryRetry: {
    by: "admin",
    // A post removal delivered to the local receiver, then redelivered on request.
    setup: async () => {
      const id = await webhook(["post.removed"]);
      const { itemId } = await item();
      await ok(keys.operator, "POST", `/v1/review-queue/${itemId}/decision`, { action: "remove_post", reason: "audit coverage delivery" });
      const deliveryId = await eventually(async () => {
        const page = await ok(keys.admin, "GET", `/v1/webhooks/${id}/deliveries`);
        return page.deliveries.find((d: { status: string }) => d.status === "succeeded")?.id as string | undefined;
      }, 30_000);
      // The retry's entry is compared with this call's snapshot: let the delivery settle first.
      await new Promise((r) => setTimeout(r, 500));
      return { id, deliveryId };
    },
    call: async (w: { id: string; deliveryId: string }) =>
      built(await call(keys.admin, "POST", `/v1/webhooks/${w.id}/deliveries/${w.deliveryId}/retry`), { action: "webhook.delivery_retried", subjectType: "webhook", subjectId: w.id }),
  },
};

/** Reads that are recorded acts: each writes one entry too. */
const AUDITED_READS: Record<string, Case> = {
  getReviewQueueItemEvidence: {
    by: "operator",
    setup: async () => {
      const postId = `post-audit-${uniq()}`;
      // A `review` verdict keeps the post's content as evidence.
      const text = `兼职日结 加微信 wx: audit_${uniq()}`;
      SECRETS.push(text);
      await ok(keys.app, "POST", "/v1/screen", { accountId: author, kind: "post", postId, text });
      const page = await ok(keys.operator, "GET", "/v1/review-queue?subjectType=post&status=open&limit=200&sort=age");
      let found = page.items.find((i: { subjectId: string }) => i.subjectId === postId);
      for (let cursor = page.nextCursor; !found && cursor; ) {
        const next = await ok(keys.operator, "GET", `/v1/review-queue?subjectType=post&status=open&limit=200&sort=age&cursor=${encodeURIComponent(cursor)}`);
        found = next.items.find((i: { subjectId: string }) => i.subjectId === postId);
        cursor = next.nextCursor;
      }
      expect(found, "the screened post's review item").toBeDefined();
      return { postId, itemId: found.id };
    },
    call: async (i: { postId: string; itemId: string }) => built(await call(keys.operator, "GET", `/v1/review-queue/${i.itemId}/evidence`), { action: "evidence.read", subjectType: "post", subjectId: i.postId }),
  },
  getExportsAudit: {
    by: "operator",
    call: async () => {
      const res = await call(keys.operator, "GET", "/v1/exports/audit?format=ndjson");
      return built(res, { action: "audit.export", subjectType: "audit_log", subjectId: expect.stringMatching(/^1-\d+$/) as unknown as string });
    },
  },
  listExportsReviews: {
    by: "operator",
    call: async () => {
      const res = await call(keys.operator, "GET", "/v1/exports/reviews?format=csv");
      return built(res, { action: "reviews.export", subjectType: "moderation_decisions", subjectId: expect.stringMatching(/^1970-01-01T00:00:00\.000Z\/\d{4}-/) as unknown as string });
    },
  },
};

const restore: (() => Promise<unknown>)[] = [];

type AuditEntry = { id: string; actorKeyId: string; actorRole: string; action: string; subjectType: string; subjectId: string; reason: string | null; requestId: string | null; details: unknown };

async function newestEntries(): Promise<AuditEntry[]> {
  return (await ok(keys.admin, "GET", "/v1/audit?limit=100")).entries;
}

/** Runs one case: its setup, a snapshot of the log, the call, and the entries the call added. */
async function check(operationId: string, c: Case) {
  if ("exempt" in c) return;
  const prepared = "setup" in c && c.setup ? await c.setup() : undefined;
  const before = new Set((await newestEntries()).map((e) => e.id));
  let res: Response;
  let expected: Expected | Expected[] | undefined;
  if ("noEntry" in c) {
    res = await c.call();
  } else {
    ({ res, expect: expected } = await c.call(prepared as never));
  }
  const body = await res.text();
  expect(res.status, `${operationId}: ${body}`).toBeLessThan(300);
  const requestId = res.headers.get("x-request-id");
  expect(requestId, `${operationId}: X-Request-Id`).toBeTruthy();
  // Entries come in the call's own batch; a short pause catches any written after the answer.
  await new Promise((r) => setTimeout(r, 300));
  const added = (await newestEntries()).filter((e) => !before.has(e.id));
  if (!expected) {
    expect(added, `${operationId} changed nothing, so it writes nothing`).toEqual([]);
    return;
  }
  const wanted = Array.isArray(expected) ? expected : [expected];
  if (wanted.length > 1) expect("manyBecause" in c && c.manyBecause, `${operationId}: more than one entry needs its reason`).toBeTruthy();
  const seen = added.map((e) => `${e.action} ${e.subjectType}:${e.subjectId}`);
  expect(seen.length, `${operationId}: exactly ${wanted.length} new entr${wanted.length === 1 ? "y" : "ies"}, got ${JSON.stringify(seen)}`).toBe(wanted.length);
  const role = c.by;
  const key = operationId === "postAppealDecision" ? keys.operator2 : keys[role];
  for (const want of wanted) {
    const entry = added.find((e) => e.action === want.action);
    expect(entry, `${operationId}: ${want.action} in ${JSON.stringify(seen)}`).toMatchObject({ ...want, actorKeyId: key.id, actorRole: role, requestId });
    const text = JSON.stringify(entry);
    for (const secret of [...SECRETS, POST_TEXT, STATEMENT]) expect(text, `${operationId}: no identity data or post text`).not.toContain(secret);
  }
}

beforeAll(async () => {
  const make = async (role: Role, name: string): Promise<Key> => ({ ...(await ok(adminKey(), "POST", "/v1/keys", { role, name })), role });
  keys = {
    admin: await make("admin", "audit coverage admin"),
    operator: await make("operator", "audit coverage operator"),
    operator2: await make("operator", "audit coverage second operator"),
    app: await make("app", "audit coverage app"),
  };
  author = await verified();
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(204).end());
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  receiver = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  // The chain keeps up with the log (checkpoints need a chained head).
  await eventually(async () => ((await call(keys.admin, "GET", "/v1/audit/verify")).status === 200 ? true : undefined));
}, 120_000);

afterAll(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

describe("every state change is audited, exactly once", () => {
  let operations: { id: string; method: string; path: string }[] = [];

  beforeAll(async () => {
    const doc = (await (await fetch(`${baseUrl()}/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId: string }>> };
    operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => ["post", "put", "patch", "delete"].includes(method))
        .map(([method, op]) => ({ id: op.operationId, method, path })),
    );
  });

  it("has a row for every mutating operation of /openapi.json, and none for an operation that is gone", () => {
    const missing = operations.filter((o) => !(o.id in CASES)).map((o) => `${o.id} (${o.method.toUpperCase()} ${o.path})`);
    expect(missing, "add a request builder (or an exemption with its reason) to CASES").toEqual([]);
    const gone = Object.keys(CASES).filter((id) => !operations.some((o) => o.id === id));
    expect(gone).toEqual([]);
    for (const [id, c] of Object.entries(CASES)) if ("exempt" in c) expect(c.exempt.length, `${id}: a written reason`).toBeGreaterThan(40);
  });

  for (const [operationId, c] of Object.entries(CASES)) {
    if ("exempt" in c) continue;
    it(`${operationId}: one successful call writes exactly one entry`, () => check(operationId, c), 120_000);
  }

  for (const [operationId, c] of Object.entries(AUDITED_READS)) {
    it(`${operationId} (an audited read): one entry`, () => check(operationId, c), 60_000);
  }

  it("leaves the policy, contact rules and thresholds as it found them", async () => {
    for (const undo of restore.splice(0)) await undo();
  });
});
