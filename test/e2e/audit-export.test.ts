import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { adminKey, baseUrl } from "./client";

/**
 * The audit chain as an outsider checks it: export over HTTP from the real stack (its own
 * AUDIT_SIGNING_KEY from `.dev.vars`), then `node scripts/verify-audit.mjs` offline — OK, and FAIL
 * naming the line after one byte of the file changes.
 */
const root = fileURLToPath(new URL("../..", import.meta.url));
const auth = () => ({ authorization: `Bearer ${adminKey()}` });

function verifyAudit(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, "scripts/verify-audit.mjs"), ...args], { encoding: "utf8" });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("audit export, verified offline", () => {
  it("an exported log with a signed checkpoint verifies with scripts/verify-audit.mjs and fails after one byte changes", async () => {
    // An export is itself audited, so the log has at least one entry to sign.
    expect((await fetch(`${baseUrl()}/v1/exports/audit`, { headers: auth() })).status).toBe(200);
    const checkpoint = await fetch(`${baseUrl()}/v1/audit/checkpoints`, { method: "POST", headers: auth() });
    expect([200, 201]).toContain(checkpoint.status);
    const { seq } = (await checkpoint.json()) as { seq: number };

    const verdict = (await (await fetch(`${baseUrl()}/v1/audit/verify`, { headers: auth() })).json()) as { ok: boolean; checked: number };
    expect(verdict.ok).toBe(true);
    expect(verdict.checked).toBeGreaterThanOrEqual(seq);

    const res = await fetch(`${baseUrl()}/v1/exports/audit?from=1&to=${seq}&format=ndjson`, { headers: auth() });
    expect(res.status).toBe(200);
    const text = await res.text();
    const dir = mkdtempSync(join(tmpdir(), "gatehouse-audit-"));
    const file = join(dir, "audit.ndjson");
    writeFileSync(file, text);
    const keyFile = join(dir, "public-key.json");
    writeFileSync(keyFile, await (await fetch(`${baseUrl()}/v1/audit/public-key`, { headers: auth() })).text());

    const ok = verifyAudit(file, "--public-key", keyFile);
    // At least this test's checkpoint (other e2e files may have signed more on the shared stack).
    expect(ok.out).toMatch(/^OK: \d+ entries chained without a gap; [1-9]\d* signed checkpoint\(s\) verified/);
    expect(ok.status).toBe(0);

    // A range that does not start at 1 carries the checkpoints inside it and verifies from its first
    // link; one that ends before this test's checkpoint does not carry it.
    if (seq > 1) {
      const part = join(dir, "part.ndjson");
      writeFileSync(part, await (await fetch(`${baseUrl()}/v1/exports/audit?from=2&to=${seq}`, { headers: auth() })).text());
      const inside = verifyAudit(part, "--public-key", keyFile);
      expect(inside.out).toMatch(/^OK: \d+ entries chained without a gap; [1-9]\d* signed checkpoint\(s\) verified/);
      expect(inside.status).toBe(0);
      writeFileSync(part, await (await fetch(`${baseUrl()}/v1/exports/audit?from=1&to=${seq - 1}`, { headers: auth() })).text());
      const before = verifyAudit(part, "--public-key", keyFile);
      // (Other e2e files may have signed earlier checkpoints on the shared stack.)
      expect(before.out).toMatch(/^OK: \d+ entries chained without a gap; (0 signed checkpoint\(s\) verified; no checkpoint inside the range: the chain is consistent, but nothing signed pins it|[1-9]\d* signed checkpoint\(s\) verified)/);
      expect(before.status).toBe(0);
    }

    // One byte of the first entry's action changed.
    const bytes = readFileSync(file);
    const at = bytes.indexOf('"action":"') + 10;
    bytes[at] = bytes[at]! ^ 1;
    writeFileSync(file, bytes);
    const bad = verifyAudit(file, "--public-key", keyFile);
    expect(bad.status).toBe(1);
    expect(bad.out).toMatch(/^FAIL: line 2 \(seq 1\): hash_mismatch/);
  });
});
