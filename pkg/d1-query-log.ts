import { log } from "./log";

/**
 * A development aid for local stacks (`GATEHOUSE_D1_QUERY_LOG=1 npm start`: the gateway's var
 * `D1_QUERY_LOG`, passed on to the function workers as a header by the gateway alone): each
 * distinct SQL text a worker prepares on its D1 binding is logged once per isolate (`d1_query`:
 * the text only — values are always bound, never in it). test/e2e/fuzz.test.ts runs its stack so
 * and checks every logged statement's query plan. Requests of workers' own Durable Objects,
 * queues and crons are not seen.
 */
const seen = new Set<string>();
const wrapped = new WeakSet<D1Database>();

/** From now on in this isolate, logs each SQL text `env.DB` prepares for the first time. */
export function logQueries(env: { DB?: D1Database }): void {
  if (!env.DB || wrapped.has(env.DB)) return;
  const d1 = env.DB;
  const prepare = (sql: string) => {
    if (!seen.has(sql)) {
      seen.add(sql);
      log("debug", "d1_query", { sql });
    }
    return d1.prepare(sql);
  };
  const proxy = new Proxy(d1, {
    get(target, prop) {
      if (prop === "prepare") return prepare;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  wrapped.add(proxy);
  env.DB = proxy;
}
