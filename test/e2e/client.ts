import { inject } from "vitest";

/** A client of the running stack: the gateway over real HTTP. */
export const baseUrl = () => inject("baseUrl");
export const adminKey = () => inject("adminKey");

export async function http(
  path: string,
  init: { method?: string; key?: string; json?: unknown; body?: string; contentType?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.key) headers.set("authorization", `Bearer ${init.key}`);
  let body = init.body;
  if (init.json !== undefined) body = JSON.stringify(init.json);
  if (body !== undefined && !headers.has("content-type")) headers.set("content-type", init.contentType ?? "application/json");
  return fetch(`${baseUrl()}${path}`, { method: init.method ?? (body !== undefined ? "POST" : "GET"), headers, body });
}

export async function newKey(role: "app" | "operator" | "admin"): Promise<{ id: string; key: string }> {
  const res = await http("/v1/keys", { key: adminKey(), json: { role, name: `e2e ${role}` } });
  if (res.status !== 201) throw new Error(`key creation failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; key: string };
}

export async function problemCode(res: Response): Promise<string> {
  if (!(res.headers.get("content-type") ?? "").startsWith("application/problem+json")) {
    throw new Error(`expected problem+json, got ${res.headers.get("content-type")} (${res.status}): ${await res.text()}`);
  }
  return ((await res.json()) as { code: string }).code;
}
