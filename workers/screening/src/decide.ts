/**
 * The verdict of one post from facts gathered by the screen route: account state,
 * licences, reprint source, and what the policy finds in the text. Pure.
 */
import type { AccountStatus, Verdict } from "../../../db/schema";
import { detectContacts, foldForContacts, type ContactKind } from "./contacts";
import { blockedDomainOf, findBlockedHosts, hostOf } from "./domains";
import type { LoadedPolicy } from "./policy-cache";
import { actionFor, worse } from "./policy-config";
import { excerpt } from "./text";

export interface Reason {
  code: string;
  action: Verdict;
  category?: string;
  severity?: number;
  termId?: number;
  /** Where the offsets point: the text (default) or the title. */
  field?: "title" | "text" | `links[${number}]`;
  start?: number;
  end?: number;
  excerpt?: string;
}

export interface Facts {
  kind: "post" | "news" | "reprint";
  text: string;
  title?: string;
  links: string[];
  accountStatus: AccountStatus;
  /** Scopes of the account's current licences; null = no current licence. */
  licenceScopes: ReadonlySet<string> | null;
  /** Reprints only: whether a named source belongs to a licensed publisher. */
  reprintSourceAuthorised?: boolean;
  /** Set when the post joins a story moderators removed (src/stories): the configured action. */
  removedStory?: { action: Verdict };
}

/** Cap on listed matches per field, so one pathological post cannot produce megabytes. */
export const MAX_TERM_REASONS = 500;

const ACCOUNT_REASON: Partial<Record<AccountStatus, string>> = {
  pending_phone: "account_unverified",
  pending_identity: "account_unverified",
  under_review: "account_unverified",
  rejected: "account_rejected",
  suspended: "account_suspended",
  closed: "account_closed",
};

export function decide(policy: LoadedPolicy, f: Facts): { verdict: Verdict; reasons: Reason[]; categories: string[]; truncated: boolean } {
  const reasons: Reason[] = [];
  const accountCode = ACCOUNT_REASON[f.accountStatus];
  if (accountCode) reasons.push({ code: accountCode, action: "block" });

  if (f.kind === "news" && !f.licenceScopes) reasons.push({ code: "publisher_not_authorised", action: "block" });
  if (f.kind === "reprint" && !f.reprintSourceAuthorised) reasons.push({ code: "reprint_source_not_authorised", action: "block" });

  if (f.removedStory) reasons.push({ code: "matches_removed_story", action: f.removedStory.action });

  // Links and contacts.
  const fields: { name: "title" | "text"; value: string }[] = [];
  if (f.title) fields.push({ name: "title", value: f.title });
  fields.push({ name: "text", value: f.text });
  for (const { name, value } of fields) {
    const folded = foldForContacts(value);
    const blockedHits = findBlockedHosts(folded, policy.blocked);
    for (const b of blockedHits) {
      reasons.push({ code: "blocked_domain", action: "block", ...(name === "title" ? { field: name } : {}), start: b.start, end: b.end, excerpt: excerpt(value, b.start, b.end) });
    }
    for (const hit of detectContacts(value, folded)) {
      // A link already reported as a blocked domain is not reported again as a contact.
      if (blockedHits.some((b) => b.start < hit.end && hit.start < b.end)) continue;
      const action = policy.config.contactRules[hit.kind as ContactKind] ?? "allow";
      if (action !== "allow") {
        reasons.push({ code: `contact_${hit.kind}`, action, ...(name === "title" ? { field: name } : {}), start: hit.start, end: hit.end, excerpt: excerpt(value, hit.start, hit.end) });
      }
    }
  }
  f.links.forEach((link, i) => {
    const host = hostOf(link);
    const blocked = host ? blockedDomainOf(host, policy.blocked) : undefined;
    if (blocked) reasons.push({ code: "blocked_domain", action: "block", field: `links[${i}]`, excerpt: blocked });
  });

  // Terms.
  const categories = new Set<string>();
  const unlicensed = new Set<string>();
  let truncated = false;
  for (const { name, value } of fields) {
    const matches = policy.matcher.findAll(value);
    if (matches.length > MAX_TERM_REASONS) truncated = true;
    for (const [i, m] of matches.entries()) {
      const info = policy.matcher.term(m.termId);
      if (!info) continue;
      categories.add(info.category);
      const gated = policy.config.categories[info.category]?.licenceRequired === true;
      let action: Verdict;
      if (gated) {
        const ok = f.licenceScopes?.has(info.category) === true;
        if (!ok) unlicensed.add(info.category);
        action = ok ? actionFor(policy.config, info.category, info.severity) : "block";
      } else action = actionFor(policy.config, info.category, info.severity);
      if (i < MAX_TERM_REASONS) {
        reasons.push({
          code: "term_match",
          action,
          category: info.category,
          severity: info.severity,
          termId: m.termId,
          ...(name === "title" ? { field: name } : {}),
          start: m.start,
          end: m.end,
          excerpt: excerpt(value, m.start, m.end),
        });
      }
    }
  }
  // Matches in licence-gated categories (political_news) from an account without that scope.
  for (const category of unlicensed) reasons.push({ code: "publisher_not_authorised", action: "block", category });

  let verdict: Verdict = "allow";
  for (const r of reasons) verdict = worse(verdict, r.action);
  return { verdict, reasons, categories: [...categories].sort(), truncated };
}
