import { env } from "cloudflare:test";
import { expect } from "vitest";
import { call, problem } from "../../../test/support/call";
import { checkChar } from "../src/documents";
import type { buildApp } from "../src/app";
import type { Env } from "../src/env";

export const testEnv = env as unknown as Env;

/** A valid 18-character resident id: region + birth date + sequence, with its check character. */
export function residentId(region = "110105", birth = "19491231", seq = "002"): string {
  const first17 = `${region}${birth}${seq}`;
  return first17 + checkChar(first17);
}

let counter = 0;
/** Unique-per-call registration input (handle, phone, document). */
export function registration(overrides: Partial<{ handle: string; displayName: string; kind: "public" | "personal"; name: string; documentType: string; documentNumber: string; phone: string }> = {}) {
  counter++;
  const n = String(counter).padStart(3, "0");
  return {
    handle: overrides.handle ?? `user_${Date.now().toString(36)}_${n}`,
    displayName: overrides.displayName ?? `User ${n}`,
    kind: overrides.kind ?? "public",
    identity: {
      name: overrides.name ?? "张三丰",
      documentType: overrides.documentType ?? "cn_resident_id",
      documentNumber: overrides.documentNumber ?? residentId("110105", "19800101", n),
    },
    phone: overrides.phone ?? `+86139${String(counter).padStart(8, "0")}`,
  };
}

export type Registration = ReturnType<typeof registration>;

export async function register(body: Registration = registration()): Promise<{ id: string; body: Registration; json: any }> {
  const res = await call("/v1/accounts", { role: "app", body });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  const json = (await res.json()) as any;
  return { id: json.account.id, body, json };
}

/** The messages the local sender sent to a phone, newest first (`POST /v1/dev/sms`: the phone in the body, never the URL). */
export async function devSms(phone: string): Promise<{ body: string; createdAt: string }[]> {
  const res = await call("/v1/dev/sms", { role: "admin", body: { phone } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { messages: { body: string; createdAt: string }[] }).messages;
}

/** The latest code sent to a phone, read back through the local sender's dev route. */
export async function latestCode(phone: string): Promise<string> {
  const messages = await devSms(phone);
  const m = /(\d{6})/.exec(messages[0]?.body ?? "");
  if (!m) throw new Error("no code sent");
  return m[1]!;
}

/** Registers, verifies the phone and approves the identity: a verified account. */
export async function verifiedAccount(body: Registration = registration()): Promise<{ id: string; body: Registration }> {
  const { id } = await register(body);
  const code = await latestCode(body.phone);
  const v = await call(`/v1/accounts/${id}/phone/verify`, { role: "app", body: { code } });
  expect(v.status).toBe(200);
  const r = await call(`/v1/accounts/${id}/review`, { role: "operator", body: { decision: "approve", reason: "documents checked" } });
  expect(r.status).toBe(200);
  return { id, body };
}

export { call, problem };

/** Calls an app built in the test (injected clock/fetch, other configuration) like `call` does. */
export function caller(app: ReturnType<typeof buildApp>, envOverrides: Partial<Env> = {}) {
  return (path: string, init: { method?: string; role?: "app" | "operator" | "admin"; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}) => {
    const headers = new Headers(init.headers);
    if (init.role) headers.set("x-gatehouse-principal", `${init.role}:key_test${init.role}`);
    const body = init.rawBody ?? (init.body !== undefined ? JSON.stringify(init.body) : undefined);
    if (body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
    const req = new Request(`https://worker.test${path}`, { method: init.method ?? (body !== undefined ? "POST" : "GET"), headers, body });
    return Promise.resolve(app.fetch(req, { ...testEnv, ...envOverrides }));
  };
}

export async function phoneState(accountId: string) {
  return testEnv.DB.prepare("SELECT * FROM phone_codes WHERE account_id = ?").bind(accountId).first<Record<string, number | string | null>>();
}
