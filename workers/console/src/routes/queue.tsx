import { Hono } from "hono";
import { caller, sessionOf, type ConsoleApp, type Ctx } from "../context";
import { BASE, Csrf, Page, when } from "../layout";
import { DECISION_ACTIONS, REVIEW_SOURCES, type ReviewItem } from "../types";
import { callApi, query } from "../upstream";
import { back, checkedForm, flashNext, problemText, takeFlash, text } from "../web";

type Page_ = { items: ReviewItem[]; nextCursor: string | null };

export const queueRoutes = new Hono<ConsoleApp>();

/** Each row's checkbox is named by this prefix and its item id (the form parser keeps one value per name). */
const PICK = "pick-";

const FILTERS = ["status", "sort", "source", "category", "subjectType", "assignee", "cursor"] as const;

/** Claim state in words: free, mine, or someone else's until when. */
export function ClaimState(props: { c: Ctx; item: ReviewItem }) {
  const t = props.c.get("t");
  const claim = props.item.claim;
  if (!claim) return <span class="muted">{t("unclaimed")}</span>;
  return claim.heldBy === sessionOf(props.c).principal.keyId ? <span>{t("claimedByYou", { until: when(claim.until) })}</span> : <span>{t("claimedBy", { who: claim.heldBy, until: when(claim.until) })}</span>;
}

/** Claim or release buttons for an open item, returning to `backTo`. */
export function ClaimForm(props: { c: Ctx; item: ReviewItem; backTo: string }) {
  const { c, item } = props;
  const t = c.get("t");
  if (item.status !== "open") return null;
  const mine = item.claim?.heldBy === sessionOf(c).principal.keyId;
  return (
    <form class="inline" method="post" action={`${BASE}/items/${encodeURIComponent(item.id)}/${mine ? "release" : "claim"}`} data-claim={mine ? undefined : ""}>
      <Csrf c={c} />
      <input type="hidden" name="back" value={props.backTo} />
      <button type="submit" class={mine ? "secondary" : undefined} aria-label={`${t(mine ? "release" : "claim")} ${item.id}`}>
        {t(mine ? "release" : "claim")}
      </button>
    </form>
  );
}

queueRoutes.get("/queue", async (c) => {
  const t = c.get("t");
  const who = caller(c);
  const params = Object.fromEntries(FILTERS.map((f) => [f, c.req.query(f) ?? ""])) as Record<(typeof FILTERS)[number], string>;
  const sort = params.sort || "priority";
  const [list, ...counts] = await Promise.all([
    callApi<Page_>(c.env, "MODERATION", who, "GET", `/v1/review-queue${query({ ...params, sort, limit: 50 })}`),
    ...REVIEW_SOURCES.map((source) => callApi<Page_>(c.env, "MODERATION", who, "GET", `/v1/review-queue${query({ status: "open", source, limit: 100 })}`)),
  ]);
  const flash = takeFlash(c) ?? (list.ok ? null : { kind: "bad" as const, text: problemText(c, list.problem) });
  const items = list.ok ? list.data.items : [];
  const here = `${BASE}/queue${query(params)}`;
  const select = (name: string, label: string, options: [string, string][]) => (
    <div class="field">
      <label for={`f-${name}`}>{label}</label>
      <select id={`f-${name}`} name={name}>
        {options.map(([value, text]) => (
          <option value={value} selected={(name === "sort" ? sort : params[name as keyof typeof params]) === value}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
  return c.html(
    <Page c={c} title={t("queueTitle")} current={`${BASE}/queue`} flash={flash}>
      <h2 id="counts">{t("countsBySource")}</h2>
      <ul class="counts" aria-labelledby="counts">
        {REVIEW_SOURCES.map((source, i) => {
          const answer = counts[i]!;
          const n = answer.ok ? `${answer.data.items.length}${answer.data.nextCursor ? "+" : ""}` : "?";
          return (
            <li>
              <a href={`${BASE}/queue${query({ source })}`}>{source}</a>: <strong data-count={source}>{n}</strong>
            </li>
          );
        })}
      </ul>
      <form method="get" action={`${BASE}/queue`} data-filters="">
        <fieldset>
          <legend>{t("filter")}</legend>
          <div class="filters">
            {select("status", t("status"), [["open", t("open")], ["decided", t("decided")]])}
            {select("sort", t("sort"), [["priority", t("byPriority")], ["age", t("byAge")]])}
            {select("source", t("source"), [["", t("any")], ...REVIEW_SOURCES.map((s): [string, string] => [s, s])])}
            {select("subjectType", t("subjectType"), [["", t("any")], ["post", "post"], ["account", "account"]])}
            {select("assignee", t("assignee"), [["", t("anyone")], ["me", t("me")], ["none", t("unclaimed")]])}
            <div class="field">
              <label for="f-category">{t("category")}</label>
              <input id="f-category" name="category" value={params.category} pattern="[a-z0-9_]{1,64}" size={14} />
            </div>
            <button type="submit">{t("filter")}</button>
          </div>
        </fieldset>
      </form>
      <p class="muted">{t("keysHint")}</p>
      {items.length === 0 ? (
        <p>{t("noItems")}</p>
      ) : (
        <table>
          <caption class="sr-only">{t("queueTitle")}</caption>
          <thead>
            <tr>
              <th scope="col">
                <span class="sr-only">{t("decideSelected")}</span>
              </th>
              <th scope="col">{t("subject")}</th>
              <th scope="col">{t("priority")}</th>
              <th scope="col">{t("severity")}</th>
              <th scope="col">{t("source")}</th>
              <th scope="col">{t("age")}</th>
              <th scope="col">{t("signals")}</th>
              <th scope="col">{t("reporters")}</th>
              <th scope="col">{t("assignee")}</th>
              <th scope="col">
                <span class="sr-only">{t("claim")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr data-queue-row="" data-item={item.id}>
                <td>
                  {item.status === "open" && (
                    // Outside the bulk form in the markup (rows hold their own claim forms), joined to it by `form`.
                    <input type="checkbox" form="bulk" name={`${PICK}${item.id}`} value="1" aria-label={t("selectItem", { id: `${item.subjectType}: ${item.subjectId}` })} />
                  )}
                </td>
                <td>
                  <a href={`${BASE}/items/${encodeURIComponent(item.id)}`}>
                    {item.subjectType}: {item.subjectId}
                  </a>
                </td>
                <td>{item.priority}</td>
                <td>{item.severity}</td>
                <td>{item.source}</td>
                <td>{when(item.createdAt)}</td>
                <td>{item.signalCount}</td>
                <td>{item.reporters}</td>
                <td>
                  <ClaimState c={c} item={item} />
                </td>
                <td>
                  <ClaimForm c={c} item={item} backTo={here} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {items.some((item) => item.status === "open") && (
        <form id="bulk" method="post" action={`${BASE}/queue/bulk-decision`}>
          <Csrf c={c} />
          <input type="hidden" name="back" value={here} />
          <fieldset>
            <legend>{t("bulkDecision")}</legend>
            <div class="filters">
              <div class="field">
                <label for="bulk-action">{t("action")}</label>
                <select id="bulk-action" name="action" required>
                  {DECISION_ACTIONS.map((a) => (
                    <option value={a}>{a}</option>
                  ))}
                </select>
              </div>
              <div class="field">
                <label for="bulk-reason">{t("reason")}</label>
                <input id="bulk-reason" name="reason" required minlength={3} maxlength={500} size={40} />
              </div>
              <button type="submit">{t("decideSelected")}</button>
            </div>
          </fieldset>
        </form>
      )}
      {list.ok && list.data.nextCursor && (
        <p>
          <a href={`${BASE}/queue${query({ ...params, cursor: list.data.nextCursor })}`}>{t("nextPage")}</a>
        </p>
      )}
    </Page>,
  );
});

for (const [verb, method] of [
  ["claim", "POST"],
  ["release", "DELETE"],
] as const) {
  queueRoutes.post(`/items/:id/${verb}`, async (c) => {
    const form = await checkedForm(c);
    const id = c.req.param("id");
    const answer = await callApi(c.env, "MODERATION", caller(c), method, `/v1/review-queue/${encodeURIComponent(id)}/claim`);
    flashNext(c, answer.ok ? { kind: "ok", text: c.get("t")("done") } : { kind: "bad", text: problemText(c, answer.problem) });
    return back(c, form, `${BASE}/items/${encodeURIComponent(id)}`);
  });
}

/** Decides the checked items with one action through the bulk route; the answer lists what was decided and what was skipped, and why. */
queueRoutes.post("/queue/bulk-decision", async (c) => {
  const form = await checkedForm(c);
  const t = c.get("t");
  const itemIds = Object.keys(form)
    .filter((k) => k.startsWith(PICK) && text(form, k) === "1")
    .map((k) => k.slice(PICK.length));
  if (itemIds.length === 0) {
    flashNext(c, { kind: "bad", text: t("noneSelected") });
    return back(c, form, `${BASE}/queue`);
  }
  type Result = { decided: { itemId: string }[]; skipped: { itemId: string; code: string }[] };
  const answer = await callApi<Result>(c.env, "MODERATION", caller(c), "POST", "/v1/review-queue/bulk-decision", { itemIds, action: text(form, "action"), reason: text(form, "reason").trim() });
  if (!answer.ok) flashNext(c, { kind: "bad", text: problemText(c, answer.problem) });
  else {
    const { decided, skipped } = answer.data;
    const why = skipped.map((s) => `${s.itemId}: ${s.code}`).join("; ");
    flashNext(c, { kind: skipped.length ? "bad" : "ok", text: `${t("bulkResult", { decided: decided.length, skipped: skipped.length })}${why ? ` ${why}` : ""}` });
  }
  return back(c, form, `${BASE}/queue`);
});
