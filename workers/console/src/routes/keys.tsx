import { Hono } from "hono";
import { z } from "@hono/zod-openapi";
import { apiKeyView, changeApiKeyTier, createApiKey, findApiKeyById, listApiKeys, revokeApiKey } from "../../../../pkg/api-keys";
import { createDb } from "../../../../pkg/db";
import { ROLES } from "../../../../pkg/principal";
import { safeText } from "../../../../pkg/schemas";
import { sessionOf, type ConsoleApp, type Ctx } from "../context";
import { BASE, Csrf, Page, when, type Flash } from "../layout";
import { query } from "../upstream";
import { checkedForm, flashNext, PageError, takeFlash, text } from "../web";

/**
 * API keys (admin). The key routes are the gateway's own, and the console cannot call the
 * gateway (the gateway binds the console), so both use the one implementation in
 * pkg/api-keys.ts: the same rows, the same audit entries (`key.created`, `key.revoked`).
 */
export const keyRoutes = new Hono<ConsoleApp>();

keyRoutes.use("/keys", async (c, next) => {
  if (sessionOf(c as Ctx).principal.role !== "admin") throw new PageError(403, "forbidden_role");
  await next();
});
keyRoutes.use("/keys/*", async (c, next) => {
  if (sessionOf(c as Ctx).principal.role !== "admin") throw new PageError(403, "forbidden_role");
  await next();
});

const TIERS = ["standard", "high", "unlimited"] as const;
const CreateForm = z.object({ role: z.enum(ROLES), name: safeText({ max: 100 }), tier: z.enum(TIERS).optional() });

async function keysPage(c: Ctx, flash: Flash, created: { id: string; key: string } | null) {
  const t = c.get("t");
  const cursor = c.req.query("cursor");
  const page = await listApiKeys(createDb(c.env.DB), 50, cursor || undefined);
  return c.html(
    <Page c={c} title={t("keysTitle")} current={`${BASE}/keys`} flash={flash}>
      {created && (
        <section class="panel" aria-labelledby="new-key-h" data-testid="new-key">
          <h2 id="new-key-h">{t("keyShownOnce")}</h2>
          <p>
            <label for="new-key">{created.id}</label>
          </p>
          <input id="new-key" readonly value={created.key} size={60} />
        </section>
      )}
      <form method="post" action={`${BASE}/keys`}>
        <Csrf c={c} />
        <fieldset>
          <legend>{t("createKey")}</legend>
          <div class="filters">
            <div class="field">
              <label for="k-name">{t("name")}</label>
              <input id="k-name" name="name" required maxlength={100} />
            </div>
            <div class="field">
              <label for="k-role">{t("role")}</label>
              <select id="k-role" name="role">
                {ROLES.map((r) => (
                  <option value={r} selected={r === "operator"}>
                    {r}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="k-tier">{t("tier")}</label>
              <select id="k-tier" name="tier">
                <option value="">{t("roleDefault")}</option>
                {TIERS.map((x) => (
                  <option value={x}>{x}</option>
                ))}
              </select>
            </div>
            <button type="submit">{t("createKey")}</button>
          </div>
        </fieldset>
      </form>
      <table>
        <caption class="sr-only">{t("keysTitle")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("name")}</th>
            <th scope="col">{t("role")}</th>
            <th scope="col">{t("tier")}</th>
            <th scope="col">{t("prefix")}</th>
            <th scope="col">{t("age")}</th>
            <th scope="col">{t("lastUsed")}</th>
            <th scope="col">{t("status")}</th>
          </tr>
        </thead>
        <tbody>
          {page.rows.map(apiKeyView).map((k) => (
            <tr data-key={k.id}>
              <td>{k.name}</td>
              <td>{k.role}</td>
              <td data-testid="key-tier">
                {k.revokedAt ? (
                  k.tier
                ) : (
                  <form class="inline tier" method="post" action={`${BASE}/keys/${encodeURIComponent(k.id)}/tier`}>
                    <Csrf c={c} />
                    <select name="tier" aria-label={t("tierOf", { name: `${k.name} (${k.id})` })}>
                      {TIERS.map((x) => (
                        <option value={x} selected={x === k.tier}>
                          {x}
                        </option>
                      ))}
                    </select>{" "}
                    <input name="reason" maxlength={500} placeholder={t("tierReason")} aria-label={t("tierReasonOf", { name: `${k.name} (${k.id})` })} />{" "}
                    <button type="submit" class="secondary" aria-label={t("changeTierOf", { name: `${k.name} (${k.id})` })}>
                      {t("changeTier")}
                    </button>
                  </form>
                )}
              </td>
              <td>
                <code>{k.prefix}…</code>
              </td>
              <td>{when(k.createdAt)}</td>
              <td>{when(k.lastUsedAt)}</td>
              <td>
                {k.revokedAt ? (
                  t("revokedAt", { at: when(k.revokedAt) })
                ) : (
                  <form class="inline" method="post" action={`${BASE}/keys/${encodeURIComponent(k.id)}/revoke`}>
                    <Csrf c={c} />
                    <button type="submit" class="secondary" aria-label={t("revokeKey", { name: `${k.name} (${k.id})` })}>
                      {t("revoke")}
                    </button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {page.nextCursor && (
        <p>
          <a href={`${BASE}/keys${query({ cursor: page.nextCursor })}`}>{t("nextPage")}</a>
        </p>
      )}
    </Page>,
  );
}

keyRoutes.get("/keys", (c) => keysPage(c, takeFlash(c), null));

/** The new key is in this answer only (never in a redirect, a cookie or a log). */
keyRoutes.post("/keys", async (c) => {
  const form = await checkedForm(c);
  const parsed = CreateForm.safeParse({ role: text(form, "role"), name: text(form, "name"), tier: text(form, "tier") || undefined });
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    return keysPage(c, { kind: "bad", text: c.get("t")("failed", { detail, code: "validation_failed" }) }, null);
  }
  const { row, key } = await createApiKey(c.env.DB, sessionOf(c).principal, c.get("requestId"), parsed.data);
  return keysPage(c, { kind: "ok", text: c.get("t")("done") }, { id: row.id, key });
});

keyRoutes.post("/keys/:id/revoke", async (c) => {
  await checkedForm(c);
  const id = c.req.param("id");
  const row = await findApiKeyById(createDb(c.env.DB), id);
  if (!row) {
    flashNext(c, { kind: "bad", text: c.get("t")("failed", { detail: "No API key has this id.", code: "key_not_found" }) });
  } else {
    if (row.revokedAt === null) await revokeApiKey(c.env.DB, sessionOf(c).principal, c.get("requestId"), id);
    flashNext(c, { kind: "ok", text: c.get("t")("done") });
  }
  return c.redirect(`${BASE}/keys`, 303);
});

const TierForm = z.object({ tier: z.enum(TIERS), reason: safeText({ max: 500 }).optional() });

/** The tier change of the gateway's `PATCH /v1/keys/{id}`, through the same pkg/api-keys.ts function (same guard, same `key.tier_changed` entry); the gateway's isolate caches pick it up within 10 s. */
keyRoutes.post("/keys/:id/tier", async (c) => {
  const form = await checkedForm(c);
  const t = c.get("t");
  const parsed = TierForm.safeParse({ tier: text(form, "tier"), reason: text(form, "reason").trim() || undefined });
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    flashNext(c, { kind: "bad", text: t("failed", { detail, code: "validation_failed" }) });
    return c.redirect(`${BASE}/keys`, 303);
  }
  const change = await changeApiKeyTier(c.env.DB, sessionOf(c).principal, c.get("requestId"), c.req.param("id"), parsed.data.tier, parsed.data.reason);
  flashNext(
    c,
    change.outcome === "not_found"
      ? { kind: "bad", text: t("failed", { detail: "No API key has this id.", code: "key_not_found" }) }
      : change.outcome === "revoked"
        ? { kind: "bad", text: t("failed", { detail: "This API key is revoked; create a new one.", code: "key_revoked" }) }
        : { kind: "ok", text: t("done") },
  );
  return c.redirect(`${BASE}/keys`, 303);
});
