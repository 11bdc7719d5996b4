import { createRoute, z } from "@hono/zod-openapi";
import { spreadThresholds, SPREAD_ACTIONS, SPREAD_METRICS } from "../../../../db/schema";
import { createRouter } from "../../../../pkg/app";
import { auditInsert } from "../../../../pkg/audit";
import { createDb } from "../../../../pkg/db";
import { ApiError, type FieldError } from "../../../../pkg/errors";
import { newId } from "../../../../pkg/ids";
import { requireRole } from "../../../../pkg/principal";
import { problemResponses } from "../../../../pkg/schemas";
import type { Env } from "../env";
import { forgetThresholds, loadThresholds } from "../thresholds";

const RuleSchema = z
  .object({
    level: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, "Lower-case name, up to 40 characters"),
    metric: z.enum(SPREAD_METRICS),
    value: z.number().int().min(1).max(1_000_000_000),
    action: z.enum(SPREAD_ACTIONS),
    category: z.string().regex(/^[a-z0-9_]{1,64}$/).nullable().default(null).openapi({ description: "null = any category" }),
    verdict: z.enum(["allow", "review", "block"]).nullable().default(null).openapi({ description: "null = any verdict" }),
  })
  .strict()
  .openapi("SpreadThreshold");

const RulesBody = z.object({ rules: z.array(RuleSchema).max(100) }).strict().openapi("SpreadThresholds");

const listRules = createRoute({
  method: "get",
  path: "/v1/spread/thresholds",
  tags: ["spread"],
  summary: "Spread threshold rules (operator).",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  responses: {
    200: { description: "Rules", content: { "application/json": { schema: RulesBody } } },
    ...problemResponses(401, 403),
  },
});

const replaceRules = createRoute({
  method: "put",
  path: "/v1/spread/thresholds",
  tags: ["spread"],
  summary: "Replace all spread threshold rules (admin). Counting objects apply them on their next count.",
  security: [{ bearer: [] }],
  middleware: [requireRole("admin")] as const,
  request: { body: { required: true, content: { "application/json": { schema: RulesBody } } } },
  responses: {
    200: { description: "Rules now in force", content: { "application/json": { schema: RulesBody } } },
    ...problemResponses(401, 403, 415, 422),
  },
});

type RuleInput = z.infer<typeof RuleSchema>;

/** Two rules for the same slot would make the choice ambiguous; a level must have one action. */
function checkRules(rules: RuleInput[]): FieldError[] {
  const errors: FieldError[] = [];
  const slots = new Set<string>();
  const actions = new Map<string, string>();
  rules.forEach((r, i) => {
    const slot = `${r.level}|${r.metric}|${r.category ?? ""}|${r.verdict ?? ""}`;
    if (slots.has(slot)) errors.push({ field: `rules.${i}`, code: "DUPLICATE_RULE", message: "Another rule has the same level, metric, category and verdict" });
    slots.add(slot);
    const prior = actions.get(r.level);
    if (prior && prior !== r.action) errors.push({ field: `rules.${i}.action`, code: "INCONSISTENT_LEVEL_ACTION", message: `Level ${r.level} already has action ${prior}` });
    actions.set(r.level, r.action);
  });
  return errors;
}

const view = (r: { level: string; metric: "reposts" | "views"; value: number; action: (typeof SPREAD_ACTIONS)[number]; category: string | null; verdict: string | null }) => ({
  level: r.level,
  metric: r.metric,
  value: r.value,
  action: r.action,
  category: r.category,
  verdict: r.verdict as "allow" | "review" | "block" | null,
});

export const thresholdRoutes = createRouter<Env>()
  .openapi(listRules, async (c) => {
    forgetThresholds();
    const rows = await loadThresholds(c.env.DB);
    return c.json({ rules: rows.map(view) }, 200);
  })
  .openapi(replaceRules, async (c) => {
    const { rules } = c.req.valid("json");
    const errors = checkRules(rules);
    if (errors.length > 0) throw new ApiError(422, "invalid_thresholds", "Some rules conflict; see `errors`.", { errors });
    const db = createDb(c.env.DB);
    const now = Date.now();
    const inserts = rules.map((r) => db.insert(spreadThresholds).values({ id: newId("thr"), ...r, createdAt: now }));
    // One transaction: the old rules are never half-replaced.
    await db.batch([
      db.delete(spreadThresholds),
      ...inserts,
      auditInsert(db, c.get("principal")!, c.get("requestId"), { action: "spread.thresholds_replaced", subjectType: "spread_thresholds", subjectId: "all", details: { rules: rules.length } }),
    ]);
    forgetThresholds();
    return c.json({ rules: rules.map(view) }, 200);
  });
