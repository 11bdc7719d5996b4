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
import { ApiError } from "../../../../pkg/errors";
import { reviewExportStream } from "../review-export";

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

/** An instant of the range: an RFC 3339 date-time with its offset, or a date (midnight UTC). */
const Instant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((v) => Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v))
  .openapi({ type: "string", example: "2026-12-01T00:00:00Z" });

const exportReviews = createRoute({
  method: "get",
  path: "/v1/exports/reviews",
  tags: ["moderation"],
  summary:
    "Every moderation decision made in from..to (operator), with its signals, action and outcome, the post's content and evidence hashes (never the text) and its appeal's outcome; streamed as CSV or NDJSON; audited.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: {
    query: z.object({
      from: Instant.optional().openapi({ description: "Decisions made at or after this instant (RFC 3339 date-time, or a date: midnight UTC). Default: the first." }),
      to: Instant.optional().openapi({ description: "Decisions made before this instant. Default: now." }),
      format: z.enum(["csv", "ndjson"]).default("ndjson").openapi({ description: "`csv` (RFC 4180, a header row) or `ndjson` (a header, a `decision` per line, an `end` with the count)" }),
    }),
  },
  responses: {
    200: {
      description:
        "Decisions in the order made (decided_at, id). NDJSON: a `header`, a `decision` object per line, an `end` with the count. CSV: a header row, one row per decision (signals and outcome as JSON cells; a cell starting with = + - @ is prefixed with `'`).",
      content: { "application/x-ndjson": { schema: z.string() }, "text/csv": { schema: z.string() } },
    },
    ...problemResponses(401, 403, 422),
  },
});

export const exportRoutes = createRouter<Env>()
  .openapi(exportReviews, async (c) => {
    const q = c.req.valid("query");
    const from = q.from ?? 0;
    const to = q.to ?? Date.now();
    if (from >= to) {
      throw new ApiError(422, "validation_failed", "Some fields are missing or invalid; see `errors`.", {
        errors: [{ field: "to", code: "RANGE", message: "`to` must be after `from`." }],
      });
    }
    const range = `${new Date(from).toISOString()}/${new Date(to).toISOString()}`;
    // The export is itself a recorded act, written before the first byte is sent.
    await runAtomic(c.env.DB, [
      auditStatement(c.get("principal")!, c.get("requestId"), {
        action: "reviews.export",
        subjectType: "moderation_decisions",
        subjectId: range,
        details: { from: new Date(from).toISOString(), to: new Date(to).toISOString(), format: q.format },
      }),
    ]);
    const stream = reviewExportStream(c.env.DB, { from, to, format: q.format, exportedAt: new Date().toISOString() });
    const stamp = (ms: number) => new Date(ms).toISOString().replace(/[:.]/g, "-");
    return new Response(stream, {
      status: 200,
      headers: {
        "content-type": q.format === "csv" ? "text/csv; charset=utf-8; header=present" : "application/x-ndjson; charset=utf-8",
        "content-disposition": `attachment; filename="gatehouse-reviews-${stamp(from)}-${stamp(to)}.${q.format === "csv" ? "csv" : "ndjson"}"`,
        "cache-control": "no-store",
      },
    }) as never;
  })
  .openapi(exportAudit, async (c) => {
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
