import { Hono } from "hono";
import { EVENT_TYPES } from "../../../../pkg/outbox";
import { caller, sessionOf, type ConsoleApp, type Ctx } from "../context";
import { BASE, Csrf, Page, when, type Flash } from "../layout";
import { callApi, query } from "../upstream";
import { checkedForm, flashNext, PageError, problemText, takeFlash, text } from "../web";

/**
 * Webhook endpoints (admin), over the moderation worker's /v1/webhooks routes: the same checks
 * of URLs, the same audit entries. A signing secret is shown in the one answer that made it
 * (create, rotate): never in a redirect, a cookie or a log.
 */
export const webhookRoutes = new Hono<ConsoleApp>();

const adminOnly = async (c: Ctx, next: () => Promise<void>) => {
  if (sessionOf(c).principal.role !== "admin") throw new PageError(403, "forbidden_role");
  await next();
};
webhookRoutes.use("/webhooks", adminOnly);
webhookRoutes.use("/webhooks/*", adminOnly);

interface Webhook {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: string | null;
  failingSince: string | null;
  createdAt: string;
  updatedAt: string;
}
interface Attempt {
  attempt: number;
  at: string;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseExcerpt: string | null;
  nextRetryAt: string | null;
}
interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  status: "pending" | "retrying" | "succeeded" | "dead" | "skipped";
  attempts: Attempt[];
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  succeededAt: string | null;
}
type NewSecret = { secret: string; previousSecretExpiresAt?: string };

const DELIVERY_STATUSES = ["pending", "retrying", "succeeded", "dead", "skipped"] as const;
const DEFAULT_OVERLAP_SECONDS = 86_400;
const path = (id: string) => `${BASE}/webhooks/${encodeURIComponent(id)}`;
/** To the second: retries here are seconds apart. */
const whenExact = (iso: string | null) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : "—");

function State(props: { c: Ctx; w: Webhook }) {
  const t = props.c.get("t");
  const { w } = props;
  return (
    <span data-testid="webhook-state">
      {w.enabled ? t("enabled") : t("disabledWhy", { reason: w.disabledReason ?? "—" })}
      {w.failingSince ? ` · ${t("failingSince", { at: when(w.failingSince) })}` : ""}
    </span>
  );
}

/** The event-type checkboxes of the create and edit forms. */
function EventTypeBoxes(props: { c: Ctx; prefix: string; checked: readonly string[] }) {
  return (
    <fieldset>
      <legend>{props.c.get("t")("eventTypes")}</legend>
      <div class="filters">
        {EVENT_TYPES.map((type) => (
          <div class="field check">
            <input type="checkbox" id={`${props.prefix}-${type}`} name="eventTypes" value={type} checked={props.checked.includes(type)} />
            <label for={`${props.prefix}-${type}`}>{type}</label>
          </div>
        ))}
      </div>
    </fieldset>
  );
}

/** Every value of a repeated form field (the event-type checkboxes). */
async function formWithAll(c: Ctx): Promise<{ form: Record<string, string | File>; eventTypes: string[] }> {
  const form = await checkedForm(c);
  const all = (await c.req.parseBody({ all: true }))["eventTypes"];
  const eventTypes = (Array.isArray(all) ? all : all === undefined ? [] : [all]).filter((v): v is string => typeof v === "string");
  return { form, eventTypes };
}

async function listPage(c: Ctx, flash: Flash) {
  const t = c.get("t");
  const cursor = c.req.query("cursor") ?? "";
  const list = await callApi<{ webhooks: Webhook[]; nextCursor: string | null }>(c.env, "MODERATION", caller(c), "GET", `/v1/webhooks${query({ cursor, limit: 50 })}`);
  const hooks = list.ok ? list.data.webhooks : [];
  return c.html(
    <Page c={c} title={t("webhooksTitle")} current={`${BASE}/webhooks`} flash={flash ?? (list.ok ? null : { kind: "bad", text: problemText(c, list.problem) })}>
      {hooks.length === 0 ? (
        <p>{t("noWebhooks")}</p>
      ) : (
        <table>
          <caption class="sr-only">{t("webhooksTitle")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("url")}</th>
              <th scope="col">{t("description")}</th>
              <th scope="col">{t("eventTypes")}</th>
              <th scope="col">{t("status")}</th>
              <th scope="col">{t("created")}</th>
            </tr>
          </thead>
          <tbody>
            {hooks.map((w) => (
              <tr data-webhook={w.id}>
                <td>
                  <a href={path(w.id)}>{w.url}</a>
                </td>
                <td>{w.description ?? "—"}</td>
                <td>{w.eventTypes.join(", ")}</td>
                <td>
                  <State c={c} w={w} />
                </td>
                <td>{when(w.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.ok && list.data.nextCursor && (
        <p>
          <a href={`${BASE}/webhooks${query({ cursor: list.data.nextCursor })}`}>{t("nextPage")}</a>
        </p>
      )}
      <form method="post" action={`${BASE}/webhooks`}>
        <Csrf c={c} />
        <h2>{t("createWebhook")}</h2>
        <div class="field">
          <label for="w-url">{t("url")}</label>
          <input id="w-url" name="url" type="url" required maxlength={2000} size={60} />
        </div>
        <div class="field">
          <label for="w-description">{t("description")}</label>
          <input id="w-description" name="description" maxlength={200} size={60} />
        </div>
        <EventTypeBoxes c={c} prefix="w-new" checked={[]} />
        <button type="submit">{t("createWebhook")}</button>
      </form>
    </Page>,
  );
}

async function endpointPage(c: Ctx, id: string, flash: Flash, secret: NewSecret | null) {
  const t = c.get("t");
  const who = caller(c);
  const status = c.req.method === "GET" ? (c.req.query("status") ?? "") : "";
  const cursor = c.req.method === "GET" ? (c.req.query("cursor") ?? "") : "";
  const [hook, deliveries] = await Promise.all([
    callApi<Webhook>(c.env, "MODERATION", who, "GET", `/v1/webhooks/${encodeURIComponent(id)}`),
    callApi<{ deliveries: Delivery[]; nextCursor: string | null }>(c.env, "MODERATION", who, "GET", `/v1/webhooks/${encodeURIComponent(id)}/deliveries${query({ status, cursor, limit: 20 })}`),
  ]);
  if (!hook.ok) {
    // The message the page was sent back with stays, above why the endpoint cannot be shown.
    const failed = problemText(c, hook.problem);
    return c.html(
      <Page c={c} title={t("webhookTitle", { id })} current={`${BASE}/webhooks`} flash={flash ?? { kind: "bad", text: failed }}>
        {flash && (
          <p class="flash bad" role="alert">
            {failed}
          </p>
        )}
      </Page>,
      hook.status === 404 ? 404 : 200,
    );
  }
  const w = hook.data;
  const here = path(w.id);
  return c.html(
    <Page c={c} title={t("webhookTitle", { id: w.id })} current={`${BASE}/webhooks`} flash={flash ?? (deliveries.ok ? null : { kind: "bad", text: problemText(c, deliveries.problem) })}>
      {secret && (
        <section class="panel" aria-labelledby="secret-h" data-testid="new-secret">
          <h2 id="secret-h">{t("secretShownOnce")}</h2>
          <p>
            <label for="secret">{t("secret")}</label>
          </p>
          <input id="secret" readonly value={secret.secret} size={60} />
          {secret.previousSecretExpiresAt && <p data-testid="overlap">{t("rotated", { at: when(secret.previousSecretExpiresAt) })}</p>}
        </section>
      )}
      <div class="grid">
        <div>
          <section class="panel" aria-labelledby="hook-h">
            <h2 id="hook-h">{w.url}</h2>
            <dl class="summary">
              <dt>{t("description")}</dt>
              <dd>{w.description ?? "—"}</dd>
              <dt>{t("eventTypes")}</dt>
              <dd>{w.eventTypes.join(", ")}</dd>
              <dt>{t("status")}</dt>
              <dd>
                <State c={c} w={w} />
              </dd>
              <dt>{t("created")}</dt>
              <dd>{when(w.createdAt)}</dd>
            </dl>
          </section>
          <section aria-labelledby="deliveries-h">
            <h2 id="deliveries-h">{t("deliveries")}</h2>
            <form method="get" action={here} data-filters="">
              <div class="filters">
                <div class="field">
                  <label for="d-status">{t("status")}</label>
                  <select id="d-status" name="status">
                    <option value="">{t("any")}</option>
                    {DELIVERY_STATUSES.map((s) => (
                      <option value={s} selected={s === status}>
                        {s}
                      </option>
                    ))}
                  </select>
                </div>
                <button type="submit">{t("filter")}</button>
              </div>
            </form>
            {deliveries.ok && deliveries.data.deliveries.length > 0 ? (
              deliveries.data.deliveries.map((d) => (
                <section class="panel" data-delivery={d.id} data-delivery-status={d.status} aria-label={`${d.eventType} ${d.eventId}`}>
                  <p>
                    <strong>{d.eventType}</strong> · <code>{d.eventId}</code> · <span data-testid="delivery-status">{d.status}</span> · {when(d.createdAt)}
                    {d.nextAttemptAt ? ` · ${t("nextRetry")}: ${whenExact(d.nextAttemptAt)}` : ""}
                  </p>
                  {d.attempts.length > 0 && (
                    <table class="wrap">
                      <caption class="sr-only">{t("attempts")}</caption>
                      <thead>
                        <tr>
                          <th scope="col">#</th>
                          <th scope="col">{t("at")}</th>
                          <th scope="col">{t("statusCode")}</th>
                          <th scope="col">{t("latency")}</th>
                          <th scope="col">{t("error")}</th>
                          <th scope="col">{t("nextRetry")}</th>
                        </tr>
                      </thead>
                      <tbody>
                        {d.attempts.map((a) => (
                          <tr data-attempt={a.attempt}>
                            <td>{a.attempt}</td>
                            <td>{whenExact(a.at)}</td>
                            <td>{a.statusCode ?? "—"}</td>
                            <td>{a.latencyMs} ms</td>
                            <td>{a.error ? `${a.error}${a.responseExcerpt ? `: ${a.responseExcerpt}` : ""}` : "—"}</td>
                            <td>{whenExact(a.nextRetryAt)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  )}
                  <form class="inline" method="post" action={`${here}/deliveries/${encodeURIComponent(d.id)}/retry`}>
                    <Csrf c={c} />
                    <button type="submit" class="secondary" aria-label={t("retryDelivery", { id: d.id })}>
                      {t("retry")}
                    </button>
                  </form>
                </section>
              ))
            ) : (
              <p>{t("noDeliveries")}</p>
            )}
            {deliveries.ok && deliveries.data.nextCursor && (
              <p>
                <a href={`${here}${query({ status, cursor: deliveries.data.nextCursor })}`}>{t("nextPage")}</a>
              </p>
            )}
          </section>
        </div>
        <div>
          <section aria-labelledby="edit-h">
            <h2 id="edit-h">{t("editWebhook")}</h2>
            <form method="post" action={here}>
              <Csrf c={c} />
              <div class="field">
                <label for="e-url">{t("url")}</label>
                <input id="e-url" name="url" type="url" required maxlength={2000} value={w.url} />
              </div>
              <div class="field">
                <label for="e-description">{t("description")}</label>
                <input id="e-description" name="description" maxlength={200} value={w.description ?? ""} />
              </div>
              <EventTypeBoxes c={c} prefix="w-edit" checked={w.eventTypes} />
              <div class="field check">
                <input type="checkbox" id="e-enabled" name="enabled" value="yes" checked={w.enabled} />
                <label for="e-enabled">{t("enabledLabel")}</label>
              </div>
              <button type="submit">{t("save")}</button>
            </form>
          </section>
          <section aria-labelledby="rotate-h">
            <h2 id="rotate-h">{t("rotateSecret")}</h2>
            <form method="post" action={`${here}/rotate`}>
              <Csrf c={c} />
              <div class="field">
                <label for="overlap">{t("overlapSeconds")}</label>
                <input id="overlap" name="overlapSeconds" type="number" min={0} max={604800} required value={String(DEFAULT_OVERLAP_SECONDS)} />
              </div>
              <button type="submit">{t("rotateSecret")}</button>
            </form>
          </section>
          <section aria-labelledby="delete-h">
            <h2 id="delete-h">{t("deleteWebhook")}</h2>
            <form method="post" action={`${here}/delete`}>
              <Csrf c={c} />
              <div class="field check">
                <input type="checkbox" id="delete-confirm" name="confirm" value="yes" required />
                <label for="delete-confirm">{t("deleteConfirm")}</label>
              </div>
              <button type="submit">{t("deleteWebhook")}</button>
            </form>
          </section>
        </div>
      </div>
    </Page>,
  );
}

webhookRoutes.get("/webhooks", (c) => listPage(c, takeFlash(c)));
webhookRoutes.get("/webhooks/:id", (c) => endpointPage(c, c.req.param("id"), takeFlash(c), null));

/** The new endpoint's page, with its secret in this answer only. */
webhookRoutes.post("/webhooks", async (c) => {
  const { form, eventTypes } = await formWithAll(c);
  const description = text(form, "description").trim();
  const answer = await callApi<Webhook & { secret: string }>(c.env, "MODERATION", caller(c), "POST", "/v1/webhooks", {
    url: text(form, "url").trim(),
    eventTypes,
    ...(description ? { description } : {}),
  });
  if (!answer.ok) return listPage(c, { kind: "bad", text: problemText(c, answer.problem) });
  return endpointPage(c, answer.data.id, { kind: "ok", text: c.get("t")("done") }, { secret: answer.data.secret });
});

/**
 * Sends only what the form changed: an unchanged field is not named (the audit entry lists what
 * changed), and an endpoint disabled for failing keeps that reason unless the admin re-enables it.
 */
webhookRoutes.post("/webhooks/:id", async (c) => {
  const { form, eventTypes } = await formWithAll(c);
  const t = c.get("t");
  const id = c.req.param("id");
  const current = await callApi<Webhook>(c.env, "MODERATION", caller(c), "GET", `/v1/webhooks/${encodeURIComponent(id)}`);
  if (!current.ok) {
    flashNext(c, { kind: "bad", text: problemText(c, current.problem) });
    return c.redirect(current.status === 404 ? `${BASE}/webhooks` : path(id), 303);
  }
  const w = current.data;
  const url = text(form, "url").trim();
  const description = text(form, "description").trim() || null;
  const enabled = text(form, "enabled") === "yes";
  const change: Record<string, unknown> = {};
  if (url !== w.url) change.url = url;
  if (description !== w.description) change.description = description;
  if ([...eventTypes].sort().join() !== [...w.eventTypes].sort().join()) change.eventTypes = eventTypes;
  if (enabled !== w.enabled) change.enabled = enabled;
  if (Object.keys(change).length === 0) {
    flashNext(c, { kind: "ok", text: t("nothingChanged") });
    return c.redirect(path(id), 303);
  }
  const answer = await callApi<Webhook>(c.env, "MODERATION", caller(c), "PATCH", `/v1/webhooks/${encodeURIComponent(id)}`, change);
  flashNext(c, answer.ok ? { kind: "ok", text: t("done") } : { kind: "bad", text: problemText(c, answer.problem) });
  return c.redirect(path(id), 303);
});

/** The new secret and the end of the overlap, in this answer only. */
webhookRoutes.post("/webhooks/:id/rotate", async (c) => {
  const form = await checkedForm(c);
  const id = c.req.param("id");
  const raw = text(form, "overlapSeconds").trim();
  // A number the API checks (0 … a week); anything else goes as given so its refusal names the field.
  const overlapSeconds = /^\d{1,9}$/.test(raw) ? Number(raw) : raw;
  const answer = await callApi<Webhook & NewSecret>(c.env, "MODERATION", caller(c), "POST", `/v1/webhooks/${encodeURIComponent(id)}/rotate-secret`, { overlapSeconds });
  if (!answer.ok) return endpointPage(c, id, { kind: "bad", text: problemText(c, answer.problem) }, null);
  return endpointPage(c, id, { kind: "ok", text: c.get("t")("done") }, { secret: answer.data.secret, previousSecretExpiresAt: answer.data.previousSecretExpiresAt });
});

webhookRoutes.post("/webhooks/:id/delete", async (c) => {
  const form = await checkedForm(c);
  const t = c.get("t");
  const id = c.req.param("id");
  if (text(form, "confirm") !== "yes") {
    flashNext(c, { kind: "bad", text: t("deleteConfirm") });
    return c.redirect(path(id), 303);
  }
  const answer = await callApi<unknown>(c.env, "MODERATION", caller(c), "DELETE", `/v1/webhooks/${encodeURIComponent(id)}`);
  if (!answer.ok) {
    flashNext(c, { kind: "bad", text: problemText(c, answer.problem) });
    return c.redirect(answer.status === 404 ? `${BASE}/webhooks` : path(id), 303);
  }
  flashNext(c, { kind: "ok", text: t("done") });
  return c.redirect(`${BASE}/webhooks`, 303);
});

webhookRoutes.post("/webhooks/:id/deliveries/:deliveryId/retry", async (c) => {
  await checkedForm(c);
  const id = c.req.param("id");
  const answer = await callApi<Delivery>(c.env, "MODERATION", caller(c), "POST", `/v1/webhooks/${encodeURIComponent(id)}/deliveries/${encodeURIComponent(c.req.param("deliveryId"))}/retry`);
  flashNext(c, answer.ok ? { kind: "ok", text: c.get("t")("done") } : { kind: "bad", text: problemText(c, answer.problem) });
  return c.redirect(path(id), 303);
});
