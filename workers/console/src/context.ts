import type { Context } from "hono";
import type { Env } from "./env";
import type { Lang, Translate } from "./i18n";
import type { Session } from "./sessions";

export type ConsoleVariables = {
  requestId: string;
  lang: Lang;
  t: Translate;
  session?: Session;
};
export type ConsoleApp = { Bindings: Env; Variables: ConsoleVariables };
export type Ctx = Context<ConsoleApp>;

/** The signed-in operator of a page behind `requireSession` (never undefined there). */
export function sessionOf(c: Ctx): Session {
  const s = c.get("session");
  if (!s) throw new Error("requireSession must run before this handler");
  return s;
}

/** Who calls the function workers for this request: the session's key, this request id. */
export function caller(c: Ctx) {
  return { principal: sessionOf(c).principal, requestId: c.get("requestId") };
}
