import { createRoute, z } from "@hono/zod-openapi";
import { sql, type SQL } from "drizzle-orm";
import { SPREAD_ACTIONS, SPREAD_METRICS } from "../../../../db/schema";
import { createRouter } from "../../../../pkg/app";
import { auditStatement } from "../../../../pkg/audit";
import { GuardFailed, guard, runAtomic } from "../../../../pkg/batch";
import { ApiError, type FieldError } from "../../../../pkg/errors";
import { newId } from "../../../../pkg/ids";
import { requireRole } from "../../../../pkg/principal";
import { problemResponses, safeText } from "../../../../pkg/schemas";
import type { Env } from "../env";
import { forgetThresholds, loadThresholds, type ThresholdRow } from "../thresholds";

const LevelName = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, "Lower-case name, up to 40 characters");
const CategoryName = z
  .string()
  .regex(/^[a-z0-9_]{1,64}$/)
  .nullable()
  .default(null)
  .openapi({ description: "A screening category (see the screening policy), or null = any category" });
const VerdictName = z.enum(["allow", "review", "block"]).nullable().default(null).openapi({ description: "null = any verdict" });

/** A rule's identity: one rule per (level, metric, category, verdict). */
const SlotSchema = z.object({ level: LevelName, metric: z.enum(SPREAD_METRICS), category: CategoryName, verdict: VerdictName }).strict().openapi("SpreadThresholdSlot");

const RuleSchema = z
  .object({
    level: LevelName,
    metric: z.enum(SPREAD_METRICS),
    value: z.number().int().min(1).max(1_000_000_000),
    action: z.enum(SPREAD_ACTIONS),
    category: CategoryName,
    verdict: VerdictName,
  })
  .strict()
  .openapi("SpreadThreshold");

const Reason = safeText({ max: 500 }).optional().openapi({ description: "Why, for the audit log (free text, one line)" });
const RulesResponse = z.object({ rules: z.array(RuleSchema) }).openapi("SpreadThresholds");
const ReplaceBody = z.object({ rules: z.array(RuleSchema).max(100), reason: Reason }).strict().openapi("SpreadThresholdsReplace");
const PatchBody = z
  .object({
    set: z.array(RuleSchema).max(100).default([]).openapi({ description: "Rules to add, or to replace the rule of the same slot (value and action)" }),
    remove: z.array(SlotSchema).max(100).default([]).openapi({ description: "Slots whose rule to delete; each must have one" }),
    reason: Reason,
  })
  .strict()
  .refine((b) => b.set.length + b.remove.length > 0, { message: "Give at least one rule to set or slot to remove", path: ["set"] })
  .openapi("SpreadThresholdsPatch");

const listRules = createRoute({
  method: "get",
  path: "/v1/spread/thresholds",
  tags: ["spread"],
  summary: "Spread threshold rules (operator).",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  responses: {
    200: { description: "Rules", content: { "application/json": { schema: RulesResponse } } },
    ...problemResponses(401, 403),
  },
});

const replaceRules = createRoute({
  method: "put",
  path: "/v1/spread/thresholds",
  tags: ["spread"],
  summary: "Replace ALL spread threshold rules (admin): rules not in the body are deleted. Use PATCH to change single rules.",
  security: [{ bearer: [] }],
  middleware: [requireRole("admin")] as const,
  request: { body: { required: true, content: { "application/json": { schema: ReplaceBody } } } },
  responses: {
    200: { description: "Rules now in force", content: { "application/json": { schema: RulesResponse } } },
    ...problemResponses(401, 403, 409, 415, 422),
  },
});

const patchRules = createRoute({
  method: "patch",
  path: "/v1/spread/thresholds",
  tags: ["spread"],
  summary:
    "Change single spread threshold rules (admin), by slot (level, metric, category, verdict): `set` adds a rule or replaces its slot's value and action, `remove` deletes a slot's rule; all other rules stay.",
  security: [{ bearer: [] }],
  middleware: [requireRole("admin")] as const,
  request: { body: { required: true, content: { "application/json": { schema: PatchBody } } } },
  responses: {
    200: { description: "Rules now in force", content: { "application/json": { schema: RulesResponse } } },
    ...problemResponses(401, 403, 409, 415, 422),
  },
});

type RuleInput = z.infer<typeof RuleSchema>;
type SlotInput = z.infer<typeof SlotSchema>;

const slotKey = (r: SlotInput) => `${r.level}|${r.metric}|${r.category ?? ""}|${r.verdict ?? ""}`;
const slotLabel = (r: SlotInput) => `${r.level}/${r.metric}/${r.category ?? "any category"}/${r.verdict ?? "any verdict"}`;

/** A level has one action (the rules of a level are alternatives of one crossing). */
function levelActionErrors(rules: { rule: RuleInput; field: string | null }[]): FieldError[] {
  const errors: FieldError[] = [];
  const actions = new Map<string, string>();
  for (const { rule, field } of rules) {
    const prior = actions.get(rule.level);
    if (prior && prior !== rule.action) {
      errors.push({ field: field ? `${field}.action` : "rules", code: "INCONSISTENT_LEVEL_ACTION", message: `Level ${rule.level} already has action ${prior}` });
    }
    if (!prior) actions.set(rule.level, rule.action);
  }
  return errors;
}

/** Categories named by rules must exist in screening's policy (read from its table, not its code). */
async function unknownCategories(d1: D1Database, rules: { rule: { category: string | null }; field: string }[]): Promise<FieldError[]> {
  const names = [...new Set(rules.map((r) => r.rule.category).filter((c): c is string => c !== null))];
  if (names.length === 0) return [];
  const { results } = await d1
    .prepare(`SELECT name FROM screening_categories WHERE name IN (SELECT value FROM json_each(?))`)
    .bind(JSON.stringify(names))
    .all<{ name: string }>();
  const known = new Set(results.map((r) => r.name));
  return rules
    .filter((r) => r.rule.category !== null && !known.has(r.rule.category))
    .map((r) => ({ field: `${r.field}.category`, code: "UNKNOWN_CATEGORY", message: `No screening category is named ${r.rule.category}` }));
}

/** Refused with a guard in the write batch too, so a category deleted meanwhile cannot slip in. */
function categoriesExist(rules: RuleInput[]): SQL | null {
  const names = [...new Set(rules.map((r) => r.category).filter((c): c is string => c !== null))];
  if (names.length === 0) return null;
  return guard(sql`(SELECT COUNT(*) FROM screening_categories WHERE name IN (SELECT value FROM json_each(${JSON.stringify(names)}))) = ${names.length}`);
}

/** After the writes: no level of the whole table has two actions (another change may have run meanwhile). */
const levelsConsistent = () => guard(sql`NOT EXISTS (SELECT 1 FROM spread_thresholds GROUP BY level HAVING COUNT(DISTINCT action) > 1)`);

const slotMatch = (s: SlotInput) =>
  sql`level = ${s.level} AND metric = ${s.metric} AND category IS ${s.category} AND verdict IS ${s.verdict}`;

const insertRule = (r: RuleInput, now: number) =>
  sql`INSERT INTO spread_thresholds (id, level, metric, value, action, category, verdict, created_at) VALUES (${newId("thr")}, ${r.level}, ${r.metric}, ${r.value}, ${r.action}, ${r.category}, ${r.verdict}, ${now})`;

const READ_RULES_SQL = `SELECT id, level, metric, value, action, category, verdict FROM spread_thresholds ORDER BY level, metric, id`;
/** Last in a write batch: the rules as that transaction left them. */
const readRules = () => sql.raw(READ_RULES_SQL);

const view = (r: Pick<ThresholdRow, "level" | "metric" | "value" | "action" | "category" | "verdict">): RuleInput => ({
  level: r.level,
  metric: r.metric,
  value: r.value,
  action: r.action,
  category: r.category,
  verdict: r.verdict as RuleInput["verdict"],
});

function invalid(errors: FieldError[]): never {
  if (errors.some((e) => e.code === "UNKNOWN_CATEGORY")) {
    throw new ApiError(422, "unknown_category", "Some rules name a category that the screening policy does not have; see `errors`.", { errors: errors.filter((e) => e.code === "UNKNOWN_CATEGORY") });
  }
  throw new ApiError(422, "invalid_thresholds", "Some rules conflict; see `errors`.", { errors });
}

/** Runs a rules write; a guard that failed because of a concurrent change is a 409 (nothing was written). */
async function write(d1: D1Database, statements: SQL[]): Promise<RuleInput[]> {
  try {
    const results = await runAtomic(d1, statements);
    forgetThresholds();
    return (results.at(-1)!.results as ThresholdRow[]).map(view);
  } catch (err) {
    if (err instanceof GuardFailed) {
      throw new ApiError(409, "concurrent_change", "The threshold rules or screening categories changed meanwhile; read the rules again and retry.");
    }
    throw err;
  }
}

export const thresholdRoutes = createRouter<Env>()
  .openapi(listRules, async (c) => {
    forgetThresholds();
    const rows = await loadThresholds(c.env.DB);
    return c.json({ rules: rows.map(view) }, 200);
  })
  .openapi(replaceRules, async (c) => {
    const { rules, reason } = c.req.valid("json");
    const fields = rules.map((rule, i) => ({ rule, field: `rules.${i}` }));
    const errors: FieldError[] = [];
    const slots = new Set<string>();
    for (const { rule, field } of fields) {
      if (slots.has(slotKey(rule))) errors.push({ field, code: "DUPLICATE_RULE", message: "Another rule has the same level, metric, category and verdict" });
      slots.add(slotKey(rule));
    }
    errors.push(...levelActionErrors(fields), ...(await unknownCategories(c.env.DB, fields)));
    if (errors.length > 0) invalid(errors);
    const now = Date.now();
    // One transaction: the old rules are never half-replaced.
    const statements = [
      sql`DELETE FROM spread_thresholds`,
      ...rules.map((r) => insertRule(r, now)),
      ...[categoriesExist(rules)].filter((s): s is SQL => s !== null),
      auditStatement(c.get("principal")!, c.get("requestId"), {
        action: "spread.thresholds_replaced",
        subjectType: "spread_thresholds",
        subjectId: "all",
        reason: reason ?? null,
        details: { rules },
      }),
      readRules(),
    ];
    return c.json({ rules: await write(c.env.DB, statements) }, 200);
  })
  .openapi(patchRules, async (c) => {
    const { set, remove, reason } = c.req.valid("json");
    const d1 = c.env.DB as D1Database;
    const current = (await d1.prepare(READ_RULES_SQL).all<ThresholdRow>()).results;
    const existing = new Map(current.map((r) => [slotKey(view(r)), view(r)]));
    const errors: FieldError[] = [];
    const named = new Set<string>();
    const touch = (slot: SlotInput, field: string) => {
      if (named.has(slotKey(slot))) errors.push({ field, code: "DUPLICATE_RULE", message: `Slot ${slotLabel(slot)} appears twice in this change` });
      named.add(slotKey(slot));
    };
    set.forEach((r, i) => touch(r, `set.${i}`));
    remove.forEach((s, i) => {
      touch(s, `remove.${i}`);
      if (!existing.has(slotKey(s))) errors.push({ field: `remove.${i}`, code: "NO_SUCH_RULE", message: `No rule in slot ${slotLabel(s)}` });
    });
    // The table as it will be: untouched rules first, so a conflict is reported on the changed rule.
    const untouched = current.map(view).filter((r) => !named.has(slotKey(r)));
    errors.push(...levelActionErrors([...untouched.map((rule) => ({ rule, field: null })), ...set.map((rule, i) => ({ rule, field: `set.${i}` }))]));
    errors.push(...(await unknownCategories(c.env.DB, set.map((rule, i) => ({ rule, field: `set.${i}` })))));
    if (errors.length > 0) invalid(errors);
    const now = Date.now();
    const changes = set.map((r) => {
      const before = existing.get(slotKey(r));
      return before ? { slot: slotLabel(r), from: { value: before.value, action: before.action }, to: { value: r.value, action: r.action } } : { slot: slotLabel(r), added: { value: r.value, action: r.action } };
    });
    const statements = [
      // A rule removed by someone else meanwhile is not silently "removed" again.
      ...remove.map((s) => guard(sql`EXISTS (SELECT 1 FROM spread_thresholds WHERE ${slotMatch(s)})`)),
      ...[...remove, ...set].map((s) => sql`DELETE FROM spread_thresholds WHERE ${slotMatch(s)}`),
      ...set.map((r) => insertRule(r, now)),
      levelsConsistent(),
      ...[categoriesExist(set)].filter((s): s is SQL => s !== null),
      auditStatement(c.get("principal")!, c.get("requestId"), {
        action: "spread.thresholds_changed",
        subjectType: "spread_thresholds",
        subjectId: "all",
        reason: reason ?? null,
        details: { set: changes, removed: remove.map(slotLabel) },
      }),
      readRules(),
    ];
    return c.json({ rules: await write(c.env.DB, statements) }, 200);
  });
