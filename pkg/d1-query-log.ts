import { log } from "./log";

/**
 * A development aid for local stacks (`GATEHOUSE_D1_QUERY_LOG=1 npm start`: the gateway's var
 * `D1_QUERY_LOG`, passed on to the function workers as a header by the gateway alone): each
 * distinct SQL text the isolate prepares on a D1 binding is logged once (`d1_query`: the text
 * only — values are always bound, never in it). test/e2e/fuzz.test.ts runs its stack so and
 * checks every logged statement's query plan.
 *
 * It wraps `prepare` on the binding's prototype, which every D1 binding of the isolate shares, so
 * that the isolate's Durable Objects and queue consumers are seen too once a request turned it on.
 */
const seen = new Set<string>();
let on = false;

export function logQueries(env: { DB?: D1Database }): void {
  if (on || !env.DB) return;
  on = true;
  const proto = Object.getPrototypeOf(env.DB) as { prepare: (this: D1Database, sql: string) => D1PreparedStatement };
  const prepare = proto.prepare;
  proto.prepare = function (this: D1Database, sql: string) {
    if (!seen.has(sql)) {
      seen.add(sql);
      log("debug", "d1_query", { sql });
    }
    return prepare.call(this, sql);
  };
}
