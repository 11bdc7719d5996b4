import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { problem } from "../../../test/support/call";
import { ADMIN_KEY, createKey, gw } from "./helpers";

const db = () => (env as unknown as { DB: D1Database }).DB;

describe("API key lifecycle (happy path)", () => {
  it("creates a key shown once, stores only its hash, lists it and revokes it", async () => {
    const res = await gw("/v1/keys", { key: ADMIN_KEY, json: { role: "operator", name: "moderation desk" } });
    expect(res.status).toBe(201);
    const created = (await res.json()) as Record<string, unknown>;
    expect(created).toMatchObject({ role: "operator", name: "moderation desk", revokedAt: null });
    const key = created.key as string;
    expect(key).toMatch(/^gh_[A-Za-z0-9_-]{43}$/);

    // Only the SHA-256 is stored; the plaintext key appears nowhere in the row.
    const row = await db().prepare("select * from api_keys where id = ?").bind(created.id).first<Record<string, unknown>>();
    expect(row).not.toBeNull();
    expect(Object.values(row!)).not.toContain(key);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));
    expect(row!.key_hash).toBe([...digest].map((b) => b.toString(16).padStart(2, "0")).join(""));

    // The new admin-created key works; listing never returns the secret.
    const admin = await createKey("admin");
    const list = await gw("/v1/keys", { key: admin.key });
    expect(list.status).toBe(200);
    const listed = ((await list.json()) as { keys: Record<string, unknown>[] }).keys;
    const mine = listed.find((k) => k.id === created.id)!;
    expect(mine).toMatchObject({ name: "moderation desk", role: "operator", prefix: key.slice(0, 10) });
    expect(JSON.stringify(listed)).not.toContain(key);
    expect(mine).not.toHaveProperty("key");
    expect(mine).not.toHaveProperty("keyHash");

    const revoke = await gw(`/v1/keys/${created.id}`, { method: "DELETE", key: ADMIN_KEY });
    expect(revoke.status).toBe(200);
    expect(((await revoke.json()) as { revokedAt: string | null }).revokedAt).not.toBeNull();

    const after = await gw("/v1/keys", { key });
    expect(after.status).toBe(401);
    expect((await problem(after)).code).toBe("revoked_key");

    // Revoking twice is harmless and keeps the first revocation time.
    const again = await gw(`/v1/keys/${created.id}`, { method: "DELETE", key: ADMIN_KEY });
    expect(again.status).toBe(200);
  });

  it("records when a key was last used", async () => {
    const admin = await createKey("admin");
    expect((await gw("/v1/keys", { key: admin.key })).status).toBe(200);
    // waitUntil work finishes shortly after the response.
    let lastUsed: unknown = null;
    for (let i = 0; i < 20 && lastUsed == null; i++) {
      await new Promise((r) => setTimeout(r, 25));
      lastUsed = (await db().prepare("select last_used_at from api_keys where id = ?").bind(admin.id).first())?.last_used_at;
    }
    expect(typeof lastUsed).toBe("number");
  });
});

describe("API keys (errors)", () => {
  it("rejects an unknown role or missing name with 422 listing every field, writing nothing", async () => {
    const before = await db().prepare("select count(*) as n from api_keys").first<{ n: number }>();
    const res = await gw("/v1/keys", { key: ADMIN_KEY, json: { role: "superuser" } });
    expect(res.status).toBe(422);
    const p = await problem(res);
    expect(p.code).toBe("validation_failed");
    expect(p.errors!.map((e) => e.field).sort()).toEqual(["name", "role"]);
    const after = await db().prepare("select count(*) as n from api_keys").first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
  });

  it("rejects unknown fields rather than ignoring them", async () => {
    const res = await gw("/v1/keys", { key: ADMIN_KEY, json: { role: "app", name: "x", admin: true } });
    expect(res.status).toBe(422);
  });

  it("answers 404 for revoking a key that does not exist", async () => {
    const res = await gw("/v1/keys/key_doesnotexist0000", { method: "DELETE", key: ADMIN_KEY });
    expect(res.status).toBe(404);
    expect((await problem(res)).code).toBe("key_not_found");
  });
});

describe("API keys (role matrix)", () => {
  it.each(["app", "operator"] as const)("refuses key management to the %s role", async (role) => {
    const { key } = await createKey(role);
    for (const [method, path, json] of [
      ["GET", "/v1/keys", undefined],
      ["POST", "/v1/keys", { role: "admin", name: "escalation" }],
      ["DELETE", "/v1/keys/key_whatever00000", undefined],
    ] as const) {
      const res = await gw(path, { method, key, json });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect((await problem(res)).code).toBe("forbidden_role");
    }
  });
});
