/**
 * Links and forms of a console page, read from its HTML (our own markup: attributes quoted,
 * forms not nested), for test/e2e/fuzz.test.ts's crawl. Not a general HTML parser.
 */

export interface PageForm {
  method: string;
  action: string;
  /** Every field the browser would submit: inputs, selects (their first option), textareas, the first named button. */
  fields: [string, string][];
}

const decode = (s: string) =>
  s.replace(/&(amp|lt|gt|quot|#x27|#39);/g, (_, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#x27": "'", "#39": "'" })[e]!);

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m ? decode(m[1]!) : undefined;
}

/** Same-site links (`href` starting with `prefix`), query included. */
export function linksOf(html: string, prefix: string): string[] {
  return [...html.matchAll(/<a\b[^>]*\shref="([^"]+)"/g)].map((m) => decode(m[1]!)).filter((href) => href.startsWith(prefix));
}

export function formsOf(html: string): PageForm[] {
  const forms: PageForm[] = [];
  for (const [, open, body] of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const fields: [string, string][] = [];
    for (const [tag] of body!.matchAll(/<input\b[^>]*>/g)) {
      const name = attr(tag, "name");
      const type = attr(tag, "type") ?? "text";
      if (!name || type === "submit" || type === "button") continue;
      if ((type === "checkbox" || type === "radio") && !/\schecked\b/.test(tag)) continue;
      fields.push([name, attr(tag, "value") ?? (type === "checkbox" ? "on" : "")]);
    }
    for (const [, open2, options] of body!.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/g)) {
      const name = attr(open2!, "name");
      const first = /<option\b[^>]*\svalue="([^"]*)"/.exec(options!);
      if (name) fields.push([name, first ? decode(first[1]!) : ""]);
    }
    for (const [, open2, text] of body!.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/g)) {
      const name = attr(open2!, "name");
      if (name) fields.push([name, decode(text!)]);
    }
    const button = [...body!.matchAll(/<button\b[^>]*>/g)].map(([tag]) => [attr(tag, "name"), attr(tag, "value")] as const).find(([name]) => name);
    if (button) fields.push([button[0]!, button[1] ?? ""]);
    forms.push({ method: (attr(open!, "method") ?? "get").toLowerCase(), action: attr(open!, "action") ?? "", fields });
  }
  return forms;
}
