import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../../../../pkg/app";
import { ApiError } from "../../../../pkg/errors";
import { requireRole } from "../../../../pkg/principal";
import { isoOrNull, problemResponses } from "../../../../pkg/schemas";
import { auditChain } from "../audit-chain";
import { signingKey, type Checkpoint } from "../audit-signing";
import { verifyChain } from "../audit-verify";
import type { Env } from "../env";

/** `from`/`to` of a chain range: sequence numbers, inclusive; `from` ≤ `to`. */
export const SeqRangeQuerySchema = z.object({
  from: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().openapi({ description: "First sequence number (default 1)" }),
  to: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().openapi({ description: "Last sequence number (default: the head)" }),
});

/** 422 when `from` > `to`: an empty range is a caller's mistake, not an empty answer. */
export function checkRange(q: { from?: number; to?: number }): void {
  if (q.from !== undefined && q.to !== undefined && q.from > q.to) {
    throw new ApiError(422, "validation_failed", "Some fields are missing or invalid; see `errors`.", {
      errors: [{ field: "to", code: "RANGE", message: "`to` must not be below `from`." }],
    });
  }
}

const CheckpointSchema = z
  .object({
    seq: z.number().int(),
    headHash: z.string(),
    signedAt: z.string(),
    keyId: z.string(),
    signature: z.string().openapi({ description: "base64 Ed25519 signature of the checkpoint message (see the moderation README)" }),
  })
  .openapi("AuditCheckpoint");

export function checkpointView(c: Checkpoint) {
  return { seq: c.seq, headHash: c.headHash, signedAt: isoOrNull(c.signedAt)!, keyId: c.keyId, signature: c.signature };
}

const verifyAudit = createRoute({
  method: "get",
  path: "/v1/audit/verify",
  tags: ["moderation"],
  summary: "Chains pending entries, then recomputes the chain over from..to and names the first broken link (operator).",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  request: { query: SeqRangeQuerySchema },
  responses: {
    200: {
      description: "The verdict; `ok: false` is a finding, not an error",
      content: {
        "application/json": {
          schema: z.object({
            ok: z.boolean(),
            from: z.number().int(),
            to: z.number().int(),
            checked: z.number().int(),
            firstBroken: z
              .object({ seq: z.number().int(), reason: z.enum(["missing", "prev_hash_mismatch", "hash_mismatch", "checkpoint_mismatch", "checkpoint_signature_invalid"]) })
              .nullable(),
          }),
        },
      },
    },
    ...problemResponses(401, 403, 422, 503),
  },
});

const createCheckpoint = createRoute({
  method: "post",
  path: "/v1/audit/checkpoints",
  tags: ["moderation"],
  summary: "Chains pending entries and signs a checkpoint of the head (operator); the daily cron does the same.",
  security: [{ bearer: [] }],
  middleware: [requireRole("operator")] as const,
  responses: {
    201: { description: "A new checkpoint", content: { "application/json": { schema: CheckpointSchema } } },
    200: { description: "The head was already signed: its checkpoint", content: { "application/json": { schema: CheckpointSchema } } },
    ...problemResponses(401, 403, 409, 503),
  },
});

const publicKey = createRoute({
  method: "get",
  path: "/v1/audit/public-key",
  tags: ["moderation"],
  summary: "The Ed25519 public key that verifies audit checkpoints (no key needed).",
  security: [],
  responses: {
    200: {
      description: "The public key",
      content: {
        "application/json": {
          schema: z
            .object({
              algorithm: z.literal("Ed25519"),
              keyId: z.string(),
              publicKey: z.string().openapi({ description: "raw 32-byte key, base64" }),
              jwk: z.object({ kty: z.literal("OKP"), crv: z.literal("Ed25519"), x: z.string() }),
              pem: z.string(),
            })
            .openapi("AuditPublicKey"),
        },
      },
    },
    ...problemResponses(503),
  },
});

export const auditChainRoutes = createRouter<Env>()
  .openapi(verifyAudit, async (c) => {
    const q = c.req.valid("query");
    checkRange(q);
    await auditChain(c.env).chain();
    return c.json(await verifyChain(c.env.DB, c.env, q), 200);
  })
  .openapi(createCheckpoint, async (c) => {
    await signingKey(c.env); // 503 before any work when the key is missing
    const { checkpoint, created } = await auditChain(c.env).checkpoint(c.get("principal")!, c.get("requestId") ?? null, Date.now());
    if (!checkpoint) throw new ApiError(409, "audit_log_empty", "The audit log has no entries yet: there is nothing to sign.");
    return c.json(checkpointView(checkpoint), created ? 201 : 200);
  })
  .openapi(publicKey, async (c) => {
    const key = await signingKey(c.env);
    c.header("cache-control", "public, max-age=300");
    return c.json(key.publicKey, 200);
  });
