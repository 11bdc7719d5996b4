import { exports } from "cloudflare:workers";
import { clientRequestInit, type ClientRequest } from "../../../test/support/client-request";

export const ADMIN_KEY = "test-admin-key-0123456789abcdef";

/** Calls the gateway as a client would: over HTTP semantics, with an optional bearer key. */
export function gw(path: string, init: ClientRequest = {}): Promise<Response> {
  const fetcher = (exports as unknown as { default: Fetcher }).default;
  return fetcher.fetch(`https://gatehouse.test${path}`, clientRequestInit(init));
}

export async function createKey(role: "app" | "operator" | "admin", name = `${role} key`): Promise<{ id: string; key: string }> {
  const res = await gw("/v1/keys", { key: ADMIN_KEY, json: { role, name } });
  if (res.status !== 201) throw new Error(`key creation failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; key: string };
}
