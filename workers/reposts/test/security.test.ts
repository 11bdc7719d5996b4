import { describe, expect, it } from "vitest";
import { call, problem } from "../../../test/support/call";
import type { Role } from "../../../pkg/principal";
import { insertPost } from "./helpers";

describe("roles", () => {
  it("requires a principal on every route", async () => {
    const post = await insertPost();
    const routes: [string, string, unknown?][] = [
      ["POST", `/v1/posts/${post}/reposts`, { accountId: "u" }],
      ["POST", `/v1/posts/${post}/views`, { count: 1 }],
      ["GET", `/v1/posts/${post}/spread`],
      ["PUT", `/v1/posts/${post}/spread/shards`, { shards: 2 }],
      ["GET", `/v1/spread/top`],
      ["GET", `/v1/spread/thresholds`],
      ["PUT", `/v1/spread/thresholds`, { rules: [] }],
      ["PATCH", `/v1/spread/thresholds`, { remove: [{ level: "hot", metric: "reposts" }] }],
    ];
    for (const [method, path, body] of routes) {
      const res = await call(path, { method, body });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect((await problem(res)).code).toBe("missing_credentials");
    }
  });

  it("allows each route only to its roles", async () => {
    const post = await insertPost();
    const cases: [Role, string, string, unknown, number][] = [
      ["operator", "POST", `/v1/posts/${post}/reposts`, { accountId: "u" }, 403],
      ["admin", "POST", `/v1/posts/${post}/views`, { count: 1 }, 403],
      ["app", "GET", `/v1/spread/top`, undefined, 403],
      ["app", "PUT", `/v1/posts/${post}/spread/shards`, { shards: 2 }, 403],
      ["app", "GET", `/v1/spread/thresholds`, undefined, 403],
      ["operator", "PUT", `/v1/spread/thresholds`, { rules: [] }, 403],
      ["operator", "PATCH", `/v1/spread/thresholds`, { remove: [{ level: "hot", metric: "reposts" }] }, 403],
      ["app", "GET", `/v1/posts/${post}/spread`, undefined, 200],
      ["operator", "GET", `/v1/posts/${post}/spread`, undefined, 200],
      ["admin", "GET", `/v1/spread/top`, undefined, 200],
    ];
    for (const [role, method, path, body, status] of cases) {
      const res = await call(path, { role, method, body });
      expect(res.status, `${role} ${method} ${path}`).toBe(status);
      if (status === 403) expect((await problem(res)).code).toBe("forbidden_role");
    }
  });

  it("never echoes the caller's account id in errors", async () => {
    const res = await call(`/v1/posts/pst_doesnotexist0001/reposts`, { role: "app", body: { accountId: "secret-user-77" } });
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain("secret-user-77");
  });
});
