import { describe, expect, it } from "vitest";
import { call, problem } from "../../../test/support/call";

describe("moderation worker", () => {
  it("answers its health check with D1 reachable", async () => {
    const res = await call("/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", worker: "moderation", checks: { d1: "ok" } });
  });

  it("answers an unknown route with a problem document", async () => {
    const res = await call("/v1/nothing-here", { role: "operator" });
    expect(res.status).toBe(404);
    expect((await problem(res)).code).toBe("route_not_found");
  });
});
