import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import { identityVault, idvWebhookEvents } from "../../../../db/schema";
import { createRouter } from "../../../../pkg/app";
import { waitUntilOf } from "../../../../pkg/outbox";
import { createDb } from "../../../../pkg/db";
import { ApiError } from "../../../../pkg/errors";
import { log } from "../../../../pkg/log";
import { problemResponses } from "../../../../pkg/schemas";
import type { Deps, Env } from "../env";
import { verifyWebhookSignature } from "../identity-verifier";
import { sendToReview } from "../identity-check";
import { errorText } from "../../../../pkg/batch";
import { IDV_ACTOR, loadAccount, transition } from "../repo";

export const SIGNATURE_HEADER = "x-idv-signature";

const IdentityEvent = z
  .object({
    eventId: z.string().min(1).max(200),
    checkId: z.string().min(1).max(200),
    reference: z.string().min(1).max(200).openapi({ description: "Our account id, as sent with the check" }),
    result: z.enum(["match", "no_match", "inconclusive"]),
  })
  .openapi("IdentityProviderEvent");

/** Runs before body validation: nothing about an unsigned body is answered but 401. */
const signed = (deps: Deps): MiddlewareHandler<{ Bindings: Env }> => async (c, next) => {
  const secret = c.env.IDV_WEBHOOK_SECRET;
  if (!secret || secret.length < 16) {
    log("error", "registration_misconfigured", { what: "IDV_WEBHOOK_SECRET" });
    throw new ApiError(503, "webhook_unavailable", "Identity webhooks are not configured on this deployment.");
  }
  const verdict = await verifyWebhookSignature(secret, await c.req.text(), c.req.header(SIGNATURE_HEADER), deps.now());
  if (verdict === "missing") throw new ApiError(401, "webhook_signature_missing", `Sign the raw body and send the ${SIGNATURE_HEADER} header.`);
  if (verdict === "stale") throw new ApiError(401, "webhook_timestamp_stale", "The signature timestamp is more than five minutes from now.");
  if (verdict === "invalid") throw new ApiError(401, "webhook_signature_invalid", "The signature does not match the body.");
  await next();
};

const identityWebhook = (deps: Deps) =>
  createRoute({
    method: "post",
    path: "/v1/webhooks/identity",
    tags: ["webhooks"],
    summary: `Identity-provider result (no key; HMAC-SHA256 over "<t>.<raw body>" in ${SIGNATURE_HEADER}: t=<unix s>,v1=<hex>). De-duplicated by eventId.`,
    middleware: [signed(deps)] as const,
    request: { body: { required: true, content: { "application/json": { schema: IdentityEvent } } } },
    responses: {
      200: {
        description: "Processed (or a duplicate, or ignored)",
        content: { "application/json": { schema: z.object({ eventId: z.string(), outcome: z.enum(["verified", "under_review", "duplicate", "ignored"]) }) } },
      },
      ...problemResponses(401, 415, 422, 503),
    },
  });

export const webhookRoutes = (deps: Deps) =>
  createRouter<Env>().openapi(identityWebhook(deps), async (c) => {
    const event = c.req.valid("json");
    const db = createDb(c.env.DB);
    const now = deps.now();
    const seen = await db.select({ id: idvWebhookEvents.eventId }).from(idvWebhookEvents).where(eq(idvWebhookEvents.eventId, event.eventId)).get();
    if (seen) return c.json({ eventId: event.eventId, outcome: "duplicate" as const }, 200);

    const record = (outcome: string, accountId: string | null) =>
      db.insert(idvWebhookEvents).values({ eventId: event.eventId, accountId, outcome, receivedAt: now });
    const vault = await db.select().from(identityVault).where(eq(identityVault.accountId, event.reference)).get();
    const loaded = vault ? await loadAccount(db, event.reference) : null;
    // Unknown, superseded or already decided checks are acknowledged (so the provider stops retrying) and recorded.
    if (!loaded || vault?.checkRef !== event.checkId || loaded.account.status !== "pending_identity") {
      await record("ignored", loaded ? event.reference : null).onConflictDoNothing();
      return c.json({ eventId: event.eventId, outcome: "ignored" as const }, 200);
    }
    try {
      if (event.result === "match") {
        await transition(db, loaded, "identity_matched", {
          actor: IDV_ACTOR,
          requestId: c.get("requestId"),
          now,
          audit: { action: "identity.provider_matched", details: { eventId: event.eventId } },
          extra: [record("verified", event.reference)],
          relay: { queue: c.env.EVENTS, ctx: waitUntilOf(c) },
        });
        return c.json({ eventId: event.eventId, outcome: "verified" as const }, 200);
      }
      await sendToReview(db, loaded, `provider_${event.result}`, {
        actor: IDV_ACTOR,
        requestId: c.get("requestId"),
        now,
        extra: [record("under_review", event.reference)],
        relay: { queue: c.env.EVENTS, ctx: waitUntilOf(c) },
      });
      return c.json({ eventId: event.eventId, outcome: "under_review" as const }, 200);
    } catch (err) {
      // A concurrent delivery of the same event won the race: that is a duplicate, not an error.
      if (errorText(err).includes("idv_webhook_events.event_id") || (err instanceof ApiError && err.code === "concurrent_change")) {
        return c.json({ eventId: event.eventId, outcome: "duplicate" as const }, 200);
      }
      throw err;
    }
  });
