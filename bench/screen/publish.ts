// `npm run bench:publish`: publishing each engine bench shape (bench/engine/shapes.ts) on a fresh
// local stack, as an operator does it: import the terms through the API, publish, screen one
// post. Prints import and publish time (the policy builder's compile and R2 store, the D1 batch),
// the serialized size and the first load in a screening isolate, per shape. Memory is
// bench:engine's (Node): workerd here enforces no isolate limit and its inspector reads an
// isolate's heap only between requests, without collecting it first. `--shape NAME` runs one shape.
import { makeShape, SHAPE_NAMES, type ShapeName } from "../engine/shapes";
import { createKey, withStack } from "../support/load";
import { localD1 } from "../support/local-d1";
import { patternChars } from "../../workers/screening/src/policy-limits";
import { patternKey } from "../../workers/screening/src/terms-import";

const IMPORT_ROWS = 100_000;

async function measure(name: ShapeName) {
  const shape = makeShape(name, 10_000);
  // One list takes a pattern once (terms-import.ts patternKey): the generated shapes repeat a few.
  const byKey = new Map<string, string>();
  for (const t of shape.terms) {
    const key = patternKey(t);
    if (!byKey.has(key)) byKey.set(key, t);
  }
  const patterns = [...byKey.values()];
  const chars = patterns.reduce((n, t) => n + patternChars(t), 0);
  let row = "";
  await withStack(async (stack) => {
    const admin = { authorization: `Bearer ${stack.adminKey}`, "content-type": "application/json" };
    const list = await fetch(`${stack.baseUrl}/v1/term-lists`, { method: "POST", headers: admin, body: JSON.stringify({ name: `bench-${name}`, category: "fraud" }) });
    if (list.status !== 201) throw new Error(`list: ${list.status} ${await list.text()}`);
    const { id } = (await list.json()) as { id: string };
    let t = performance.now();
    for (let at = 0; at < patterns.length; at += IMPORT_ROWS) {
      const rows = patterns.slice(at, at + IMPORT_ROWS).map((pattern, i) => ({ pattern, severity: 1 + ((at + i) % 10) }));
      const imp = await fetch(`${stack.baseUrl}/v1/term-lists/${id}/terms`, { method: "POST", headers: admin, body: JSON.stringify(rows) });
      if (imp.status !== 201) throw new Error(`import: ${imp.status} ${(await imp.text()).slice(0, 2000)}`);
    }
    const importMs = performance.now() - t;

    // The builder's first compile pays for cold code, as a real first publish does.
    t = performance.now();
    const pub = await fetch(`${stack.baseUrl}/v1/policy/publish`, { method: "POST", headers: { authorization: admin.authorization } });
    const publishMs = performance.now() - t;
    if (pub.status !== 201) throw new Error(`publish: ${pub.status} ${await pub.text()}`);
    const { byteSize } = (await pub.json()) as { byteSize: number };

    const accountId = `acc_bench${Date.now().toString(36)}`;
    const now = Date.now();
    localD1(stack.state, `INSERT INTO accounts (id, handle, display_name, kind, status, created_at, updated_at, verified_at) VALUES ('${accountId}', 'bench_${accountId}', 'Bench', 'public', 'verified', ${now}, ${now}, ${now});`);
    const key = await createKey(stack.baseUrl, stack.adminKey, "app");
    const text = shape.texts.find((x) => x.name === "microblog")!.text.slice(0, 2000);
    const first = await fetch(`${stack.baseUrl}/v1/screen`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify({ accountId, kind: "post", text }) });
    if (first.status !== 200) throw new Error(`screen: ${first.status} ${await first.text()}`);
    const loadMs = /policy-load;[^,]*dur=(\d+)/.exec(first.headers.get("server-timing") ?? "")?.[1] ?? "?";
    row = `| ${name} | ${patterns.length.toLocaleString("en")} | ${chars.toLocaleString("en")} | ${importMs.toFixed(0)} | ${publishMs.toFixed(0)} | ${(byteSize / 1e6).toFixed(1)} | ${loadMs} |`;
  });
  return row;
}

const i = process.argv.indexOf("--shape");
const shapes = i >= 0 ? [process.argv[i + 1] as ShapeName] : [...SHAPE_NAMES];
const rows: string[] = [];
for (const name of shapes) {
  if (!SHAPE_NAMES.includes(name)) throw new Error(`--shape must be one of ${SHAPE_NAMES.join(", ")}`);
  rows.push(await measure(name));
  console.log(rows.at(-1));
}
console.log("\n| shape | terms | pattern characters | import ms | publish ms | serialized MB | first load ms |");
console.log("|---|---:|---:|---:|---:|---:|---:|");
for (const r of rows) console.log(r);
