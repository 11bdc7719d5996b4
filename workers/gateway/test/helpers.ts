import { exports } from "cloudflare:workers";
import { clientRequestInit, type ClientRequest } from "../../../test/support/client-request";

export const ADMIN_KEY = "test-admin-key-0123456789abcdef";

let calls = 0;

/**
 * Calls the gateway as a client would: over HTTP semantics, with an optional bearer key. Each
 * call comes from its own client address (`cf-connecting-ip`, as Cloudflare sets it) unless the
 * test names one, so per-address limits apply only where a test means them to.
 */
export function gw(path: string, init: ClientRequest = {}): Promise<Response> {
  const fetcher = (exports as unknown as { default: Fetcher }).default;
  const headers = { "cf-connecting-ip": `2001:db8::${(++calls).toString(16)}`, ...(init.headers ?? {}) };
  return fetcher.fetch(`https://gatehouse.test${path}`, clientRequestInit({ ...init, headers }));
}

export async function createKey(role: "app" | "operator" | "admin", name = `${role} key`): Promise<{ id: string; key: string }> {
  const res = await gw("/v1/keys", { key: ADMIN_KEY, json: { role, name } });
  if (res.status !== 201) throw new Error(`key creation failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; key: string };
}
