import { exports } from "cloudflare:workers";

export const ADMIN_KEY = "test-admin-key-0123456789abcdef";

/** Calls the gateway as a client would: over HTTP semantics, with an optional bearer key. */
export function gw(
  path: string,
  init: { method?: string; key?: string; json?: unknown; body?: BodyInit; contentType?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.key) headers.set("authorization", `Bearer ${init.key}`);
  let body = init.body;
  if (init.json !== undefined) body = JSON.stringify(init.json);
  if (body !== undefined && !headers.has("content-type")) headers.set("content-type", init.contentType ?? "application/json");
  const fetcher = (exports as unknown as { default: Fetcher }).default;
  return fetcher.fetch(`https://gatehouse.test${path}`, { method: init.method ?? (body !== undefined ? "POST" : "GET"), headers, body });
}

export async function createKey(role: "app" | "operator" | "admin", name = `${role} key`): Promise<{ id: string; key: string }> {
  const res = await gw("/v1/keys", { key: ADMIN_KEY, json: { role, name } });
  if (res.status !== 201) throw new Error(`key creation failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; key: string };
}
