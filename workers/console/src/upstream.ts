import { PRINCIPAL_HEADER, REQUEST_ID_HEADER } from "../../../pkg/headers";
import { log } from "../../../pkg/log";
import { encodePrincipal, type Principal } from "../../../pkg/principal";
import type { Env, Upstream } from "./env";

export interface Problem {
  code: string;
  detail: string;
  status: number;
  errors?: { field: string; code: string; message: string; row?: number }[];
  [k: string]: unknown;
}

export type ApiAnswer<T> = { ok: true; status: number; data: T } | { ok: false; status: number; problem: Problem };

/**
 * One call of a function worker's route, exactly as the gateway forwards it: over the worker's
 * service binding, with the signed-in key's principal and the request id (so the worker checks
 * the same roles and writes the same audit entries as for an API call).
 */
export async function callApi<T>(
  env: Env,
  upstream: Upstream,
  who: { principal: Principal; requestId: string },
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  body?: unknown,
  contentType = "application/json",
): Promise<ApiAnswer<T>> {
  const headers = new Headers({ [PRINCIPAL_HEADER]: encodePrincipal(who.principal), [REQUEST_ID_HEADER]: who.requestId, accept: "application/json" });
  let payload: string | undefined;
  if (body !== undefined) {
    headers.set("content-type", contentType);
    payload = typeof body === "string" ? body : JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await env[upstream].fetch(new Request(`https://${upstream.toLowerCase()}.internal${path}`, { method, headers, body: payload }));
  } catch (err) {
    log("error", "upstream_unreachable", { worker: "console", requestId: who.requestId, upstream, error: (err as Error).name });
    return { ok: false, status: 502, problem: { code: "upstream_unavailable", detail: "A Gatehouse service did not answer; retry shortly.", status: 502 } };
  }
  const type = res.headers.get("content-type") ?? "";
  if (res.ok && type.startsWith("application/json")) return { ok: true, status: res.status, data: (await res.json()) as T };
  if (type.startsWith("application/problem+json")) return { ok: false, status: res.status, problem: (await res.json()) as Problem };
  await res.body?.cancel();
  if (res.ok) return { ok: true, status: res.status, data: undefined as T };
  log("error", "upstream_failed", { worker: "console", requestId: who.requestId, upstream, status: res.status });
  return { ok: false, status: 502, problem: { code: "upstream_unavailable", detail: "A Gatehouse service did not answer; retry shortly.", status: 502 } };
}

/** A query string from the set values of `params` (empty ones left out). */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}
