import { exports } from "cloudflare:workers";
import { PRINCIPAL_HEADER } from "../../pkg/headers";
import { encodePrincipal, type Role } from "../../pkg/principal";

/**
 * Calls the worker under test the way the gateway does: over its fetch handler, with the
 * principal header the gateway sets after authentication (omit `role` for an anonymous call).
 */
export async function call(
  path: string,
  init: { method?: string; role?: Role; keyId?: string; body?: unknown; rawBody?: string; contentType?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.role) headers.set(PRINCIPAL_HEADER, encodePrincipal({ role: init.role, keyId: init.keyId ?? `key_test${init.role}` }));
  let body: string | undefined;
  if (init.rawBody !== undefined) body = init.rawBody;
  else if (init.body !== undefined) body = JSON.stringify(init.body);
  if (body !== undefined) headers.set("content-type", init.contentType ?? "application/json");
  const fetcher = (exports as unknown as { default: Fetcher }).default;
  return fetcher.fetch(`https://worker.test${path}`, { method: init.method ?? (body !== undefined ? "POST" : "GET"), headers, body });
}

/** Reads a problem+json response and returns it, asserting the media type. */
export async function problem(res: Response): Promise<{ status: number; code: string; detail: string; errors?: { field: string; code: string }[]; requestId?: string }> {
  const type = res.headers.get("content-type") ?? "";
  if (!type.startsWith("application/problem+json")) throw new Error(`expected problem+json, got ${type} (${res.status}): ${await res.text()}`);
  return (await res.json()) as never;
}
