import { Hono, type MiddlewareHandler } from "hono";
import { caller, sessionOf, type ConsoleApp, type Ctx } from "../context";
import { BASE, Csrf, Page, when, type Flash } from "../layout";
import { callApi, query, type Problem } from "../upstream";
import { checkedForm, flashNext, PageError, problemText, takeFlash, text } from "../web";

export const policyRoutes = new Hono<ConsoleApp>();

type Version = { version: number; termCount: number; allowCount: number; byteSize: number; createdAt: string; createdBy: string };
type TermList = { id: string; name: string; category: string; termCount: number; updatedAt: string };
type Term = { id: number; pattern: string; severity: number; createdAt: string };
type Category = { name: string; ranges: { min: number; max: number; action: string }[]; licenceRequired: boolean };

/** Policy pages are for admins (the screening worker refuses operators too; this says so first). */
const adminOnly: MiddlewareHandler<ConsoleApp> = async (c, next) => {
  if (sessionOf(c as Ctx).principal.role !== "admin") throw new PageError(403, "forbidden_role");
  await next();
};
policyRoutes.use("/policy", adminOnly);
policyRoutes.use("/policy/*", adminOnly);

policyRoutes.get("/policy", async (c) => {
  const t = c.get("t");
  const who = caller(c);
  const [state, versions, lists, categories] = await Promise.all([
    callApi<{ current: Version | null; unpublishedChanges: boolean }>(c.env, "SCREENING", who, "GET", "/v1/policy"),
    callApi<{ current: number | null; versions: Version[] }>(c.env, "SCREENING", who, "GET", "/v1/policy/versions?limit=20"),
    callApi<{ lists: TermList[] }>(c.env, "SCREENING", who, "GET", "/v1/term-lists?limit=200"),
    callApi<{ categories: Category[] }>(c.env, "SCREENING", who, "GET", "/v1/policy/categories"),
  ]);
  const failed = [state, versions, lists, categories].find((a) => !a.ok);
  const flash = takeFlash(c) ?? (failed && !failed.ok ? { kind: "bad" as const, text: problemText(c, failed.problem) } : null);
  return c.html(
    <Page c={c} title={t("policyTitle")} current={`${BASE}/policy`} flash={flash}>
      <section class="panel" aria-labelledby="pub-h">
        <h2 id="pub-h">{t("versions")}</h2>
        <p data-testid="policy-state">
          {t("version")} {state.ok ? (state.data.current?.version ?? "—") : "?"}
          {state.ok && state.data.unpublishedChanges ? ` · ${t("unpublished")}` : ""}
        </p>
        <form method="post" action={`${BASE}/policy/publish`}>
          <Csrf c={c} />
          <button type="submit">{t("publish")}</button>
        </form>
        {versions.ok && (
          <table>
            <caption class="sr-only">{t("versions")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("version")}</th>
                <th scope="col">{t("terms")}</th>
                <th scope="col">{t("at")}</th>
                <th scope="col">{t("actor")}</th>
                <th scope="col">
                  <span class="sr-only">{t("rollbackShort")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {versions.data.versions.map((v) => (
                <tr>
                  <td>{v.version}</td>
                  <td>{v.termCount}</td>
                  <td>{when(v.createdAt)}</td>
                  <td>{v.createdBy}</td>
                  <td>
                    {v.version !== versions.data.current && (
                      <form class="inline" method="post" action={`${BASE}/policy/rollback`}>
                        <Csrf c={c} />
                        <input type="hidden" name="version" value={String(v.version)} />
                        <button type="submit" class="secondary" aria-label={t("rollback", { version: v.version })}>
                          {t("rollbackShort")}
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="lists-h">
        <h2 id="lists-h">{t("termLists")}</h2>
        <table>
          <caption class="sr-only">{t("termLists")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("name")}</th>
              <th scope="col">{t("category")}</th>
              <th scope="col">{t("terms")}</th>
              <th scope="col">{t("at")}</th>
            </tr>
          </thead>
          <tbody>
            {(lists.ok ? lists.data.lists : []).map((l) => (
              <tr>
                <td>
                  <a href={`${BASE}/policy/lists/${encodeURIComponent(l.id)}`}>{l.name}</a>
                </td>
                <td>{l.category}</td>
                <td>{l.termCount}</td>
                <td>{when(l.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="cat-h">
        <h2 id="cat-h">{t("categories")}</h2>
        <ul>
          {(categories.ok ? categories.data.categories : []).map((cat) => (
            <li>
              <strong>{cat.name}</strong>: {cat.ranges.map((r) => `${r.min}–${r.max} → ${r.action}`).join(", ")}
              {cat.licenceRequired ? ` · ${t("licenceRequired")}` : ""}
            </li>
          ))}
        </ul>
      </section>
    </Page>,
  );
});

async function listPage(c: Ctx, flash: Flash, importErrors: Problem["errors"] | null, status: 200 | 422 = 200) {
  const t = c.get("t");
  const who = caller(c);
  const id = c.req.param("id")!;
  const cursor = c.req.query("cursor") ?? "";
  const [list, terms] = await Promise.all([
    callApi<TermList>(c.env, "SCREENING", who, "GET", `/v1/term-lists/${encodeURIComponent(id)}`),
    callApi<{ terms: Term[]; nextCursor: string | null }>(c.env, "SCREENING", who, "GET", `/v1/term-lists/${encodeURIComponent(id)}/terms${query({ cursor, limit: 100 })}`),
  ]);
  if (!list.ok) return c.html(<Page c={c} title={t("termLists")} flash={{ kind: "bad", text: problemText(c, list.problem) }} />, list.status === 404 ? 404 : 200);
  const here = `${BASE}/policy/lists/${encodeURIComponent(id)}`;
  return c.html(
    <Page c={c} title={`${t("termLists")}: ${list.data.name}`} current={`${BASE}/policy`} flash={flash}>
      <p>
        {t("category")}: {list.data.category} · {t("terms")}: {list.data.termCount}
      </p>
      <section aria-labelledby="import-h">
        <h2 id="import-h">{t("importCsv")}</h2>
        <form method="post" action={`${here}/import`} enctype="multipart/form-data">
          <Csrf c={c} />
          <div class="field">
            <label for="csv-file">{t("csvFile")}</label>
            <input id="csv-file" name="file" type="file" accept=".csv,text/csv" required />
          </div>
          <button type="submit">{t("import")}</button>
        </form>
        {importErrors && (
          <table data-testid="import-errors">
            <caption>{t("importRejected", { count: importErrors.length })}</caption>
            <thead>
              <tr>
                <th scope="col">{t("row")}</th>
                <th scope="col">{t("field")}</th>
                <th scope="col">{t("problem")}</th>
              </tr>
            </thead>
            <tbody>
              {importErrors.map((e) => (
                <tr>
                  <td>{e.field}</td>
                  <td>{e.code}</td>
                  <td>{e.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="terms-h">
        <h2 id="terms-h">{t("terms")}</h2>
        <table>
          <caption class="sr-only">{t("terms")}</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">{t("pattern")}</th>
              <th scope="col">{t("severity")}</th>
              <th scope="col">{t("at")}</th>
            </tr>
          </thead>
          <tbody>
            {(terms.ok ? terms.data.terms : []).map((term) => (
              <tr>
                <td>{term.id}</td>
                <td>{term.pattern}</td>
                <td>{term.severity}</td>
                <td>{when(term.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {terms.ok && terms.data.nextCursor && (
          <p>
            <a href={`${here}${query({ cursor: terms.data.nextCursor })}`}>{t("nextPage")}</a>
          </p>
        )}
      </section>
    </Page>,
    status,
  );
}

policyRoutes.get("/policy/lists/:id", (c) => listPage(c, takeFlash(c), null));

/** A CSV import is all-or-nothing in the screening worker; a refused import shows every bad row. */
policyRoutes.post("/policy/lists/:id/import", async (c) => {
  const form = await checkedForm(c);
  const file = form.file;
  const csv = typeof file === "string" ? file : file ? await file.text() : "";
  const answer = await callApi<{ imported: number }>(c.env, "SCREENING", caller(c), "POST", `/v1/term-lists/${encodeURIComponent(c.req.param("id"))}/terms`, csv, "text/csv; charset=utf-8");
  const t = c.get("t");
  if (answer.ok) return listPage(c, { kind: "ok", text: t("imported", { count: answer.data.imported }) }, null);
  if (answer.problem.code === "import_invalid") return listPage(c, { kind: "bad", text: problemText(c, { ...answer.problem, errors: undefined }) }, answer.problem.errors ?? [], 422);
  return listPage(c, { kind: "bad", text: problemText(c, answer.problem) }, null);
});

policyRoutes.post("/policy/publish", async (c) => {
  await checkedForm(c);
  const answer = await callApi<Version>(c.env, "SCREENING", caller(c), "POST", "/v1/policy/publish");
  flashNext(c, answer.ok ? { kind: "ok", text: c.get("t")("published", { version: answer.data.version }) } : { kind: "bad", text: problemText(c, answer.problem) });
  return c.redirect(`${BASE}/policy`, 303);
});

policyRoutes.post("/policy/rollback", async (c) => {
  const form = await checkedForm(c);
  const answer = await callApi<Version>(c.env, "SCREENING", caller(c), "POST", "/v1/policy/rollback", { version: Number(text(form, "version")) });
  flashNext(c, answer.ok ? { kind: "ok", text: c.get("t")("published", { version: answer.data.version }) } : { kind: "bad", text: problemText(c, answer.problem) });
  return c.redirect(`${BASE}/policy`, 303);
});
