/** What a published policy decides besides term matching: snapshot taken at publish time. */
import type { Verdict } from "../../../db/schema";
import type { ContactKind } from "./contacts";

export interface SeverityRange {
  min: number;
  max: number;
  action: Verdict;
}

export interface CategoryConfig {
  ranges: SeverityRange[];
  licenceRequired: boolean;
}

export interface PolicyConfig {
  categories: Record<string, CategoryConfig>;
  contactRules: Partial<Record<ContactKind, Verdict>>;
  blockedDomains: string[];
}

const RANK: Record<Verdict, number> = { allow: 0, review: 1, block: 2 };

export function worse(a: Verdict, b: Verdict): Verdict {
  return RANK[b] > RANK[a] ? b : a;
}

/** The action for a match of `severity` in `category`; severities no range covers are allowed. */
export function actionFor(config: PolicyConfig, category: string, severity: number): Verdict {
  const c = config.categories[category];
  if (!c) return "review"; // a category deleted after its terms were published: let a person look
  for (const r of c.ranges) if (severity >= r.min && severity <= r.max) return r.action;
  return "allow";
}
