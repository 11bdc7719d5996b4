import { Hono } from "hono";
import { caller, type ConsoleApp } from "../context";
import { BASE, Page, when } from "../layout";
import type { AuditEntry } from "../types";
import { callApi, query } from "../upstream";
import { problemText, takeFlash } from "../web";

export const auditRoutes = new Hono<ConsoleApp>();

type Verify = { ok: boolean; from: number; to: number; checked: number; firstBroken: { seq: number; reason: string } | null };

auditRoutes.get("/audit", async (c) => {
  const t = c.get("t");
  const who = caller(c);
  const params = { subjectType: c.req.query("subjectType") ?? "", subjectId: c.req.query("subjectId") ?? "", action: c.req.query("action") ?? "", cursor: c.req.query("cursor") ?? "" };
  const [list, verify] = await Promise.all([
    callApi<{ entries: AuditEntry[]; nextCursor: string | null }>(c.env, "MODERATION", who, "GET", `/v1/audit${query({ ...params, limit: 50 })}`),
    callApi<Verify>(c.env, "MODERATION", who, "GET", "/v1/audit/verify"),
  ]);
  const chain = verify.ok
    ? verify.data.ok
      ? { kind: "ok" as const, text: t("chainOk", { count: verify.data.checked }) }
      : { kind: "bad" as const, text: t("chainBroken", { seq: verify.data.firstBroken?.seq ?? "?", detail: verify.data.firstBroken?.reason ?? "" }) }
    : { kind: "muted" as const, text: t("chainUnknown", { code: verify.problem.code }) };
  const field = (name: keyof typeof params, label: string) => (
    <div class="field">
      <label for={`f-${name}`}>{label}</label>
      <input id={`f-${name}`} name={name} value={params[name]} maxlength={name === "subjectId" ? 128 : 80} />
    </div>
  );
  return c.html(
    <Page c={c} title={t("auditTitle")} current={`${BASE}/audit`} flash={takeFlash(c) ?? (list.ok ? null : { kind: "bad", text: problemText(c, list.problem) })}>
      <section aria-labelledby="chain-h">
        <h2 id="chain-h">{t("chain")}</h2>
        <p class={chain.kind === "muted" ? "muted" : `flash ${chain.kind}`} data-testid="chain-status">
          {chain.text}
        </p>
      </section>
      <form method="get" action={`${BASE}/audit`} data-filters="">
        <fieldset>
          <legend>{t("filter")}</legend>
          <div class="filters">
            {field("action", t("action"))}
            {field("subjectType", t("subjectType"))}
            {field("subjectId", t("subjectId"))}
            <button type="submit">{t("filter")}</button>
          </div>
        </fieldset>
      </form>
      <table>
        <caption class="sr-only">{t("auditTitle")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("at")}</th>
            <th scope="col">{t("action")}</th>
            <th scope="col">{t("actor")}</th>
            <th scope="col">{t("subject")}</th>
            <th scope="col">{t("reason")}</th>
          </tr>
        </thead>
        <tbody>
          {(list.ok ? list.data.entries : []).map((e) => (
            <tr data-audit-action={e.action}>
              <td>{when(e.at)}</td>
              <td>{e.action}</td>
              <td>
                {e.actorRole}: {e.actorKeyId}
              </td>
              <td>
                {e.subjectType}: {e.subjectId}
              </td>
              <td>{e.reason ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.ok && list.data.nextCursor && (
        <p>
          <a href={`${BASE}/audit${query({ ...params, cursor: list.data.nextCursor })}`}>{t("nextPage")}</a>
        </p>
      )}
    </Page>,
  );
});
