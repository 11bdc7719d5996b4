import { Hono } from "hono";
import { caller, sessionOf, type ConsoleApp } from "../context";
import { BarChart, TimelineChart, timelineLabels, type Timeline } from "../chart";
import { BASE, Csrf, Page, when } from "../layout";
import { callApi, query } from "../upstream";
import { checkedForm, flashNext, problemText, takeFlash, text } from "../web";

export const spreadRoutes = new Hono<ConsoleApp>();

type Spread = { rootPostId: string; reposts: number; views: number; levels: { name: string; crossedAt: string }[]; escalated: boolean; updatedAt: string };
type Rule = { level: string; metric: "reposts" | "views"; value: number; action: string; category: string | null; verdict: string | null };

spreadRoutes.get("/spread", async (c) => {
  const t = c.get("t");
  const who = caller(c);
  const metric = c.req.query("metric") === "views" ? "views" : "reposts";
  const [top, rules] = await Promise.all([
    callApi<{ since: string; posts: Spread[] }>(c.env, "REPOSTS", who, "GET", `/v1/spread/top${query({ metric, limit: 20 })}`),
    callApi<{ rules: Rule[] }>(c.env, "REPOSTS", who, "GET", "/v1/spread/thresholds"),
  ]);
  const failed = !top.ok ? top : !rules.ok ? rules : null;
  const posts = top.ok ? top.data.posts : [];
  // The top posts' last 7 days for their small charts, in one call (a post without one shows no chart).
  const batch = posts.length
    ? await callApi<Pick<Timeline, "resolution" | "bucketMs" | "windowStart"> & { timelines: (Omit<Timeline, "resolution" | "bucketMs" | "windowStart"> & { postId: string })[] }>(c.env, "REPOSTS", who, "GET", `/v1/spread/timelines${query({ postIds: posts.map((p) => p.rootPostId).join(","), resolution: "hour" })}`)
    : null;
  const timelineOf = new Map<string, Timeline>(
    batch?.ok ? batch.data.timelines.map((tl) => [tl.postId, { ...tl, resolution: batch.data.resolution, bucketMs: batch.data.bucketMs, windowStart: batch.data.windowStart }]) : [],
  );
  const isAdmin = sessionOf(c).principal.role === "admin";
  return c.html(
    <Page c={c} title={t("spreadTitle")} current={`${BASE}/spread`} flash={takeFlash(c) ?? (failed && !failed.ok ? { kind: "bad", text: problemText(c, failed.problem) } : null)}>
      <p>
        {t("spreadSince", { since: top.ok ? when(top.data.since) : "—" })} ·{" "}
        {metric === "reposts" ? <a href={`${BASE}/spread?metric=views`}>{t("byViews")}</a> : <a href={`${BASE}/spread?metric=reposts`}>{t("byReposts")}</a>}
      </p>
      {posts.length === 0 ? (
        <p>{t("noItems")}</p>
      ) : (
        <>
          <BarChart id="top-chart" title={t(metric === "views" ? "byViews" : "byReposts")} bars={posts.map((p) => ({ label: p.rootPostId, value: p[metric] }))} />
          <table>
            <caption class="sr-only">{t("spreadTitle")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("post")}</th>
                <th scope="col">{t("reposts")}</th>
                <th scope="col">{t("views")}</th>
                <th scope="col">{t("levels")}</th>
                <th scope="col">{t("at")}</th>
                <th scope="col">{t("lastSevenDaysShort")}</th>
              </tr>
            </thead>
            <tbody>
              {posts.map((p, i) => (
                <tr data-spread-post={p.rootPostId}>
                  <td>{p.rootPostId}</td>
                  <td>{p.reposts}</td>
                  <td>{p.views}</td>
                  <td>
                    {p.levels.map((l) => l.name).join(", ")}
                    {p.escalated ? ` · ${t("escalated")}` : ""}
                  </td>
                  <td>{when(p.updatedAt)}</td>
                  <td>
                    {(() => {
                      const tl = timelineOf.get(p.rootPostId);
                      if (!tl) return "—";
                      const words = timelineLabels(c, tl, p.rootPostId);
                      return <TimelineChart id={`spark-${i}`} title={words.title} desc={words.desc} labels={words.labels} timeline={tl} small />;
                    })()}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <section aria-labelledby="rules-h">
        <h2 id="rules-h">{t("thresholds")}</h2>
        <table>
          <caption class="sr-only">{t("thresholds")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("levels")}</th>
              <th scope="col">{t("metric")}</th>
              <th scope="col">{t("value")}</th>
              <th scope="col">{t("action")}</th>
              <th scope="col">{t("category")}</th>
              <th scope="col">{t("verdict")}</th>
            </tr>
          </thead>
          <tbody>
            {(rules.ok ? rules.data.rules : []).map((r) => (
              <tr data-rule={`${r.level}:${r.metric}:${r.category ?? "*"}:${r.verdict ?? "*"}`}>
                <td>{r.level}</td>
                <td>{r.metric}</td>
                <td>{r.value}</td>
                <td>{r.action}</td>
                <td>{r.category ?? t("any")}</td>
                <td>{r.verdict ?? t("any")}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {isAdmin && (
          <form method="post" action={`${BASE}/spread/thresholds`}>
            <Csrf c={c} />
            <fieldset>
              <legend>{t("setRule")}</legend>
              <div class="filters">
                <div class="field">
                  <label for="r-level">{t("levels")}</label>
                  <input id="r-level" name="level" required pattern="[a-z][a-z0-9_\-]{0,39}" size={12} />
                </div>
                <div class="field">
                  <label for="r-metric">{t("metric")}</label>
                  <select id="r-metric" name="metric">
                    <option value="reposts">reposts</option>
                    <option value="views">views</option>
                  </select>
                </div>
                <div class="field">
                  <label for="r-value">{t("value")}</label>
                  <input id="r-value" name="value" type="number" min={1} required size={8} />
                </div>
                <div class="field">
                  <label for="r-action">{t("action")}</label>
                  <select id="r-action" name="action">
                    <option value="escalate">escalate</option>
                    <option value="label">label</option>
                    <option value="shard">shard</option>
                  </select>
                </div>
                <div class="field">
                  <label for="r-category">{t("category")}</label>
                  <input id="r-category" name="category" pattern="[a-z0-9_]{1,64}" size={12} />
                </div>
                <div class="field">
                  <label for="r-reason">{t("reason")}</label>
                  <input id="r-reason" name="reason" maxlength={500} size={24} />
                </div>
                <button type="submit">{t("apply")}</button>
              </div>
            </fieldset>
          </form>
        )}
      </section>
    </Page>,
  );
});

/** Sets one rule (by its slot) through the reposts worker's PATCH, which refuses operators itself. */
spreadRoutes.post("/spread/thresholds", async (c) => {
  const form = await checkedForm(c);
  const reason = text(form, "reason").trim();
  const rule = {
    level: text(form, "level").trim(),
    metric: text(form, "metric"),
    value: Number(text(form, "value")),
    action: text(form, "action"),
    category: text(form, "category").trim() || null,
    verdict: null,
  };
  const answer = await callApi(c.env, "REPOSTS", caller(c), "PATCH", "/v1/spread/thresholds", { set: [rule], remove: [], ...(reason ? { reason } : {}) });
  flashNext(c, answer.ok ? { kind: "ok", text: c.get("t")("done") } : { kind: "bad", text: problemText(c, answer.problem) });
  return c.redirect(`${BASE}/spread`, 303);
});
