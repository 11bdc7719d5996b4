import { Hono } from "hono";
import { caller, type ConsoleApp, type Ctx } from "../context";
import { categorySlot, segments, spansOf } from "../highlight";
import { TimelineSection, type Timeline } from "../chart";
import { BASE, Csrf, Page, when } from "../layout";
import { DECISION_ACTIONS, type Account, type Evidence, type ReviewItem } from "../types";
import { callApi, type ApiAnswer } from "../upstream";
import { checkedForm, flashNext, problemText, takeFlash, text } from "../web";
import { ClaimForm, ClaimState } from "./queue";

export const itemRoutes = new Hono<ConsoleApp>();

/** Reason templates of the decision form (the operator may edit the text before sending). */
const REASON_TEMPLATES: Record<string, { en: string; zh: string }> = {
  rumour: { en: "Confirmed rumour: contradicted by an authoritative source.", zh: "经权威来源证实为谣言。" },
  violence: { en: "Incites or glorifies violence.", zh: "煽动或美化暴力。" },
  fraud: { en: "Fraudulent offer or scam contact details.", zh: "欺诈信息或诈骗联系方式。" },
  no_violation: { en: "Reviewed: no policy violation found.", zh: "经审核，未发现违反策略的内容。" },
};

/** Text with the matched spans marked, each with its category for screen readers and the legend. */
export function Highlighted(props: { text: string; reasons: Record<string, unknown>[]; field: "text" | "title" }) {
  return (
    <>
      {segments(props.text, spansOf(props.reasons, props.field)).map((s) =>
        s.category ? (
          <mark class={`hl c${categorySlot(s.category)}`} data-category={s.category} title={s.category}>
            {s.text}
            <span class="sr-only"> ({s.category})</span>
          </mark>
        ) : (
          s.text
        ),
      )}
    </>
  );
}

function AccountSummary(props: { c: Ctx; account: ApiAnswer<Account> | null }) {
  const t = props.c.get("t");
  const a = props.account;
  if (!a) return null;
  if (!a.ok) return <p class="muted">{problemText(props.c, a.problem)}</p>;
  const acc = a.data;
  return (
    <dl class="summary">
      <dt>{t("accountId")}</dt>
      <dd>
        <a href={`${BASE}/accounts/${encodeURIComponent(acc.id)}`}>{acc.id}</a>
      </dd>
      <dt>{t("handle")}</dt>
      <dd>{acc.handle}</dd>
      <dt>{t("displayName")}</dt>
      <dd>{acc.displayName}</dd>
      <dt>{t("status")}</dt>
      <dd>{acc.status}</dd>
      <dt>{t("identityMasked")}</dt>
      <dd>{acc.identity.erased ? t("erased") : [acc.identity.name, acc.identity.documentNumber, acc.identity.phone].filter(Boolean).join(" · ")}</dd>
    </dl>
  );
}

itemRoutes.get("/items/:id", async (c) => {
  const t = c.get("t");
  const who = caller(c);
  const id = c.req.param("id");
  const path = `/v1/review-queue/${encodeURIComponent(id)}`;
  const itemAnswer = await callApi<ReviewItem>(c.env, "MODERATION", who, "GET", path);
  if (!itemAnswer.ok) {
    return c.html(<Page c={c} title={t("itemTitle", { id })} flash={{ kind: "bad", text: problemText(c, itemAnswer.problem) }} />, itemAnswer.status === 404 ? 404 : 200);
  }
  const item = itemAnswer.data;
  // The post's spread over time, asked for alongside the evidence.
  const chartResolution = c.req.query("chart") === "minute" ? "minute" : "hour";
  const timelinePending =
    item.subjectType === "post" ? callApi<Timeline>(c.env, "REPOSTS", who, "GET", `/v1/posts/${encodeURIComponent(item.subjectId)}/timeline?resolution=${chartResolution}`) : null;
  const evidence = item.subjectType === "post" ? await callApi<Evidence>(c.env, "MODERATION", who, "GET", `${path}/evidence`) : null;
  const accountId = item.subjectType === "account" ? item.subjectId : evidence?.ok ? evidence.data.accountId : null;
  const account = accountId ? await callApi<Account>(c.env, "REGISTRATION", who, "GET", `/v1/accounts/${encodeURIComponent(accountId)}`) : null;
  const lang = c.get("lang") === "zh-CN" ? "zh" : "en";
  const here = `${BASE}/items/${encodeURIComponent(id)}`;
  const timeline = await timelinePending;
  return c.html(
    <Page c={c} title={t("itemTitle", { id })} current={`${BASE}/queue`} flash={takeFlash(c)}>
      <div class="grid">
        <div>
          <section class="panel" aria-labelledby="subject-h">
            <h2 id="subject-h">{t("subject")}</h2>
            <dl class="summary">
              <dt>{t("subject")}</dt>
              <dd>
                {item.subjectType}: {item.subjectId}
              </dd>
              <dt>{t("status")}</dt>
              <dd data-testid="item-status">{item.status === "decided" ? t("decidedAs", { decision: item.decision ?? "", by: item.decidedBy ?? "", at: when(item.decidedAt) }) : t("open")}</dd>
              <dt>{t("priority")}</dt>
              <dd>
                {item.priority} ({t("severity")} {item.severity})
              </dd>
              <dt>{t("assignee")}</dt>
              <dd data-testid="claim-state">
                <ClaimState c={c} item={item} /> <ClaimForm c={c} item={item} backTo={here} />
              </dd>
            </dl>
          </section>
          {evidence && (
            <section aria-labelledby="evidence-h">
              <h2 id="evidence-h">{t("evidence")}</h2>
              {evidence.ok ? (
                <>
                  <p class="muted">{t("legend")}</p>
                  {evidence.data.title && (
                    <p class="evidence" data-testid="evidence-title">
                      <Highlighted text={evidence.data.title} reasons={evidence.data.reasons} field="title" />
                    </p>
                  )}
                  <p class="evidence" data-testid="evidence-text">
                    <Highlighted text={evidence.data.text} reasons={evidence.data.reasons} field="text" />
                  </p>
                  <table>
                    <caption>{t("matches")}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{t("category")}</th>
                        <th scope="col">{t("severity")}</th>
                        <th scope="col">{t("action")}</th>
                        <th scope="col">{t("field")}</th>
                        <th scope="col">{t("offsets")}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {evidence.data.reasons.map((r) => (
                        <tr>
                          <td>{String(r.category ?? r.code ?? "")}</td>
                          <td>{String(r.severity ?? "")}</td>
                          <td>{String(r.action ?? "")}</td>
                          <td>{String(r.field ?? "text")}</td>
                          <td>{typeof r.start === "number" ? `${r.start}–${String(r.end)}` : "—"}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </>
              ) : (
                <p class="muted">{t("evidenceMissing", { code: evidence.problem.code })}</p>
              )}
            </section>
          )}
          {timeline && <TimelineSection c={c} answer={timeline} otherResolution={`${here}?chart=${chartResolution === "minute" ? "hour" : "minute"}#spread-time-h`} />}
          <section aria-labelledby="timeline-h">
            <h2 id="timeline-h">{t("timeline")}</h2>
            <ol class="timeline">
              {(item.signals ?? []).map((s) => (
                <li>
                  <strong>{when(s.createdAt)}</strong> — {s.source} · {s.reasonCode}
                  {s.category ? ` · ${s.category}` : ""} · {t("severity")} {s.severity} · {s.status}
                </li>
              ))}
            </ol>
          </section>
        </div>
        <div>
          {account && (
            <section class="panel" aria-labelledby="account-h">
              <h2 id="account-h">{t("accountSummary")}</h2>
              <AccountSummary c={c} account={account} />
            </section>
          )}
          {item.status === "open" && (
            <section aria-labelledby="decision-h" id="decision">
              <h2 id="decision-h">{t("decision")}</h2>
              <form method="post" action={`${here}/decision`}>
                <Csrf c={c} />
                <div class="field">
                  <label for="decision-action">{t("action")}</label>
                  <select id="decision-action" name="action" required>
                    {DECISION_ACTIONS.map((a) => (
                      <option value={a}>{a}</option>
                    ))}
                  </select>
                </div>
                <div class="field">
                  <label for="reason-template">{t("reasonTemplate")}</label>
                  <select id="reason-template" name="template">
                    <option value="">{t("noTemplate")}</option>
                    {Object.entries(REASON_TEMPLATES).map(([key, text]) => (
                      <option value={key} data-text={text[lang]}>
                        {text[lang]}
                      </option>
                    ))}
                  </select>
                </div>
                <div class="field">
                  <label for="reason">{t("reason")}</label>
                  <textarea id="reason" name="reason" maxlength={500}></textarea>
                </div>
                <div class="field">
                  <label for="labels">{t("labels")}</label>
                  <input id="labels" name="labels" />
                </div>
                <div class="field">
                  <label for="durationDays">{t("durationDays")}</label>
                  <input id="durationDays" name="durationDays" type="number" min={1} max={365} />
                </div>
                <button type="submit">{t("decide")}</button>
              </form>
            </section>
          )}
        </div>
      </div>
    </Page>,
  );
});

itemRoutes.post("/items/:id/decision", async (c) => {
  const form = await checkedForm(c);
  const id = c.req.param("id");
  const lang = c.get("lang") === "zh-CN" ? "zh" : "en";
  const template = REASON_TEMPLATES[text(form, "template")];
  const reason = text(form, "reason").trim() || (template ? template[lang] : "");
  const labels = text(form, "labels")
    .split(",")
    .map((l) => l.trim())
    .filter(Boolean);
  const days = text(form, "durationDays").trim();
  const body = {
    action: text(form, "action"),
    reason,
    ...(labels.length ? { labels } : {}),
    ...(days ? { durationDays: Number(days) } : {}),
  };
  const answer = await callApi<ReviewItem>(c.env, "MODERATION", caller(c), "POST", `/v1/review-queue/${encodeURIComponent(id)}/decision`, body);
  flashNext(c, answer.ok ? { kind: "ok", text: c.get("t")("done") } : { kind: "bad", text: problemText(c, answer.problem) });
  return c.redirect(`${BASE}/items/${encodeURIComponent(id)}`, 303);
});
