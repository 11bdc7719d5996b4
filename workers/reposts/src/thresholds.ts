import type { Action, Metric, Rule } from "./types";

export interface ThresholdRow {
  id: string;
  level: string;
  metric: Metric;
  value: number;
  action: Action;
  category: string | null;
  verdict: string | null;
}

/**
 * The rules that apply to a post with these categories and verdict. Per (level, metric) the
 * most specific matching rules win (category + verdict > category > verdict > any), so a
 * category can loosen or tighten a default; among equally specific ones the lowest value wins.
 * A level has one action: escalate if any chosen rule of it escalates, else shard, else label.
 */
export function rulesFor(rows: ThresholdRow[], categories: string[], verdict: string): Rule[] {
  const best = new Map<string, { score: number; rule: Rule }>();
  for (const r of rows) {
    if (r.category !== null && !categories.includes(r.category)) continue;
    if (r.verdict !== null && r.verdict !== verdict) continue;
    const score = (r.category !== null ? 2 : 0) + (r.verdict !== null ? 1 : 0);
    const key = `${r.level}\u0000${r.metric}`;
    const cur = best.get(key);
    if (!cur || score > cur.score || (score === cur.score && r.value < cur.rule.value)) {
      best.set(key, { score, rule: { level: r.level, metric: r.metric, value: r.value, action: r.action } });
    }
  }
  const rules = [...best.values()].map((b) => b.rule);
  const strength: Record<Action, number> = { label: 0, shard: 1, escalate: 2 };
  const levelAction = new Map<string, Action>();
  for (const r of rules) {
    const cur = levelAction.get(r.level);
    if (!cur || strength[r.action] > strength[cur]) levelAction.set(r.level, r.action);
  }
  return rules
    .map((r) => ({ ...r, action: levelAction.get(r.level)! }))
    .sort((a, b) => a.value - b.value || a.level.localeCompare(b.level) || a.metric.localeCompare(b.metric));
}

/** Isolate cache of the (small) rules table: most counts cost no extra D1 read. */
const CACHE_MS = 30_000;
let cached: { rows: ThresholdRow[]; until: number } | null = null;

export async function loadThresholds(db: D1Database): Promise<ThresholdRow[]> {
  const now = Date.now();
  if (cached && cached.until > now) return cached.rows;
  const { results } = await db.prepare(`SELECT id, level, metric, value, action, category, verdict FROM spread_thresholds ORDER BY level, metric, id`).all<ThresholdRow>();
  cached = { rows: results, until: now + CACHE_MS };
  return results;
}

/** Called after an admin replaces the rules; other isolates pick them up within CACHE_MS. */
export function forgetThresholds(): void {
  cached = null;
}
