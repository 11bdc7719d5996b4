import { inject } from "vitest";
import { clientRequestInit, type ClientRequest } from "../support/client-request";

/** A client of the running stack: the gateway over real HTTP. */
export const baseUrl = () => inject("baseUrl");
export const adminKey = () => inject("adminKey");

export function http(path: string, init: ClientRequest = {}): Promise<Response> {
  return fetch(`${baseUrl()}${path}`, clientRequestInit(init));
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
