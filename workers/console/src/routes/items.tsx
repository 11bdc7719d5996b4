import { Hono } from "hono";
import { accountHistory, accountLicences, HistoryTable, isDecision, statusChange, type HistoryEntry, type Licence } from "../account-records";
import { caller, type ConsoleApp, type Ctx } from "../context";
import { categorySlot, segments, spansOf } from "../highlight";
import { TimelineSection, type Timeline } from "../chart";
import { BASE, Csrf, Page, when } from "../layout";
import { DECISION_ACTIONS, type Account, type Evidence, type ReviewItem } from "../types";
import { callApi, type ApiAnswer } from "../upstream";
import type { Translate } from "../i18n";
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

/**
 * The matched spans of `reasons` as a table: category, severity, action, field and offsets, and with
 * `source` the term list and pattern that matched (the policy try-it box has them).
 */
export function ReasonsTable(props: { t: Translate; reasons: Record<string, unknown>[]; source?: boolean; testid?: string }) {
  const { t, reasons, source } = props;
  return (
    <table data-testid={props.testid}>
      <caption>{t("matches")}</caption>
      <thead>
        <tr>
          <th scope="col">{t("category")}</th>
          <th scope="col">{t("severity")}</th>
          <th scope="col">{t("action")}</th>
          <th scope="col">{t("field")}</th>
          <th scope="col">{t("offsets")}</th>
          {source && <th scope="col">{t("list")}</th>}
          {source && <th scope="col">{t("pattern")}</th>}
        </tr>
      </thead>
      <tbody>
        {reasons.map((r) => (
          <tr>
            <td>{String(r.category ?? r.code ?? "")}</td>
            <td>{String(r.severity ?? "")}</td>
            <td>{String(r.action ?? "")}</td>
            <td>{String(r.field ?? "text")}</td>
            <td>{typeof r.start === "number" ? `${r.start}–${String(r.end)}` : "—"}</td>
            {source && <td>{String(r.listName ?? "")}</td>}
            {source && <td>{String(r.pattern ?? "")}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Entries shown per list beside the evidence (the account page has the full history). */
const ACCOUNT_RECORDS_SHOWN = 10;

type AccountRecords = { account: ApiAnswer<Account>; licences: ApiAnswer<{ licences: Licence[] }>; history: ApiAnswer<{ entries: HistoryEntry[] }> };

function AccountSummary(props: { c: Ctx; records: AccountRecords }) {
  const c = props.c;
  const t = c.get("t");
  const { account: a, licences, history } = props.records;
  if (!a.ok) return <p class="muted">{problemText(c, a.problem)}</p>;
  const acc = a.data;
  const entries = history.ok ? history.data.entries : [];
  const statusChanges = entries.filter((e) => statusChange(e) !== null);
  const decisions = entries.filter(isDecision);
  const historyNote = history.ok ? "—" : problemText(c, history.problem);
  return (
    <>
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
      <h3 id="acc-licences-h">{t("currentLicences")}</h3>
      {licences.ok && licences.data.licences.length > 0 ? (
        <ul aria-labelledby="acc-licences-h" data-testid="account-licences">
          {licences.data.licences.map((l) => (
            <li data-licence={l.licenceNumber}>
              {l.licenceNumber} · {l.issuer} · {l.scope.join(", ")} · {when(l.expiresAt)}
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">{licences.ok ? "—" : problemText(c, licences.problem)}</p>
      )}
      <h3>{t("statusHistory")}</h3>
      {statusChanges.length > 0 ? <HistoryTable c={c} entries={statusChanges} caption={t("statusHistory")} testid="account-status-history" /> : <p class="muted">{historyNote}</p>}
      <h3>{t("earlierDecisions")}</h3>
      {decisions.length > 0 ? <HistoryTable c={c} entries={decisions} caption={t("earlierDecisions")} testid="account-decisions" /> : <p class="muted">{historyNote}</p>}
    </>
  );
}

/** The account, its current licences and its newest audit entries, asked for at once. */
async function accountRecords(c: Ctx, accountId: string): Promise<AccountRecords> {
  const who = caller(c);
  const [account, licences, history] = await Promise.all([
    callApi<Account>(c.env, "REGISTRATION", who, "GET", `/v1/accounts/${encodeURIComponent(accountId)}`),
    accountLicences(c.env, who, accountId, "active", ACCOUNT_RECORDS_SHOWN),
    accountHistory(c.env, who, accountId, ACCOUNT_RECORDS_SHOWN),
  ]);
  return { account, licences, history };
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
  const account = accountId ? await accountRecords(c, accountId) : null;
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
                  <ReasonsTable t={t} reasons={evidence.data.reasons} />
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
              <AccountSummary c={c} records={account} />
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
