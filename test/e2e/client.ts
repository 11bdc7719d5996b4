import createClient from "openapi-fetch";
import { expect, inject } from "vitest";
import { clientRequestInit, type ClientRequest } from "../support/client-request";
import type { operations, paths } from "../../pkg/api.gen";

/** A client of the running stack: the gateway over real HTTP. */
export const baseUrl = () => inject("baseUrl");
export const adminKey = () => inject("adminKey");

/**
 * The API through the client generated from `/openapi.json` (types: pkg/api.gen.ts,
 * calls: openapi-fetch): a path, method, parameter or body the document does not describe
 * does not typecheck, so every call here proves the document against the running stack.
 */
export function api(key?: string) {
  return createClient<paths>({ baseUrl: baseUrl(), headers: key ? { authorization: `Bearer ${key}` } : {} });
}

type Answer<T> = { data?: T; error?: unknown; response: Response };

/** The body of an answer that has the expected status; otherwise the test fails showing what came back. */
export async function expectData<T>(call: Promise<Answer<T>>, status: number): Promise<T> {
  const { data, error, response } = await call;
  expect(response.status, JSON.stringify(error ?? data)).toBe(status);
  return data as T;
}

/** The problem document of an answer that has the expected status. */
export async function expectProblem(call: Promise<Answer<unknown>>, status: number): Promise<{ code: string; status: number }> {
  const { error, response } = await call;
  expect(response.status, JSON.stringify(error)).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  return error as { code: string; status: number };
}

/** Raw HTTP, for what a typed client cannot send: malformed bodies, wrong media types, bad headers. */
export function http(path: string, init: ClientRequest = {}): Promise<Response> {
  return fetch(`${baseUrl()}${path}`, clientRequestInit(init));
}

export async function newKey(role: "app" | "operator" | "admin"): Promise<{ id: string; key: string }> {
  return expectData(api(adminKey()).POST("/v1/keys", { body: { role, name: `e2e ${role}` } }), 201);
}

export async function problemCode(res: Response): Promise<string> {
  if (!(res.headers.get("content-type") ?? "").startsWith("application/problem+json")) {
    throw new Error(`expected problem+json, got ${res.headers.get("content-type")} (${res.status}): ${await res.text()}`);
  }
  return ((await res.json()) as { code: string }).code;
}

/** Polls `probe` until it returns a value (work the stack finishes asynchronously: alarms, flushes). */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 250));
  }
}

type NewAccount = NonNullable<operations["createAccount"]["requestBody"]>["content"]["application/json"];

/**
 * A verified account, the way an app and an operator make one on the local stack: registered with
 * `appKey`, its phone verified with the code from the local SMS outbox, and its identity approved
 * by `operatorKey` if it went to manual review. Returns the account's id.
 */
export async function verifiedAccount(appKey: string, operatorKey: string, body: NewAccount): Promise<string> {
  const app = api(appKey);
  const accountId = (await expectData(app.POST("/v1/accounts", { body }), 201)).account.id;
  const sms = await expectData(api(adminKey()).POST("/v1/dev/sms", { body: { phone: body.phone } }), 200);
  const code = /\b(\d{6})\b/.exec(sms.messages.at(-1)!.body)![1]!;
  await expectData(app.POST("/v1/accounts/{id}/phone/verify", { params: { path: { id: accountId } }, body: { code } }), 200);
  const account = await expectData(app.GET("/v1/accounts/{id}", { params: { path: { id: accountId } } }), 200);
  if (account.status !== "verified") {
    await expectData(api(operatorKey).POST("/v1/accounts/{id}/review", { params: { path: { id: accountId } }, body: { decision: "approve", reason: "documents checked" } }), 200);
  }
  return accountId;
}
