import { createRoute, z } from "@hono/zod-openapi";
import { ACCOUNT_STATUSES } from "../../../../db/schema";
import { createRouter } from "../../../../pkg/app";
import { waitUntilOf } from "../../../../pkg/outbox";
import { createDb } from "../../../../pkg/db";
import { ApiError } from "../../../../pkg/errors";
import { requireRole } from "../../../../pkg/principal";
import { problemResponses } from "../../../../pkg/schemas";
import type { Deps, Env } from "../env";
import { startIdentityCheck } from "../identity-check";
import { registerPhoneCode, throttled, verifyPhoneCode } from "../phone-flow";
import { decryptIdentity, loadAccount } from "../repo";
import { AccountIdParam } from "../schemas";

const verify = createRoute({
  method: "post",
  path: "/v1/accounts/{id}/phone/verify",
  tags: ["accounts"],
  summary: "Verify the phone with the 6-digit code (app). Moves the account on to the identity check.",
  security: [{ bearer: [] }],
  middleware: [requireRole("app")] as const,
  request: {
    params: AccountIdParam,
    body: { required: true, content: { "application/json": { schema: z.object({ code: z.string().regex(/^\d{6}$/, "Six digits") }).strict().openapi("VerifyPhone") } } },
  },
  responses: {
    200: { description: "Phone verified", content: { "application/json": { schema: z.object({ id: z.string(), status: z.enum(ACCOUNT_STATUSES) }) } } },
    ...problemResponses(401, 403, 404, 409, 410, 415, 422, 429),
  },
});

const resend = createRoute({
  method: "post",
  path: "/v1/accounts/{id}/phone/resend",
  tags: ["accounts"],
  summary: "Send a new phone code (app): 60 s cooldown and hourly/daily caps per phone (429 with Retry-After).",
  security: [{ bearer: [] }],
  middleware: [requireRole("app")] as const,
  request: { params: AccountIdParam },
  responses: {
    202: { description: "Code sent", content: { "application/json": { schema: z.object({ codeSent: z.literal(true) }) } } },
    ...problemResponses(401, 403, 404, 409, 429, 502),
  },
});

export const phoneRoutes = (deps: Deps) =>
  createRouter<Env>()
    .openapi(verify, async (c) => {
      const { id } = c.req.valid("param");
      const db = createDb(c.env.DB);
      const principal = c.get("principal")!;
      const relay = { queue: c.env.EVENTS, ctx: waitUntilOf(c) };
      await verifyPhoneCode(c.env, db, deps, await loadAccount(db, id), c.req.valid("json").code, principal, c.get("requestId"), relay);
      const status = await startIdentityCheck(db, c.env, deps, id, principal, c.get("requestId"), relay);
      return c.json({ id, status }, 200);
    })
    .openapi(resend, async (c) => {
      const { id } = c.req.valid("param");
      const db = createDb(c.env.DB);
      const loaded = await loadAccount(db, id);
      if (loaded.account.status !== "pending_phone") {
        throw new ApiError(409, "invalid_transition", `An account that is ${loaded.account.status} has no phone to verify.`, { accountStatus: loaded.account.status });
      }
      const plain = loaded.vault?.phoneBidx ? await decryptIdentity(c.env, loaded.vault) : null;
      if (!plain || !loaded.vault?.phoneBidx) throw new ApiError(409, "code_not_active", "This account has no phone on record.");
      const result = await registerPhoneCode(c.env, db, deps, { accountId: id, phoneBidx: loaded.vault.phoneBidx, e164: plain.phone }, c.get("requestId"));
      if (result.codeSent) return c.json({ codeSent: true as const }, 202);
      if (result.reason === "sms_delivery_failed") throw new ApiError(502, "sms_delivery_failed", "The SMS gateway did not accept the message; retry after the cooldown.");
      throw throttled(result.reason, result.retryAfterSeconds ?? 60);
    });
