// How big one policy may grow (src/policy-limits.ts): imports past the limits are refused whole,
// also when two imports race for the last room; allow-listed phrases count too; a pattern edit
// cannot pass them; lists that pass them some other way are refused at publish and try-it before
// anything compiles.
import { afterEach, describe, expect, it } from "vitest";
import { call, problem } from "../../../test/support/call";
import { MAX_POLICY_PATTERN_CHARS, MAX_POLICY_TERMS } from "../src/policy-limits";
import { createList, importTerms, testEnv } from "./helpers";

const totals = async () => (await testEnv.DB.prepare("SELECT count(*) AS terms, coalesce(sum(length(pattern)), 0) AS chars FROM terms").first<{ terms: number; chars: number }>())!;
const lists: string[] = [];
const list = async (name: string) => {
  const id = await createList(name, "fraud");
  lists.push(id);
  return id;
};
afterEach(async () => {
  for (const id of lists.splice(0)) await call(`/v1/term-lists/${id}`, { role: "admin", method: "DELETE" });
  expect((await totals()).terms).toBe(0);
});

/** `n` distinct words of `len` ASCII letters (no letter twice in a row, which the engine would fold to one), from `seed`. */
function words(n: number, len: number, seed: number): string[] {
  let x = seed;
  return Array.from({ length: n }, (_, i) => {
    // i's decimal digits as letters a–j with x between them, then z: distinct, and no letter twice in a row.
    let w = `k${[...String(i)].map((d) => "abcdefghij"[Number(d)]).join("x")}z`;
    while (w.length < len) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const c = "abcdefghijklmnopqrstuvwxyz"[(x >>> 8) % 26]!;
      if (c !== w[w.length - 1]) w += c;
    }
    return w;
  });
}
/** `n` distinct five-letter words from the `from`-th on: "q" and the number in base 26. */
const shortWords = (n: number, from: number) =>
  Array.from({ length: n }, (_, i) => `q${[3, 2, 1, 0].map((k) => String.fromCharCode(97 + (Math.floor((from + i) / 26 ** k) % 26))).join("")}`);
const rows = (patterns: string[]) => patterns.map((pattern) => ({ pattern, severity: 3 }));

describe("terms in all lists and allow-listed phrases together", () => {
  it(`at most ${MAX_POLICY_TERMS}: the import that would pass it is refused whole`, async () => {
    const a = await list("half-a"), b = await list("half-b");
    await importTerms(a, rows(shortWords(MAX_POLICY_TERMS / 2, 0)));
    await importTerms(b, rows(shortWords(MAX_POLICY_TERMS / 2, MAX_POLICY_TERMS / 2)));
    expect((await totals()).terms).toBe(MAX_POLICY_TERMS);

    const c = await list("one-more");
    const res = await call(`/v1/term-lists/${c}/terms`, { role: "admin", body: rows(["onemoreterm"]) });
    expect(res.status).toBe(422);
    expect(await problem(res)).toMatchObject({
      code: "import_invalid",
      errors: [{ field: "(body)", code: "POLICY_TOO_LARGE", message: `With these rows, ${MAX_POLICY_TERMS + 1} terms and allow-listed phrases in all; one policy holds at most ${MAX_POLICY_TERMS}.` }],
    });
    expect((await totals()).terms).toBe(MAX_POLICY_TERMS);

    // Allow-listed phrases compile into the same automaton: they count too.
    const phrase = await call("/v1/allow-list", { role: "admin", body: { phrases: ["a phrase that fits nowhere"] } });
    expect(phrase.status).toBe(422);
    expect(await problem(phrase)).toMatchObject({ code: "validation_failed", errors: [{ field: "phrases", code: "POLICY_TOO_LARGE" }] });
    expect((await testEnv.DB.prepare("SELECT count(*) AS n FROM allow_phrases").first<{ n: number }>())!.n).toBe(0);
  });
});

describe("characters of all patterns and phrases together", () => {
  const LEN = 125;
  const half = Math.floor(MAX_POLICY_PATTERN_CHARS / 2 / LEN) + 1;

  it(`at most ${MAX_POLICY_PATTERN_CHARS}: one import past it is refused before the engine compiles it`, async () => {
    const a = await list("too-long");
    const res = await call(`/v1/term-lists/${a}/terms`, { role: "admin", body: rows(words(2 * half, LEN, 3)) });
    expect(res.status).toBe(422);
    expect(await problem(res)).toMatchObject({ code: "import_invalid", errors: [{ field: "(body)", code: "POLICY_TOO_LARGE", message: expect.stringMatching(/characters of patterns and phrases in all/) }] });
    expect(await totals()).toEqual({ terms: 0, chars: 0 });
  });

  it("two imports racing for the last room: one lands, the other is refused whole", async () => {
    // Each fits alone; together they pass the limit by 2 * half * LEN - MAX characters.
    expect(2 * half * LEN).toBeGreaterThan(MAX_POLICY_PATTERN_CHARS);
    const [a, b] = [await list("race-a"), await list("race-b")];
    const results = await Promise.all([
      call(`/v1/term-lists/${a}/terms`, { role: "admin", body: rows(words(half, LEN, 4)) }),
      call(`/v1/term-lists/${b}/terms`, { role: "admin", body: rows(words(half, LEN, 5)) }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 422]);
    const refused = results.find((r) => r.status === 422)!;
    expect(await problem(refused)).toMatchObject({ code: "import_invalid", errors: [{ field: "(body)", code: "POLICY_TOO_LARGE" }] });
    expect(await totals()).toEqual({ terms: half, chars: half * LEN });
  });

  it("a pattern edit that would pass the limit is refused; a shorter one is taken", async () => {
    const a = await list("full");
    const patterns = words(MAX_POLICY_PATTERN_CHARS / 100, 100, 6);
    const { firstTermId } = await importTerms(a, rows(patterns));
    expect(await totals()).toEqual({ terms: patterns.length, chars: MAX_POLICY_PATTERN_CHARS });

    const longer = await call(`/v1/term-lists/${a}/terms/${firstTermId}`, { role: "admin", method: "PATCH", body: { pattern: `${patterns[0]}x` } });
    expect(longer.status).toBe(422);
    expect(await problem(longer)).toMatchObject({ code: "validation_failed", errors: [{ field: "pattern", code: "POLICY_TOO_LARGE" }] });
    expect((await totals()).chars).toBe(MAX_POLICY_PATTERN_CHARS);

    const shorter = await call(`/v1/term-lists/${a}/terms/${firstTermId}`, { role: "admin", method: "PATCH", body: { pattern: patterns[0]!.slice(0, 50) } });
    expect(shorter.status).toBe(200);
    expect((await totals()).chars).toBe(MAX_POLICY_PATTERN_CHARS - 50);
  });
});

describe("lists past the limits some other way (rows written straight to D1)", () => {
  it("publish and try-it answer 422 policy_invalid naming the terms, before compiling; nothing is written", async () => {
    const a = await list("written-elsewhere");
    // Past the characters limit without an import: one statement, as an older release or a manual fix might.
    await testEnv.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
       INSERT INTO terms (list_id, pattern, severity, created_at) SELECT ?1, printf('w%d', i) || substr(?3, 1, 120), 3, 0 FROM n`,
    )
      .bind(a, Math.ceil(MAX_POLICY_PATTERN_CHARS / 120) + 1, "abcdefghij".repeat(12))
      .run();
    expect((await totals()).chars).toBeGreaterThan(MAX_POLICY_PATTERN_CHARS);
    const versions = (await testEnv.DB.prepare("SELECT count(*) AS n FROM policy_versions").first<{ n: number }>())!.n;
    const objects = (await testEnv.POLICIES.list()).objects.length;

    for (const [path, body] of [["/v1/policy/publish", undefined], ["/v1/policy/draft/screen", { text: "hello" }]] as const) {
      const res = await call(path, { role: "admin", method: "POST", ...(body ? { body } : {}) });
      expect(res.status).toBe(422);
      expect(await problem(res)).toMatchObject({ code: "policy_invalid", errors: [{ field: "terms", code: "POLICY_TOO_LARGE", message: expect.stringMatching(/characters of patterns and phrases in all; one policy holds at most/) }] });
    }
    expect((await testEnv.DB.prepare("SELECT count(*) AS n FROM policy_versions").first<{ n: number }>())!.n).toBe(versions);
    expect((await testEnv.POLICIES.list()).objects).toHaveLength(objects);
  });
});
