import { Hono, type MiddlewareHandler } from "hono";
import { caller, sessionOf, type ConsoleApp, type Ctx } from "../context";
import { BASE, Csrf, Page, when, type Flash } from "../layout";
import { callApi, query, type Problem } from "../upstream";
import { checkedForm, flashNext, PageError, problemText, takeFlash, text } from "../web";
import { Highlighted, ReasonsTable } from "./items";

export const policyRoutes = new Hono<ConsoleApp>();

type Version = { version: number; termCount: number; allowCount: number; byteSize: number; createdAt: string; createdBy: string };
type TermList = { id: string; name: string; category: string; termCount: number; updatedAt: string };
type Term = { id: number; pattern: string; severity: number; createdAt: string };
type Category = { name: string; ranges: { min: number; max: number; action: string }[]; licenceRequired: boolean };
type DraftReason = { code: string; action: string; category?: string; severity?: number; listName?: string; pattern?: string; field?: string; start?: number; end?: number };
type TryResult = { text: string; title: string; verdict: string; reasons: DraftReason[] };
type TermBrief = { id: number; pattern?: string; category: string; severity: number };
type CategoryState = { ranges: Category["ranges"]; licenceRequired: boolean } | null;
type Diff = {
  publishedVersion: number | null;
  unchanged: boolean;
  terms: {
    counts: { added: number; removed: number; changed: number };
    lists: { listId: string; listName: string; category: string; counts: { added: number; changed: number }; added: TermBrief[]; changed: (TermBrief & { was: { category: string; severity: number }; patternChanged: boolean })[] }[];
    removed: TermBrief[];
  };
  allow: { added: string[]; removedCount: number };
  blockedDomains: { added: string[]; removed: string[] };
  contactRules: { kind: string; from: string | null; to: string | null }[];
  categories: { name: string; from: CategoryState; to: CategoryState }[];
};

const ACTIONS = ["allow", "review", "block"] as const;
/** Range rows on a category's form: its ranges plus empty rows to add new ones. */
const RANGE_ROWS = 4;
const rangesText = (s: CategoryState) => (s ? s.ranges.map((r) => `${r.min}–${r.max} → ${r.action}`).join(", ") || "—" : "—");

/** Policy pages are for admins (the screening worker refuses operators too; this says so first). */
const adminOnly: MiddlewareHandler<ConsoleApp> = async (c, next) => {
  if (sessionOf(c as Ctx).principal.role !== "admin") throw new PageError(403, "forbidden_role");
  await next();
};
policyRoutes.use("/policy", adminOnly);
policyRoutes.use("/policy/*", adminOnly);

async function policyPage(c: Ctx, pageFlash: Flash, tried: TryResult | null, status: 200 | 422 = 200) {
  const t = c.get("t");
  const who = caller(c);
  const [state, versions, lists, categories, diff] = await Promise.all([
    callApi<{ current: Version | null; unpublishedChanges: boolean }>(c.env, "SCREENING", who, "GET", "/v1/policy"),
    callApi<{ current: number | null; versions: Version[] }>(c.env, "SCREENING", who, "GET", "/v1/policy/versions?limit=20"),
    callApi<{ lists: TermList[] }>(c.env, "SCREENING", who, "GET", "/v1/term-lists?limit=200"),
    callApi<{ categories: Category[] }>(c.env, "SCREENING", who, "GET", "/v1/policy/categories"),
    callApi<Diff>(c.env, "SCREENING", who, "GET", "/v1/policy/draft/diff?limit=50"),
  ]);
  const failed = [state, versions, lists, categories, diff].find((a) => !a.ok);
  const flash = pageFlash ?? (failed && !failed.ok ? { kind: "bad" as const, text: problemText(c, failed.problem) } : null);
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
      <TryIt c={c} tried={tried} />
      {diff.ok && <DiffSection c={c} diff={diff.data} />}
      <section aria-labelledby="cat-h">
        <h2 id="cat-h">{t("categories")}</h2>
        {(categories.ok ? categories.data.categories : []).map((cat) => (
          <CategoryForm c={c} cat={cat} />
        ))}
      </section>
    </Page>,
    status,
  );
}

policyRoutes.get("/policy", (c) => policyPage(c, takeFlash(c), null));

/** The try-it box: the text goes to the screening worker in the body and comes back in this one page, never a URL or cookie. */
function TryIt(props: { c: Ctx; tried: TryResult | null }) {
  const { c, tried } = props;
  const t = c.get("t");
  const matches = tried?.reasons.filter((r) => typeof r.start === "number") ?? [];
  return (
    <section class="panel" aria-labelledby="try-h">
      <h2 id="try-h">{t("tryIt")}</h2>
      <p class="muted">{t("tryNote")}</p>
      <form method="post" action={`${BASE}/policy/try`}>
        <Csrf c={c} />
        <div class="field">
          <label for="try-title">{t("tryTitle")}</label>
          <input id="try-title" name="title" maxlength={1000} value={tried?.title ?? ""} />
        </div>
        <div class="field">
          <label for="try-text">{t("tryText")}</label>
          <textarea id="try-text" name="text" rows={4} required>
            {tried?.text ?? ""}
          </textarea>
        </div>
        <button type="submit">{t("tryRun")}</button>
      </form>
      {tried && (
        <div data-testid="try-result" aria-live="polite">
          <p>
            <strong>{t("tryVerdict", { verdict: tried.verdict })}</strong>
          </p>
          {tried.title && (
            <p class="evidence" data-testid="try-title-shown">
              <Highlighted text={tried.title} reasons={tried.reasons} field="title" />
            </p>
          )}
          <p class="evidence" data-testid="try-text-shown">
            <Highlighted text={tried.text} reasons={tried.reasons} field="text" />
          </p>
          {matches.length === 0 ? (
            <p>{t("noMatches")}</p>
          ) : (
            <ReasonsTable t={t} reasons={matches} source testid="try-matches" />
          )}
        </div>
      )}
    </section>
  );
}

function DiffSection(props: { c: Ctx; diff: Diff }) {
  const { c, diff: d } = props;
  const t = c.get("t");
  const shown = (n: number, count: number) => (n < count ? ` (${t("diffShown", { shown: n, count })})` : "");
  return (
    <section aria-labelledby="diff-h" data-testid="policy-diff">
      <h2 id="diff-h">{t("diffTitle", { version: d.publishedVersion ?? "—" })}</h2>
      {d.unchanged ? (
        <p data-testid="diff-none">{t("diffNone")}</p>
      ) : (
        <>
          <p>{t("diffTerms", d.terms.counts)}</p>
          {d.terms.lists.map((l) => (
            <table data-testid={`diff-list-${l.listId}`}>
              <caption>
                {t("list")}: {l.listName} ({l.category})
                {shown(l.added.length, l.counts.added)}
                {shown(l.changed.length, l.counts.changed)}
              </caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">{t("diffChanged")}</th>
                  <th scope="col">{t("pattern")}</th>
                  <th scope="col">{t("severity")}</th>
                </tr>
              </thead>
              <tbody>
                {l.added.map((x) => (
                  <tr>
                    <td>{x.id}</td>
                    <td>{t("diffAdded")}</td>
                    <td>{x.pattern}</td>
                    <td>{x.severity}</td>
                  </tr>
                ))}
                {l.changed.map((x) => (
                  <tr>
                    <td>{x.id}</td>
                    <td>
                      {t("diffChanged")}
                      {x.patternChanged ? ` · ${t("diffPatternChanged")}` : ""}
                    </td>
                    <td>{x.pattern}</td>
                    <td>
                      {x.severity}
                      {x.was.severity !== x.severity ? ` (${t("diffWas", { value: x.was.severity })})` : ""}
                      {x.was.category !== x.category ? ` · ${x.category} (${t("diffWas", { value: x.was.category })})` : ""}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
          {d.terms.removed.length > 0 && (
            <table data-testid="diff-removed">
              <caption>
                {t("diffRemoved")}
                {shown(d.terms.removed.length, d.terms.counts.removed)} — {t("diffRemovedNote")}
              </caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">{t("category")}</th>
                  <th scope="col">{t("severity")}</th>
                </tr>
              </thead>
              <tbody>
                {d.terms.removed.map((x) => (
                  <tr>
                    <td>{x.id}</td>
                    <td>{x.category}</td>
                    <td>{x.severity}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <ul>
            {(d.allow.added.length > 0 || d.allow.removedCount > 0) && (
              <li>
                {t("allowList")}: {d.allow.added.length > 0 ? `${t("diffAdded")} ${d.allow.added.join(", ")}` : ""}
                {d.allow.removedCount > 0 ? ` · ${t("allowRemoved", { count: d.allow.removedCount })}` : ""}
              </li>
            )}
            {(d.blockedDomains.added.length > 0 || d.blockedDomains.removed.length > 0) && (
              <li>
                {t("blockedDomains")}: {d.blockedDomains.added.length > 0 ? `${t("diffAdded")} ${d.blockedDomains.added.join(", ")}` : ""}
                {d.blockedDomains.removed.length > 0 ? ` · ${t("diffRemoved")} ${d.blockedDomains.removed.join(", ")}` : ""}
              </li>
            )}
            {d.contactRules.map((r) => (
              <li>
                {t("contactRules")}: {r.kind} {r.from ?? "—"} → {r.to ?? "—"}
              </li>
            ))}
            {d.categories.map((x) => (
              <li data-testid={`diff-category-${x.name}`}>
                {t("category")} {x.name}: {rangesText(x.from)} → {rangesText(x.to)}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/** One category's severity → action ranges as rows of selects (an unused row is left out). */
function CategoryForm(props: { c: Ctx; cat: Category }) {
  const { c, cat } = props;
  const t = c.get("t");
  const rows = Array.from({ length: Math.max(RANGE_ROWS, cat.ranges.length + 1) }, (_, i) => cat.ranges[i] ?? null);
  const id = (what: string, i: number) => `cat-${cat.name}-${what}-${i}`;
  const severities = Array.from({ length: 10 }, (_, i) => i + 1);
  return (
    <details data-testid={`category-${cat.name}`}>
      <summary>
        <strong>{cat.name}</strong>: {rangesText(cat)}
        {cat.licenceRequired ? ` · ${t("licenceRequired")}` : ""}
      </summary>
      <form method="post" action={`${BASE}/policy/categories/${encodeURIComponent(cat.name)}`}>
        <Csrf c={c} />
        <fieldset>
          <legend>{t("editCategory", { name: cat.name })}</legend>
          {rows.map((r, i) => (
            <div class="range-row" role="group" aria-label={t("rangeN", { n: i + 1 })}>
              <label for={id("min", i)}>{t("rangeMin")}</label>{" "}
              <select id={id("min", i)} name={`min${i}`}>
                {severities.map((n) => (
                  <option value={String(n)} selected={(r?.min ?? 1) === n}>
                    {n}
                  </option>
                ))}
              </select>{" "}
              <label for={id("max", i)}>{t("rangeMax")}</label>{" "}
              <select id={id("max", i)} name={`max${i}`}>
                {severities.map((n) => (
                  <option value={String(n)} selected={(r?.max ?? 10) === n}>
                    {n}
                  </option>
                ))}
              </select>{" "}
              <label for={id("action", i)}>{t("action")}</label>{" "}
              <select id={id("action", i)} name={`action${i}`}>
                <option value="" selected={!r}>
                  {t("rangeUnused")}
                </option>
                {ACTIONS.map((a) => (
                  <option value={a} selected={r?.action === a}>
                    {a}
                  </option>
                ))}
              </select>
            </div>
          ))}
          <div class="field check">
            <input id={id("licence", 0)} type="checkbox" name="licenceRequired" value="1" checked={cat.licenceRequired} />
            <label for={id("licence", 0)}>{t("licenceRequired")}</label>
          </div>
          <button type="submit">{t("saveCategory", { name: cat.name })}</button>
        </fieldset>
      </form>
    </details>
  );
}

policyRoutes.post("/policy/try", async (c) => {
  const form = await checkedForm(c);
  const tried = { text: text(form, "text"), title: text(form, "title") };
  const answer = await callApi<{ verdict: string; reasons: DraftReason[] }>(c.env, "SCREENING", caller(c), "POST", "/v1/policy/draft/screen", {
    text: tried.text,
    ...(tried.title ? { title: tried.title } : {}),
  });
  if (!answer.ok) return policyPage(c, { kind: "bad", text: problemText(c, answer.problem) }, null, 422);
  return policyPage(c, null, { ...tried, verdict: answer.data.verdict, reasons: answer.data.reasons });
});

/** PUT /v1/policy/categories/:name with the form's used rows; the screening worker checks overlaps and bounds. */
policyRoutes.post("/policy/categories/:name", async (c) => {
  const form = await checkedForm(c);
  const name = c.req.param("name");
  const ranges: { min: number; max: number; action: string }[] = [];
  for (let i = 0; i < 20 && form[`action${i}`] !== undefined; i++) {
    const action = text(form, `action${i}`);
    if (action) ranges.push({ min: Number(text(form, `min${i}`)), max: Number(text(form, `max${i}`)), action });
  }
  const answer = await callApi<Category>(c.env, "SCREENING", caller(c), "PUT", `/v1/policy/categories/${encodeURIComponent(name)}`, {
    ranges,
    licenceRequired: text(form, "licenceRequired") === "1",
  });
  flashNext(c, answer.ok ? { kind: "ok", text: c.get("t")("categorySaved", { name }) } : { kind: "bad", text: problemText(c, answer.problem) });
  return c.redirect(`${BASE}/policy`, 303);
});

async function listPage(c: Ctx, flash: Flash, importErrors: Problem["errors"] | null, status: 200 | 422 = 200, imported?: number) {
  const t = c.get("t");
  const who = caller(c);
  const id = c.req.param("id")!;
  const cursor = c.req.query("cursor") ?? "";
  const q = c.req.method === "GET" ? (c.req.query("q") ?? "").trim() : "";
  const [list, terms] = await Promise.all([
    callApi<TermList>(c.env, "SCREENING", who, "GET", `/v1/term-lists/${encodeURIComponent(id)}`),
    callApi<{ terms: Term[]; nextCursor: string | null }>(c.env, "SCREENING", who, "GET", `/v1/term-lists/${encodeURIComponent(id)}/terms${query({ cursor, limit: 100, q })}`),
  ]);
  if (list.ok && imported !== undefined) flash = { kind: "ok", text: t("importSummary", { count: imported, total: list.data.termCount }) };
  if (!terms.ok && list.ok) flash = { kind: "bad", text: problemText(c, terms.problem) };
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
        <form method="get" action={here} role="search">
          <div class="field">
            <label for="term-q">{t("searchTerms")}</label>
            <input id="term-q" name="q" type="search" maxlength={128} value={q} />
          </div>
          <button type="submit">{t("search")}</button>
        </form>
        {q && terms.ok && terms.data.terms.length === 0 && <p data-testid="no-terms-found">{t("noTermsFound")}</p>}
        <table data-testid="terms">
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
            <a href={`${here}${query({ cursor: terms.data.nextCursor, q })}`}>{t("nextPage")}</a>
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
  if (answer.ok) return listPage(c, { kind: "ok", text: t("imported", { count: answer.data.imported }) }, null, 200, answer.data.imported);
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
