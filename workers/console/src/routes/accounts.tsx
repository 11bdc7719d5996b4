import { Hono } from "hono";
import { ACCOUNT_STATUSES } from "../../../../db/schema";
import { accountHistory, accountLicences, HistoryTable } from "../account-records";
import { caller, type ConsoleApp, type Ctx } from "../context";
import { BASE, Csrf, Page, when } from "../layout";
import type { Account } from "../types";
import { callApi, query } from "../upstream";
import { checkedForm, flashNext, problemText, takeFlash, text } from "../web";

export const accountRoutes = new Hono<ConsoleApp>();

const ACCOUNT_ACTIONS = ["warn", "suspend", "restore", "close"] as const;

type Revealed = { id: string; documentType: string; name: string; documentNumber: string; phone: string };

accountRoutes.get("/accounts", async (c) => {
  const t = c.get("t");
  // One box for both: an account id starts with `acc_`; anything else is a handle (public, so it may be in the URL).
  const find = (c.req.query("id") ?? "").trim();
  let findFlash: { kind: "bad"; text: string } | null = null;
  if (find.startsWith("acc_")) return c.redirect(`${BASE}/accounts/${encodeURIComponent(find)}`, 303);
  if (find) {
    const byHandle = await callApi<{ accounts: Account[] }>(c.env, "REGISTRATION", caller(c), "GET", `/v1/accounts${query({ handle: find, limit: 1 })}`);
    const found = byHandle.ok ? byHandle.data.accounts[0] : undefined;
    if (found) return c.redirect(`${BASE}/accounts/${encodeURIComponent(found.id)}`, 303);
    findFlash = { kind: "bad", text: byHandle.ok ? t("noAccountWithHandle", { handle: find }) : problemText(c, byHandle.problem) };
  }
  const status = c.req.query("status") ?? "";
  const cursor = c.req.query("cursor") ?? "";
  const list = await callApi<{ accounts: Account[]; nextCursor: string | null }>(c.env, "REGISTRATION", caller(c), "GET", `/v1/accounts${query({ status, cursor, limit: 50 })}`);
  const accounts = list.ok ? list.data.accounts : [];
  return c.html(
    <Page c={c} title={t("accountsTitle")} current={`${BASE}/accounts`} flash={findFlash ?? takeFlash(c) ?? (list.ok ? null : { kind: "bad", text: problemText(c, list.problem) })}>
      <form method="get" action={`${BASE}/accounts`} data-filters="">
        <fieldset>
          <legend>{t("find")}</legend>
          <div class="filters">
            <div class="field">
              <label for="f-id">{t("accountIdOrHandle")}</label>
              <input id="f-id" name="id" maxlength={128} value={find} />
            </div>
            <div class="field">
              <label for="f-status">{t("status")}</label>
              <select id="f-status" name="status">
                <option value="">{t("any")}</option>
                {ACCOUNT_STATUSES.map((s) => (
                  <option value={s} selected={s === status}>
                    {s}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit">{t("find")}</button>
          </div>
        </fieldset>
      </form>
      {accounts.length === 0 ? (
        <p>{t("noAccounts")}</p>
      ) : (
        <table>
          <caption class="sr-only">{t("accountsTitle")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("accountId")}</th>
              <th scope="col">{t("handle")}</th>
              <th scope="col">{t("displayName")}</th>
              <th scope="col">{t("kind")}</th>
              <th scope="col">{t("status")}</th>
              <th scope="col">{t("identityMasked")}</th>
            </tr>
          </thead>
          <tbody>
            {accounts.map((a) => (
              <tr>
                <td>
                  <a href={`${BASE}/accounts/${encodeURIComponent(a.id)}`}>{a.id}</a>
                </td>
                <td>{a.handle}</td>
                <td>{a.displayName}</td>
                <td>{a.kind}</td>
                <td>{a.status}</td>
                <td>{a.identity.erased ? t("erased") : [a.identity.name, a.identity.documentNumber].filter(Boolean).join(" · ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.ok && list.data.nextCursor && (
        <p>
          <a href={`${BASE}/accounts${query({ status, cursor: list.data.nextCursor })}`}>{t("nextPage")}</a>
        </p>
      )}
    </Page>,
  );
});

async function accountPage(c: Ctx, revealed: Revealed | null, flash: { kind: "ok" | "bad"; text: string } | null) {
  const t = c.get("t");
  const who = caller(c);
  const id = c.req.param("id")!;
  const [account, licences, history] = await Promise.all([
    callApi<Account>(c.env, "REGISTRATION", who, "GET", `/v1/accounts/${encodeURIComponent(id)}`),
    accountLicences(c.env, who, id, "all"),
    accountHistory(c.env, who, id, 20),
  ]);
  if (!account.ok) {
    // The message the page was sent back with (e.g. an erasure's outcome) stays, above why the account cannot be shown.
    const failed = problemText(c, account.problem);
    return c.html(
      <Page c={c} title={t("accountTitle", { id })} flash={flash ?? { kind: "bad", text: failed }}>
        {flash && (
          <p class="flash bad" role="alert">
            {failed}
          </p>
        )}
      </Page>,
      account.status === 404 ? 404 : 200,
    );
  }
  const a = account.data;
  const here = `${BASE}/accounts/${encodeURIComponent(id)}`;
  return c.html(
    <Page c={c} title={t("accountTitle", { id })} current={`${BASE}/accounts`} flash={flash}>
      <div class="grid">
        <div>
          <section class="panel" aria-labelledby="acc-h">
            <h2 id="acc-h">{t("accountSummary")}</h2>
            <dl class="summary">
              <dt>{t("handle")}</dt>
              <dd>{a.handle}</dd>
              <dt>{t("displayName")}</dt>
              <dd>{a.displayName}</dd>
              <dt>{t("kind")}</dt>
              <dd>{a.kind}</dd>
              <dt>{t("status")}</dt>
              <dd data-testid="account-status">{a.status}</dd>
              <dt>{t("identityMasked")}</dt>
              <dd>{a.identity.erased ? t("erased") : [a.identity.documentType, a.identity.name, a.identity.documentNumber, a.identity.phone].filter(Boolean).join(" · ")}</dd>
              <dt>{t("age")}</dt>
              <dd>{when(a.createdAt)}</dd>
            </dl>
          </section>
          {revealed && (
            <section class="panel" aria-labelledby="rev-h" data-testid="revealed">
              <h2 id="rev-h">{t("revealed")}</h2>
              <dl class="summary">
                <dt>{t("name")}</dt>
                <dd>{revealed.name}</dd>
                <dt>{t("document")}</dt>
                <dd>
                  {revealed.documentType}: {revealed.documentNumber}
                </dd>
                <dt>{t("phone")}</dt>
                <dd>{revealed.phone}</dd>
              </dl>
            </section>
          )}
          <section aria-labelledby="lic-h">
            <h2 id="lic-h">{t("licences")}</h2>
            {licences.ok && licences.data.licences.length > 0 ? (
              <ul>
                {licences.data.licences.map((l) => (
                  <li data-licence={l.licenceNumber}>
                    {l.licenceNumber} · {l.issuer} · {l.scope.join(", ")} · <span data-testid="licence-state">{l.active ? t("active") : l.revokedAt ? t("revokedAt", { at: when(l.revokedAt) }) : t("expired")}</span> · {when(l.expiresAt)} ·{" "}
                    {t("grantedBy", { by: l.createdBy })}
                    {l.revokedReason ? ` · ${l.revokedReason}` : ""}
                    {!l.revokedAt && (
                      <form method="post" action={`${here}/licences/${encodeURIComponent(l.id)}/revoke`}>
                        <Csrf c={c} />
                        <div class="filters">
                          <div class="field">
                            <label for={`revoke-${l.id}`}>{t("revokeReason", { number: l.licenceNumber })}</label>
                            <input id={`revoke-${l.id}`} name="reason" required minlength={3} maxlength={500} />
                          </div>
                          <button type="submit" class="secondary">
                            {t("revokeLicence", { number: l.licenceNumber })}
                          </button>
                        </div>
                      </form>
                    )}
                  </li>
                ))}
              </ul>
            ) : (
              <p class="muted">—</p>
            )}
          </section>
          <section aria-labelledby="history-h">
            <h2 id="history-h">{t("history")}</h2>
            {history.ok && history.data.entries.length > 0 ? (
              <HistoryTable c={c} entries={history.data.entries} caption={t("history")} />
            ) : (
              <p class="muted">{history.ok ? "—" : problemText(c, history.problem)}</p>
            )}
          </section>
        </div>
        <div>
          {a.status === "under_review" && (
            <section aria-labelledby="review-h">
              <h2 id="review-h">{t("reviewRegistration")}</h2>
              <form method="post" action={`${here}/review`}>
                <Csrf c={c} />
                <fieldset>
                  <legend>{t("decision")}</legend>
                  <div class="field check">
                    <input type="radio" id="review-approve" name="decision" value="approve" required />
                    <label for="review-approve">{t("approve")}</label>
                  </div>
                  <div class="field check">
                    <input type="radio" id="review-reject" name="decision" value="reject" />
                    <label for="review-reject">{t("reject")}</label>
                  </div>
                </fieldset>
                <div class="field">
                  <label for="review-reason">{t("reason")}</label>
                  <textarea id="review-reason" name="reason" required minlength={3} maxlength={500}></textarea>
                </div>
                <button type="submit">{t("reviewRegistration")}</button>
              </form>
            </section>
          )}
          {!a.identity.erased && (
            <section aria-labelledby="reveal-h">
              <h2 id="reveal-h">{t("reveal")}</h2>
              <form method="post" action={`${here}/reveal`}>
                <Csrf c={c} />
                <div class="field">
                  <label for="reveal-reason">{t("revealReason")}</label>
                  <textarea id="reveal-reason" name="reason" required minlength={10} maxlength={500}></textarea>
                </div>
                <div class="field check">
                  <input type="checkbox" id="reveal-confirm" name="confirm" value="yes" required />
                  <label for="reveal-confirm">{t("revealConfirm")}</label>
                </div>
                <button type="submit">{t("reveal")}</button>
              </form>
            </section>
          )}
          <section aria-labelledby="action-h">
            <h2 id="action-h">{t("accountAction")}</h2>
            <form method="post" action={`${here}/actions`}>
              <Csrf c={c} />
              <div class="field">
                <label for="account-action">{t("action")}</label>
                <select id="account-action" name="action">
                  {ACCOUNT_ACTIONS.map((x) => (
                    <option value={x}>{x}</option>
                  ))}
                </select>
              </div>
              <div class="field">
                <label for="action-reason">{t("reason")}</label>
                <textarea id="action-reason" name="reason" required minlength={3} maxlength={500}></textarea>
              </div>
              <button type="submit">{t("apply")}</button>
            </form>
          </section>
          <section aria-labelledby="grant-h">
            <h2 id="grant-h">{t("grantLicence")}</h2>
            <form method="post" action={`${here}/licences`}>
              <Csrf c={c} />
              <div class="field">
                <label for="grant-number">{t("licenceNumber")}</label>
                <input id="grant-number" name="licenceNumber" required maxlength={100} />
              </div>
              <div class="field">
                <label for="grant-issuer">{t("issuer")}</label>
                <input id="grant-issuer" name="issuer" required maxlength={200} />
              </div>
              <div class="field">
                <label for="grant-scope">{t("scope")}</label>
                <input id="grant-scope" name="scope" required maxlength={800} />
              </div>
              <div class="field">
                <label for="grant-expires">{t("expiresOn")}</label>
                <input id="grant-expires" name="expiresOn" type="date" required />
              </div>
              <button type="submit">{t("grant")}</button>
            </form>
          </section>
          {!a.identity.erased && (
            <section aria-labelledby="erase-h">
              <h2 id="erase-h">{t("eraseIdentity")}</h2>
              <form method="post" action={`${here}/erase`}>
                <Csrf c={c} />
                <div class="field">
                  <label for="erase-reason">{t("eraseReason")}</label>
                  <textarea id="erase-reason" name="reason" required minlength={3} maxlength={500}></textarea>
                </div>
                <div class="field check">
                  <input type="checkbox" id="erase-confirm" name="confirm" value="yes" required />
                  <label for="erase-confirm">{t("eraseConfirm")}</label>
                </div>
                <button type="submit">{t("eraseIdentity")}</button>
              </form>
            </section>
          )}
        </div>
      </div>
    </Page>,
  );
}

accountRoutes.get("/accounts/:id", (c) => accountPage(c, null, takeFlash(c)));

/** The plaintext is shown in this answer only (never stored, never in a URL); the worker audits the reveal first. */
accountRoutes.post("/accounts/:id/reveal", async (c) => {
  const form = await checkedForm(c);
  const t = c.get("t");
  if (text(form, "confirm") !== "yes") return accountPage(c, null, { kind: "bad", text: t("revealConfirm") });
  const answer = await callApi<Revealed>(c.env, "REGISTRATION", caller(c), "POST", `/v1/accounts/${encodeURIComponent(c.req.param("id"))}/identity/reveal`, { reason: text(form, "reason") });
  return answer.ok ? accountPage(c, answer.data, null) : accountPage(c, null, { kind: "bad", text: problemText(c, answer.problem) });
});

accountRoutes.post("/accounts/:id/actions", async (c) => {
  const form = await checkedForm(c);
  const id = c.req.param("id");
  const answer = await callApi<{ ok: boolean; code?: string; detail?: string }>(c.env, "REGISTRATION", caller(c), "POST", `/v1/accounts/${encodeURIComponent(id)}/actions`, {
    action: text(form, "action"),
    reason: text(form, "reason"),
  });
  flashNext(c, answer.ok ? { kind: "ok", text: c.get("t")("done") } : { kind: "bad", text: problemText(c, answer.problem) });
  return c.redirect(`${BASE}/accounts/${encodeURIComponent(id)}`, 303);
});

/** Runs one registration call for the account page and returns to it with the outcome as a message. */
async function accountCall(c: Ctx, method: "POST" | "DELETE", path: string, body: unknown) {
  const id = c.req.param("id")!;
  const answer = await callApi<unknown>(c.env, "REGISTRATION", caller(c), method, path, body);
  flashNext(c, answer.ok ? { kind: "ok", text: c.get("t")("done") } : { kind: "bad", text: problemText(c, answer.problem) });
  return c.redirect(`${BASE}/accounts/${encodeURIComponent(id)}`, 303);
}

accountRoutes.post("/accounts/:id/review", async (c) => {
  const form = await checkedForm(c);
  return accountCall(c, "POST", `/v1/accounts/${encodeURIComponent(c.req.param("id"))}/review`, { decision: text(form, "decision"), reason: text(form, "reason") });
});

/**
 * A licence for this account. The date input gives a UTC day; the licence runs to its end. The
 * grant route takes no reason (the licence number and issuer are its grounds); revocation does.
 */
accountRoutes.post("/accounts/:id/licences", async (c) => {
  const form = await checkedForm(c);
  const day = text(form, "expiresOn").trim();
  const scope = text(form, "scope")
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
  return accountCall(c, "POST", "/v1/publishers", {
    accountId: c.req.param("id"),
    licenceNumber: text(form, "licenceNumber").trim(),
    issuer: text(form, "issuer").trim(),
    scope,
    // Anything but a date goes as given, so the API's refusal names the field.
    expiresAt: /^\d{4}-\d{2}-\d{2}$/.test(day) ? `${day}T23:59:59Z` : day,
  });
});

accountRoutes.post("/accounts/:id/licences/:licenceId/revoke", async (c) => {
  const form = await checkedForm(c);
  return accountCall(c, "POST", `/v1/publishers/${encodeURIComponent(c.req.param("licenceId"))}/revoke`, { reason: text(form, "reason") });
});

/** Crypto-shredding through registration's DELETE /v1/accounts/{id}/identity, after an explicit confirmation. */
accountRoutes.post("/accounts/:id/erase", async (c) => {
  const form = await checkedForm(c);
  if (text(form, "confirm") !== "yes") {
    flashNext(c, { kind: "bad", text: c.get("t")("eraseConfirm") });
    return c.redirect(`${BASE}/accounts/${encodeURIComponent(c.req.param("id"))}`, 303);
  }
  return accountCall(c, "DELETE", `/v1/accounts/${encodeURIComponent(c.req.param("id"))}/identity`, { reason: text(form, "reason") });
});
