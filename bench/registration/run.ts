// `npm run bench:registration`: the identity vault's cost on the local stack (loopback only,
// bounded in time). Phases, all through the same gateway, auth and worker:
//   baseline  GET /v1/accounts/:id of an erased account (same route and D1 join, no crypto)
//   read      GET /v1/accounts/:id (unwrap the data key, decrypt 3 fields, mask)
//   register  POST /v1/accounts (validate, 3 encryptions + 2 blind indexes, one D1 batch,
//             code issue + local SMS insert)
import { createHash } from "node:crypto";
import { benchTier, countSent, createKey, printPhases, runPhase, withStack, type BenchRequest } from "../support/load";

const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? 6_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
// One app key of the `high` tier, as a platform's backend calls (`--tier unlimited`: no limiter).
const TIER = benchTier();

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
function residentId(n: number): string {
  // Unique per n: birth dates walk forward from 1950, the sequence number varies.
  const d = new Date(Date.UTC(1950, 0, 1) + (n % 20_000) * 86_400_000);
  const first17 = `110105${d.toISOString().slice(0, 10).replace(/-/g, "")}${String(Math.floor(n / 20_000) % 1000).padStart(3, "0")}`;
  const sum = WEIGHTS.reduce((s, w, i) => s + w * Number(first17[i]), 0);
  return first17 + "10X98765432"[sum % 11];
}

async function main() {
  await withStack(async (stack) => {
    const appKey = await createKey(stack.baseUrl, stack.adminKey, "app", TIER);
    const operator = await createKey(stack.baseUrl, stack.adminKey, "operator");
    let serial = Number(BigInt(`0x${createHash("sha256").update(String(Date.now())).digest("hex").slice(0, 6)}`) % 100_000n);
    const nextRegistration = () => {
      const n = serial++;
      return {
        handle: `bench_${n.toString(36)}_${Date.now().toString(36)}`,
        displayName: `Bench ${n}`,
        kind: "personal",
        identity: { name: "张三", documentType: "cn_resident_id", documentNumber: residentId(n) },
        phone: `+86139${String(n).padStart(8, "0")}`,
      };
    };
    const register = async () => {
      countSent();
      const res = await fetch(`${stack.baseUrl}/v1/accounts`, { method: "POST", headers: { authorization: `Bearer ${appKey}`, "content-type": "application/json" }, body: JSON.stringify(nextRegistration()) });
      if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { account: { id: string } }).account.id;
    };

    const live = await register();
    const erased = await register();
    const del = await fetch(`${stack.baseUrl}/v1/accounts/${erased}/identity`, { method: "DELETE", headers: { authorization: `Bearer ${operator}`, "content-type": "application/json" }, body: JSON.stringify({ reason: "benchmark baseline" }) });
    if (del.status !== 200) throw new Error(`erase: ${del.status}`);

    const phase = (name: string, next: () => BenchRequest) => runPhase({ name, baseUrl: stack.baseUrl, key: appKey, concurrency: CONCURRENCY, ms: PHASE_MS, next });

    // Warm-up of both paths (isolates, D1 statement caches, vault key import), and the
    // baseline measured again at the end, so order effects show.
    await phase("warm-up", () => ({ method: "GET", path: `/v1/accounts/${live}` }));
    await phase("warm-up", () => ({ method: "GET", path: `/v1/accounts/${erased}` }));
    const phases = [
      await phase("baseline: GET erased account (no crypto)", () => ({ method: "GET", path: `/v1/accounts/${erased}` })),
      await phase("read: GET account (unwrap + 3 decrypts + masks)", () => ({ method: "GET", path: `/v1/accounts/${live}` })),
      await phase("register: POST /v1/accounts", () => ({ method: "POST", path: "/v1/accounts", body: nextRegistration() })),
      await phase("baseline again", () => ({ method: "GET", path: `/v1/accounts/${erased}` })),
    ];
    console.log(`\n${CONCURRENCY} concurrent clients, ${PHASE_MS / 1000} s per phase, local wrangler dev (workerd + local D1)\n`);
    printPhases(phases, TIER);
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
