import { beforeAll, describe, expect, it } from "vitest";
import { call, problem } from "../../../test/support/call";
import { createList, importTerms, publish, screen, seedAccount, testEnv } from "./helpers";

const ADMIN_ROUTES: [string, string][] = [
  ["POST", "/v1/term-lists"],
  ["GET", "/v1/term-lists"],
  ["POST", "/v1/term-lists/tl_x/terms"],
  ["DELETE", "/v1/term-lists/tl_x"],
  ["POST", "/v1/allow-list"],
  ["GET", "/v1/blocked-domains"],
  ["PUT", "/v1/contact-rules/phone"],
  ["GET", "/v1/policy"],
  ["POST", "/v1/policy/publish"],
  ["POST", "/v1/policy/rollback"],
  ["PUT", "/v1/policy/categories/fraud"],
  ["PUT", "/v1/policy/outlets/example.com"],
];

describe("roles", () => {
  it.each(ADMIN_ROUTES)("%s %s: 401 without a principal, 403 for app and operator", async (method, path) => {
    const body = method === "GET" || method === "DELETE" ? undefined : {};
    const anon = await call(path, { method, body });
    expect(anon.status).toBe(401);
    expect((await problem(anon)).code).toBe("missing_credentials");
    for (const role of ["app", "operator"] as const) {
      const res = await call(path, { method, body, role });
      expect(res.status).toBe(403);
      expect((await problem(res)).code).toBe("forbidden_role");
    }
  });

  it("screening is for app keys only", async () => {
    for (const path of ["/v1/screen", "/v1/screen/noop"]) {
      expect((await call(path, { body: {} })).status).toBe(401);
      for (const role of ["operator", "admin"] as const) expect((await call(path, { role, body: {} })).status).toBe(403);
    }
    expect((await call("/v1/screen/noop", { role: "app", method: "POST" })).status).toBe(200);
  });

  it("a forged principal header with an unknown role is refused", async () => {
    const res = await call("/v1/policy", { headers: { "x-gatehouse-principal": "root:key_x" } });
    expect(res.status).toBe(401);
  });
});

describe("no post text at rest or in logs", () => {
  let account: string;
  beforeAll(async () => {
    account = await seedAccount();
    const list = await createList("sec", "fraud");
    await importTerms(list, [{ pattern: "刷单", severity: 2 }]);
    await publish();
  });

  it("stores hashes, codes and offsets only; logs carry no text", async () => {
    const logged: string[] = [];
    const orig = { log: console.log, warn: console.warn, error: console.error };
    console.log = (...a: unknown[]) => void logged.push(a.join(" "));
    console.warn = console.log;
    console.error = console.log;
    let r;
    try {
      r = await screen({ accountId: account, title: "秘密标题", text: "加微信 secret_id99 刷单 13812345678", links: ["https://private.example/x?token=abc"] });
    } finally {
      Object.assign(console, orig);
    }
    expect(r.verdict).toBe("review");
    const post = JSON.stringify(await testEnv.DB.prepare("SELECT * FROM posts WHERE id = ?").bind(r.postId).first());
    const queue = JSON.stringify(await testEnv.DB.prepare("SELECT * FROM review_queue WHERE subject_id = ?").bind(r.postId).first());
    for (const secret of ["秘密标题", "secret_id99", "13812345678", "刷单", "private.example", "token=abc"]) {
      expect(post).not.toContain(secret);
      expect(queue).not.toContain(secret);
      expect(logged.join("\n")).not.toContain(secret);
    }
  });

  it("error responses never echo the text or a stack trace", async () => {
    const res = await call("/v1/screen", { role: "app", body: { accountId: "acc_missing", kind: "post", text: "secret words here" } });
    const text = await res.text();
    expect(text).not.toContain("secret words");
    expect(text).not.toMatch(/at .*\.ts:\d+/);
  });
});
