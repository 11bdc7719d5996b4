/** Test fixtures: accounts and licences as the registration worker writes them, policy set-up through the API. */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { call } from "../../../test/support/call";
import type { Env } from "../src/env";

export const testEnv = env as unknown as Env;

let seq = 0;
export async function seedAccount(status = "verified", kind: "public" | "personal" = "public"): Promise<string> {
  const id = `acc_test${(++seq).toString().padStart(8, "0")}`;
  const now = Date.now();
  await testEnv.DB.prepare(
    "INSERT INTO accounts (id, handle, display_name, kind, status, created_at, updated_at, verified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  )
    .bind(id, `h${id}`, "Test", kind, status, now, now, status === "verified" ? now : null)
    .run();
  return id;
}

export async function grantLicence(accountId: string, opts: { scope?: string[]; expiresAt?: number; revokedAt?: number | null } = {}): Promise<string> {
  const id = `lic_test${(++seq).toString().padStart(8, "0")}`;
  await testEnv.DB.prepare(
    "INSERT INTO publisher_licences (id, account_id, scope, licence_number, issuer, expires_at, revoked_at, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
  )
    .bind(id, accountId, JSON.stringify(opts.scope ?? ["political_news"]), "L-1", "test", opts.expiresAt ?? Date.now() + 86_400_000, opts.revokedAt ?? null, Date.now(), "key_test")
    .run();
  return id;
}

export async function createList(name: string, category: string): Promise<string> {
  const res = await call("/v1/term-lists", { role: "admin", body: { name, category } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

export async function importTerms(listId: string, rows: unknown[]): Promise<{ imported: number; firstTermId: number; lastTermId: number }> {
  const res = await call(`/v1/term-lists/${listId}/terms`, { role: "admin", body: rows });
  if (res.status !== 201) throw new Error(`import failed ${res.status}: ${await res.text()}`);
  return (await res.json()) as never;
}

export async function publish(): Promise<number> {
  const res = await call("/v1/policy/publish", { role: "admin", method: "POST" });
  if (res.status !== 201) throw new Error(`publish failed ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { version: number }).version;
}

export interface ScreenResult {
  postId: string;
  verdict: "allow" | "review" | "block";
  reasons: { code: string; action: string; category?: string; severity?: number; termId?: number; field?: string; start?: number; end?: number; excerpt?: string }[];
  categories: string[];
  policyVersion: number;
  reasonsTruncated: boolean;
}

export async function screen(body: Record<string, unknown>): Promise<ScreenResult> {
  const res = await call("/v1/screen", { role: "app", body: { kind: "post", ...body } });
  if (res.status !== 200) throw new Error(`screen failed ${res.status}: ${await res.text()}`);
  return (await res.json()) as ScreenResult;
}
