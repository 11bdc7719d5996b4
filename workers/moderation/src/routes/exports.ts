import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../../../../pkg/app";
import { auditStatement } from "../../../../pkg/audit";
import { runAtomic } from "../../../../pkg/batch";
import { requireRole } from "../../../../pkg/principal";
import { problemResponses } from "../../../../pkg/schemas";
import { auditChain, toChainEntry, type AuditRow } from "../audit-chain";
import { signingKey, type Checkpoint } from "../audit-signing";
import type { Env } from "../env";
import { checkRange, SeqRangeQuerySchema } from "./audit-chain";

/** Entries read from D1 per page of the stream. */
export const EXPORT_PAGE = 500;
export const EXPORT_FORMAT = "gatehouse-audit-export/1";

const exportAudit = createRoute({
  method: "get",
  path: "/v1/exports/audit",
  tags: ["moderation"],
  summary: "The audit chain from..to as NDJSON, with the signed checkpoints inside the range (operator); streamed; audited.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: { query: SeqRangeQuerySchema.extend({ format: z.enum(["ndjson"]).default("ndjson") }) },
  responses: {
    200: {
      description:
        "One JSON object per line: a `header` (range, public key), an `entry` per sequence number (chain fields and the hashed entry), a `checkpoint` after the entry it signs, an `end` with counts. `scripts/verify-audit.mjs FILE` verifies it offline.",
      content: { "application/x-ndjson": { schema: z.string() } },
    },
    ...problemResponses(401, 403, 422),
  },
});

export const exportRoutes = createRouter<Env>().openapi(exportAudit, async (c) => {
  const q = c.req.valid("query");
  checkRange(q);
  const { head } = await auditChain(c.env).chain();
  const from = q.from ?? 1;
  const to = Math.min(q.to ?? head?.seq ?? 0, head?.seq ?? 0);
  let publicKey = null;
  try {
    publicKey = (await signingKey(c.env)).publicKey;
  } catch {
    // No signing key configured: the export still carries the chain; the verifier needs --public-key.
  }
  // The export is itself a recorded act, written before the first byte is sent.
  await runAtomic(c.env.DB, [
    auditStatement(c.get("principal")!, c.get("requestId"), {
      action: "audit.export",
      subjectType: "audit_log",
      subjectId: `${from}-${to}`,
      details: { from, to, format: q.format },
    }),
  ]);
  const db: D1Database = c.env.DB;
  const encoder = new TextEncoder();
  let next = from;
  let entries = 0;
  let checkpoints = 0;
  let started = false;
  let done = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      // One page per pull: the stream holds at most one page, however long the range.
      async pull(controller) {
        if (!started) {
          started = true;
          controller.enqueue(encoder.encode(JSON.stringify({ type: "header", format: EXPORT_FORMAT, from, to, exportedAt: new Date().toISOString(), publicKey }) + "\n"));
          return;
        }
        if (done) return;
        if (next > to) {
          done = true;
          controller.enqueue(encoder.encode(JSON.stringify({ type: "end", entries, checkpoints }) + "\n"));
          controller.close();
          return;
        }
        const last = Math.min(to, next + EXPORT_PAGE - 1);
        const [{ results: rows }, { results: marks }] = await Promise.all([
          db.prepare("SELECT * FROM audit_log WHERE seq BETWEEN ? AND ? ORDER BY seq").bind(next, last).all<AuditRow>(),
          db
            .prepare("SELECT seq, head_hash AS headHash, signed_at AS signedAt, key_id AS keyId, signature FROM audit_checkpoints WHERE seq BETWEEN ? AND ? ORDER BY seq")
            .bind(next, last)
            .all<Checkpoint>(),
        ]);
        const markAt = new Map(marks.map((m) => [m.seq, m]));
        let chunk = "";
        for (const row of rows) {
          chunk += JSON.stringify({ type: "entry", seq: row.seq, prevHash: row.prev_hash, hash: row.hash, entry: toChainEntry(row) }) + "\n";
          entries += 1;
          const mark = markAt.get(row.seq!);
          if (mark) {
            chunk += JSON.stringify({ type: "checkpoint", ...mark }) + "\n";
            checkpoints += 1;
          }
        }
        next = last + 1;
        controller.enqueue(encoder.encode(chunk));
      },
    },
    { highWaterMark: 1 },
  );
  // A streamed body is not a typed JSON response: the route's schema documents it instead.
  return new Response(stream, {
    status: 200,
    headers: {
      "content-type": "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="gatehouse-audit-${from}-${to}.ndjson"`,
      "cache-control": "no-store",
    },
  }) as never;
});
