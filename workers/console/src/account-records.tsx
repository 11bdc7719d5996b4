import type { caller, Ctx } from "./context";
import type { Env } from "./env";
import { when } from "./layout";
import { callApi, query, type ApiAnswer } from "./upstream";

/** An account's records as the account page and the item page's account summary read them. */
export type HistoryEntry = { id: string; at: string; actorKeyId: string; actorRole: string; action: string; reason: string | null; details: Record<string, unknown> };
export type LicenceRow = { id: string; licenceNumber: string; issuer: string; scope: string[]; expiresAt: string; active: boolean; revokedAt: string | null };
export type Licence = LicenceRow & { revokedReason: string | null; createdAt: string; createdBy: string };

type Who = ReturnType<typeof caller>;

/** The account's audit trail (actions, reviews, erasure, reveals), newest first: its status history. */
export function accountHistory(env: Env, who: Who, accountId: string, limit: number): Promise<ApiAnswer<{ entries: HistoryEntry[] }>> {
  return callApi(env, "MODERATION", who, "GET", `/v1/audit${query({ subjectType: "account", subjectId: accountId, limit })}`);
}

/** The account's news-publisher licences: `all` (granted, revoked, expired) or the `active` ones. */
export function accountLicences(env: Env, who: Who, accountId: string, state: "all" | "active", limit?: number): Promise<ApiAnswer<{ licences: Licence[] }>> {
  return callApi(env, "REGISTRATION", who, "GET", `/v1/publishers${query({ accountId, state, limit })}`);
}

/** `from → to` of an entry that changed the account's status, else null. */
export function statusChange(e: HistoryEntry): string | null {
  return typeof e.details.from === "string" && typeof e.details.to === "string" ? `${e.details.from} → ${e.details.to}` : null;
}

/** An operator's decision about the account: a review-queue decision on it, an appeal's outcome, an identity review or an account action. */
const DECISION = /^(review|appeal)\.|^identity\.(approved|rejected)$|^account\.(warn|suspend|restore|close)$/;
export const isDecision = (e: HistoryEntry) => DECISION.test(e.action);

/** Audit entries as a table: when, action, status change, who, why. */
export function HistoryTable(props: { c: Ctx; entries: HistoryEntry[]; caption: string; testid?: string }) {
  const t = props.c.get("t");
  return (
    <table class="wrap" data-testid={props.testid}>
      <caption class="sr-only">{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t("at")}</th>
          <th scope="col">{t("action")}</th>
          <th scope="col">{t("change")}</th>
          <th scope="col">{t("actor")}</th>
          <th scope="col">{t("reason")}</th>
        </tr>
      </thead>
      <tbody>
        {props.entries.map((e) => (
          <tr data-history-action={e.action}>
            <td>{when(e.at)}</td>
            <td>{e.action}</td>
            <td>{statusChange(e) ?? "—"}</td>
            <td>
              {e.actorRole} {e.actorKeyId}
            </td>
            <td>{e.reason ?? "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
