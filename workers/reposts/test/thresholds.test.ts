import { describe, expect, it } from "vitest";
import readme from "../README.md?raw";
import { call, problem } from "../../../test/support/call";
import { testEnv } from "./helpers";

type Rule = { level: string; metric: string; value: number; action: string; category: string | null; verdict: string | null };

const DEFAULTS: Rule[] = [
  { level: "escalate", metric: "reposts", value: 500, action: "escalate", category: null, verdict: null },
  { level: "escalate", metric: "views", value: 5000, action: "escalate", category: null, verdict: null },
  { level: "hot", metric: "reposts", value: 1000, action: "shard", category: null, verdict: null },
  { level: "spreading", metric: "reposts", value: 100, action: "label", category: null, verdict: null },
  { level: "spreading", metric: "views", value: 1000, action: "label", category: null, verdict: null },
];

const patch = (body: unknown) => call(`/v1/spread/thresholds`, { role: "admin", method: "PATCH", body });
const put = (body: unknown) => call(`/v1/spread/thresholds`, { role: "admin", method: "PUT", body });
const rules = async () => ((await (await call(`/v1/spread/thresholds`, { role: "operator" })).json()) as { rules: Rule[] }).rules;
const sorted = (rs: Rule[]) => [...rs].sort((a, b) => `${a.level}|${a.metric}|${a.category}|${a.verdict}`.localeCompare(`${b.level}|${b.metric}|${b.category}|${b.verdict}`));

async function audits(action: string) {
  const { results } = await testEnv.DB.prepare(`SELECT actor_role, reason, details FROM audit_log WHERE action = ? ORDER BY at, rowid`).bind(action).all<{ actor_role: string; reason: string | null; details: string }>();
  return results.map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> }));
}

/** The JSON body of the README's curl example that calls `method /v1/spread/thresholds`. */
function readmeExample(method: "PUT" | "PATCH"): unknown {
  const at = readme.indexOf(`-X ${method} `);
  const start = readme.indexOf("-d '", at) + 4;
  return JSON.parse(readme.slice(start, readme.indexOf("'", start)));
}

describe("changing threshold rules", () => {
  it("PATCH changes one rule by its slot and keeps every other rule (the view thresholds and the hot rule)", async () => {
    expect(sorted(await rules())).toEqual(DEFAULTS);
    const res = await patch({ set: [{ level: "escalate", metric: "reposts", value: 300, action: "escalate" }], reason: "election week" });
    expect(res.status).toBe(200);
    const expected = DEFAULTS.map((r) => (r.level === "escalate" && r.metric === "reposts" ? { ...r, value: 300 } : r));
    expect(sorted(((await res.json()) as { rules: Rule[] }).rules)).toEqual(expected);
    expect(sorted(await rules())).toEqual(expected);
    const [entry] = await audits("spread.thresholds_changed");
    expect(entry).toEqual({
      actor_role: "admin",
      reason: "election week",
      details: { set: [{ slot: "escalate/reposts/any category/any verdict", from: { value: 500, action: "escalate" }, to: { value: 300, action: "escalate" } }], removed: [] },
    });
  });

  it("PATCH adds a category rule and removes a slot's rule; the rest stays", async () => {
    const before = await rules();
    const added = { level: "escalate", metric: "reposts", value: 50, action: "escalate", category: "rumour", verdict: null };
    expect((await patch({ set: [added] })).status).toBe(200);
    expect(sorted(await rules())).toEqual(sorted([...before, added]));
    expect((await patch({ remove: [{ level: "escalate", metric: "reposts", category: "rumour" }] })).status).toBe(200);
    expect(sorted(await rules())).toEqual(sorted(before));
  });

  it("refuses a rule for a category screening does not have (422 unknown_category), on PATCH and PUT, writing nothing", async () => {
    const before = await rules();
    const bad = { level: "escalate", metric: "reposts", value: 50, action: "escalate", category: "health_misinfo" };
    for (const res of [await patch({ set: [bad] }), await put({ rules: [...before, bad] })]) {
      expect(res.status).toBe(422);
      const p = await problem(res);
      expect(p.code).toBe("unknown_category");
      expect(p.errors?.[0]?.code).toBe("UNKNOWN_CATEGORY");
    }
    expect(sorted(await rules())).toEqual(sorted(before));
  });

  it("refuses removing a slot without a rule, a slot named twice, a second action for a level, an empty change", async () => {
    const before = await rules();
    const cases: [unknown, string, string][] = [
      [{ remove: [{ level: "nope", metric: "views" }] }, "invalid_thresholds", "NO_SUCH_RULE"],
      [{ set: [{ level: "escalate", metric: "views", value: 9, action: "escalate" }], remove: [{ level: "escalate", metric: "views" }] }, "invalid_thresholds", "DUPLICATE_RULE"],
      [{ set: [{ level: "spreading", metric: "views", value: 10, action: "escalate" }] }, "invalid_thresholds", "INCONSISTENT_LEVEL_ACTION"],
      [{}, "validation_failed", ""],
      [{ set: [], remove: [] }, "validation_failed", ""],
      [{ set: [{ level: "hot", metric: "reposts", value: 5, action: "shard" }], reason: "a\u202Eb" }, "validation_failed", "INVALID_TEXT"],
    ];
    for (const [body, code, fieldCode] of cases) {
      const res = await patch(body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      const p = await problem(res);
      expect(p.code).toBe(code);
      if (fieldCode) expect(p.errors?.map((e) => e.code)).toContain(fieldCode);
    }
    expect(sorted(await rules())).toEqual(sorted(before));
  });

  it("keeps one action per level when 30 conflicting changes race (each is applied whole or refused)", async () => {
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => patch({ set: [{ level: "race", metric: i % 2 ? "views" : "reposts", value: 10 + i, action: i % 3 ? "label" : "escalate" }] })),
    );
    for (const res of responses) {
      expect([200, 409, 422]).toContain(res.status);
      if (res.status !== 200) expect(["concurrent_change", "invalid_thresholds"]).toContain((await problem(res)).code);
    }
    expect(responses.some((r) => r.status === 200)).toBe(true);
    const race = (await rules()).filter((r) => r.level === "race");
    expect(new Set(race.map((r) => r.action)).size).toBe(1);
    expect(race.length).toBeLessThanOrEqual(2);
    await patch({ remove: race.map(({ level, metric }) => ({ level, metric })) });
  });

  it("the database keeps one rule per slot", async () => {
    const insert = () =>
      testEnv.DB.prepare(`INSERT INTO spread_thresholds (id, level, metric, value, action, category, verdict, created_at) VALUES (?, 'spreading', 'views', 7, 'label', NULL, NULL, 0)`)
        .bind(`thr_${crypto.randomUUID().replaceAll("-", "")}`)
        .run();
    await expect(insert()).rejects.toThrow(/UNIQUE/);
  });

  it("the README's PATCH and PUT examples do what the README says", async () => {
    const before = await rules();
    const patchBody = readmeExample("PATCH") as { set: Rule[] };
    expect((await patch(patchBody)).status).toBe(200);
    const afterPatch = await rules();
    // Only the named slots changed.
    expect(afterPatch.length).toBe(before.length + patchBody.set.filter((s) => !before.some((b) => b.level === s.level && b.metric === s.metric && b.category === (s.category ?? null) && b.verdict === (s.verdict ?? null))).length);
    const putBody = readmeExample("PUT") as { rules: Rule[] };
    const res = await put(putBody);
    expect(res.status).toBe(200);
    // The full replacement keeps every default level: spreading and escalate on both metrics, and hot.
    const now = await rules();
    for (const d of DEFAULTS) expect(now.some((r) => r.level === d.level && r.metric === d.metric && r.category === null)).toBe(true);
    expect(now.length).toBe(putBody.rules.length);
    expect((await audits("spread.thresholds_replaced")).at(-1)).toMatchObject({ actor_role: "admin", details: { rules: expect.any(Array) } });
  });
});
