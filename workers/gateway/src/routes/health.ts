import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../../../../pkg/app";
import { createDb } from "../../../../pkg/db";
import { checkD1 } from "../../../../pkg/health";
import { UPSTREAMS, type Env, type Upstream } from "../env";

const HEALTH_TIMEOUT_MS = 3_000;

const health = createRoute({
  method: "get",
  path: "/v1/health",
  tags: ["health"],
  summary: "Health of the gateway, each function worker and D1 (no key needed).",
  responses: {
    200: { description: "All healthy", content: { "application/json": { schema: z.object({ status: z.literal("ok"), checks: z.record(z.string(), z.string()) }) } } },
    503: { description: "Something is down", content: { "application/json": { schema: z.object({ status: z.literal("degraded"), checks: z.record(z.string(), z.string()) }) } } },
  },
});

async function checkUpstream(env: Env, name: Upstream): Promise<string> {
  try {
    const res = await env[name].fetch("https://internal/health", { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    return res.ok ? "ok" : `unhealthy (${res.status})`;
  } catch {
    return "unreachable";
  }
}

export const healthRoutes = createRouter<Env>().openapi(health, async (c) => {
  const [d1, ...workers] = await Promise.all([checkD1(createDb(c.env.DB)), ...UPSTREAMS.map((u) => checkUpstream(c.env, u))]);
  const checks: Record<string, string> = { gateway: "ok", d1 };
  UPSTREAMS.forEach((u, i) => (checks[u.toLowerCase()] = workers[i]!));
  const healthy = Object.values(checks).every((v) => v === "ok");
  return healthy ? c.json({ status: "ok" as const, checks }, 200) : c.json({ status: "degraded" as const, checks }, 503);
});
