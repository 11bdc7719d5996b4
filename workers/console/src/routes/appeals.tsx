import { Hono } from "hono";
import { caller, sessionOf, type ConsoleApp } from "../context";
import { BASE, Csrf, Page, when } from "../layout";
import type { Appeal, AuditEntry, ReviewItem } from "../types";
import { callApi, query } from "../upstream";
import { checkedForm, flashNext, problemText, takeFlash, text } from "../web";

export const appealRoutes = new Hono<ConsoleApp>();

/** Open appeals are review items with an `appeal` signal; the appeal's id is in the signal. */
appealRoutes.get("/appeals", async (c) => {
  const t = c.get("t");
  const who = caller(c);
  const list = await callApi<{ items: ReviewItem[] }>(c.env, "MODERATION", who, "GET", `/v1/review-queue${query({ source: "appeal", status: "open", sort: "age", limit: 25 })}`);
  const items = list.ok ? await Promise.all(list.data.items.map((i) => callApi<ReviewItem>(c.env, "MODERATION", who, "GET", `/v1/review-queue/${encodeURIComponent(i.id)}`))) : [];
  const appeals = items.flatMap((answer) =>
    answer.ok
      ? (answer.data.signals ?? [])
          .filter((s) => s.source === "appeal" && s.status === "open" && typeof s.details.appealId === "string")
          .map((s) => ({ item: answer.data, appealId: s.details.appealId as string, action: String(s.details.action ?? ""), filedAt: s.createdAt }))
      : [],
  );
  return c.html(
    <Page c={c} title={t("appealsTitle")} current={`${BASE}/appeals`} flash={takeFlash(c) ?? (list.ok ? null : { kind: "bad", text: problemText(c, list.problem) })}>
      <p>{t("secondOperatorRule")}</p>
      {appeals.length === 0 ? (
        <p>{t("noAppeals")}</p>
      ) : (
        <table>
          <caption class="sr-only">{t("appealsTitle")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("appealTitle", { id: "" })}</th>
              <th scope="col">{t("subject")}</th>
              <th scope="col">{t("originalDecision")}</th>
              <th scope="col">{t("age")}</th>
            </tr>
          </thead>
          <tbody>
            {appeals.map((a) => (
              <tr>
                <td>
                  <a href={`${BASE}/appeals/${encodeURIComponent(a.appealId)}`}>{a.appealId}</a>
                </td>
                <td>
                  {a.item.subjectType}: {a.item.subjectId}
                </td>
                <td>{a.action}</td>
                <td>{when(a.filedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>,
  );
});

appealRoutes.get("/appeals/:id", async (c) => {
  const t = c.get("t");
  const who = caller(c);
  const id = c.req.param("id");
  const answer = await callApi<Appeal>(c.env, "MODERATION", who, "GET", `/v1/appeals/${encodeURIComponent(id)}`);
  if (!answer.ok) return c.html(<Page c={c} title={t("appealTitle", { id })} flash={{ kind: "bad", text: problemText(c, answer.problem) }} />, answer.status === 404 ? 404 : 200);
  const appeal = answer.data;
  // Who made the original decision, and why: its audit entry (the appeal carries the decision's id).
  const audit = await callApi<{ entries: AuditEntry[] }>(c.env, "MODERATION", who, "GET", `/v1/audit${query({ subjectType: appeal.subject.type, subjectId: appeal.subject.id, limit: 100 })}`);
  const original = audit.ok ? audit.data.entries.find((e) => e.action.startsWith("review.") && e.details.decisionId === appeal.decision.id) : undefined;
  const mine = original?.actorKeyId === sessionOf(c).principal.keyId;
  return c.html(
    <Page c={c} title={t("appealTitle", { id })} current={`${BASE}/appeals`} flash={takeFlash(c)}>
      <div class="side-by-side">
        <section class="panel" aria-labelledby="orig-h">
          <h2 id="orig-h">{t("originalDecision")}</h2>
          <dl class="summary">
            <dt>{t("action")}</dt>
            <dd>{appeal.decision.action}</dd>
            <dt>{t("subject")}</dt>
            <dd>
              {appeal.subject.type}: {appeal.subject.id}
            </dd>
            <dt>{t("at")}</dt>
            <dd>{when(appeal.decision.decidedAt)}</dd>
            <dt>{t("decidedBy")}</dt>
            <dd data-testid="original-operator">{original?.actorKeyId ?? "—"}</dd>
            <dt>{t("reason")}</dt>
            <dd>{original?.reason ?? "—"}</dd>
          </dl>
        </section>
        <section class="panel" aria-labelledby="statement-h">
          <h2 id="statement-h">{t("statement")}</h2>
          <p class="evidence" data-testid="statement">
            {appeal.statement}
          </p>
          <p class="muted">
            {t("accountId")}: <a href={`${BASE}/accounts/${encodeURIComponent(appeal.accountId)}`}>{appeal.accountId}</a> · {when(appeal.createdAt)}
          </p>
        </section>
      </div>
      <p>
        <strong>{t("secondOperatorRule")}</strong>
      </p>
      {appeal.status === "decided" ? (
        <p data-testid="appeal-outcome">
          {t("outcome")}: {appeal.outcome} — {t("decidedBy")} {appeal.decidedBy ?? "—"} · {when(appeal.decidedAt)}
          {appeal.reason ? ` · ${appeal.reason}` : ""}
        </p>
      ) : mine ? (
        <p class="flash bad" data-testid="same-operator">
          {t("youDecided")}
        </p>
      ) : (
        <form method="post" action={`${BASE}/appeals/${encodeURIComponent(id)}/decision`}>
          <Csrf c={c} />
          <fieldset>
            <legend>{t("outcome")}</legend>
            <div class="field check">
              <input type="radio" id="outcome-uphold" name="outcome" value="uphold" required />
              <label for="outcome-uphold">{t("uphold")}</label>
            </div>
            <div class="field check">
              <input type="radio" id="outcome-reverse" name="outcome" value="reverse" />
              <label for="outcome-reverse">{t("reverse")}</label>
            </div>
          </fieldset>
          <div class="field">
            <label for="reason">{t("reason")}</label>
            <textarea id="reason" name="reason" required minlength={3} maxlength={500}></textarea>
          </div>
          <button type="submit">{t("decideAppeal")}</button>
        </form>
      )}
    </Page>,
  );
});

appealRoutes.post("/appeals/:id/decision", async (c) => {
  const form = await checkedForm(c);
  const id = c.req.param("id");
  const answer = await callApi<Appeal>(c.env, "MODERATION", caller(c), "POST", `/v1/appeals/${encodeURIComponent(id)}/decision`, { outcome: text(form, "outcome"), reason: text(form, "reason") });
  flashNext(c, answer.ok ? { kind: "ok", text: c.get("t")("done") } : { kind: "bad", text: problemText(c, answer.problem) });
  return c.redirect(`${BASE}/appeals/${encodeURIComponent(id)}`, 303);
});
