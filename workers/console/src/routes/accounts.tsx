import { Hono } from "hono";
import { ACCOUNT_STATUSES } from "../../../../db/schema";
import { caller, type ConsoleApp, type Ctx } from "../context";
import { BASE, Csrf, Page, when } from "../layout";
import type { Account } from "../types";
import { callApi, query } from "../upstream";
import { checkedForm, flashNext, problemText, takeFlash, text } from "../web";

export const accountRoutes = new Hono<ConsoleApp>();

const ACCOUNT_ACTIONS = ["warn", "suspend", "restore", "close"] as const;

type Licence = { id: string; licenceNumber: string; issuer: string; scope: string[]; expiresAt: string; active: boolean; revokedAt: string | null };
type Revealed = { id: string; documentType: string; name: string; documentNumber: string; phone: string };

accountRoutes.get("/accounts", async (c) => {
  const t = c.get("t");
  const find = (c.req.query("id") ?? "").trim();
  if (find) return c.redirect(`${BASE}/accounts/${encodeURIComponent(find)}`, 303);
  const status = c.req.query("status") ?? "";
  const cursor = c.req.query("cursor") ?? "";
  const list = await callApi<{ accounts: Account[]; nextCursor: string | null }>(c.env, "REGISTRATION", caller(c), "GET", `/v1/accounts${query({ status, cursor, limit: 50 })}`);
  const accounts = list.ok ? list.data.accounts : [];
  return c.html(
    <Page c={c} title={t("accountsTitle")} current={`${BASE}/accounts`} flash={takeFlash(c) ?? (list.ok ? null : { kind: "bad", text: problemText(c, list.problem) })}>
      <form method="get" action={`${BASE}/accounts`} data-filters="">
        <fieldset>
          <legend>{t("find")}</legend>
          <div class="filters">
            <div class="field">
              <label for="f-id">{t("accountId")}</label>
              <input id="f-id" name="id" maxlength={128} />
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
  const [account, licences] = await Promise.all([
    callApi<Account>(c.env, "REGISTRATION", who, "GET", `/v1/accounts/${encodeURIComponent(id)}`),
    callApi<{ licences: Licence[] }>(c.env, "REGISTRATION", who, "GET", `/v1/publishers${query({ accountId: id, state: "all" })}`),
  ]);
  if (!account.ok) return c.html(<Page c={c} title={t("accountTitle", { id })} flash={{ kind: "bad", text: problemText(c, account.problem) }} />, account.status === 404 ? 404 : 200);
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
                  <li>
                    {l.licenceNumber} · {l.issuer} · {l.scope.join(", ")} · {l.active ? t("active") : l.revokedAt ? t("revokedAt", { at: when(l.revokedAt) }) : t("expired")} · {when(l.expiresAt)}
                  </li>
                ))}
              </ul>
            ) : (
              <p class="muted">—</p>
            )}
          </section>
        </div>
        <div>
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
