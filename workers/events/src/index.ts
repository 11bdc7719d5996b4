import { log } from "../../../pkg/log";
import type { EventMessage } from "../../../pkg/outbox";
import { deliver, markDead } from "./deliver";
import type { DeliveryMessage, Env } from "./env";
import { fanOut } from "./fanout";
import { sweep } from "./sweeper";

/**
 * The events worker (no routes): gatehouse-events fans events out to deliveries,
 * gatehouse-deliveries POSTs them signed (retrying with backoff), the dead-letter queue marks
 * deliveries out of retries dead, and a cron relays what the after-commit relay missed.
 */
type QueueBody = EventMessage | DeliveryMessage;

/** Longest one message may take before it is handed back to the queue (an attempt's own timeout is far shorter). */
const MESSAGE_GUARD_MS = 60_000;

/** One message: acknowledged, or retried (with a delay when a delivery attempt failed). */
async function handle(message: Message<QueueBody>, env: Env, deadLetters: boolean): Promise<void> {
  const body = message.body;
  if (body?.kind === "event") {
    await fanOut(env, body.eventId);
    message.ack();
  } else if (body?.kind === "delivery" && deadLetters) {
    await markDead(env, body.deliveryId);
    message.ack();
  } else if (body?.kind === "delivery") {
    const outcome = await deliver(env, body.deliveryId);
    if (outcome.ack) message.ack();
    else message.retry({ delaySeconds: outcome.delaySeconds });
  } else {
    log("error", "events_unknown_message", {});
    message.ack();
  }
}

async function queue(batch: MessageBatch<QueueBody>, env: Env, _ctx?: ExecutionContext): Promise<void> {
  const deadLetters = batch.queue.includes("-dlq");
  // Messages of a batch are independent: one failing does not hold up the others, and none may
  // hold up the batch for long (a consumer that does not return stalls its queue).
  await Promise.all(
    batch.messages.map(async (message) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          handle(message, env, deadLetters),
          new Promise<never>((_, fail) => {
            timer = setTimeout(() => fail(Object.assign(new Error("message took too long"), { name: "MessageOverran" })), MESSAGE_GUARD_MS);
          }),
        ]);
      } catch (err) {
        // D1 or the queue failed, or the message overran: it comes back (the queue's own backoff).
        log("error", "events_message_failed", { queue: batch.queue, error: (err as Error).name, message: (err as Error).message.slice(0, 200) });
        message.retry();
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

async function scheduled(_controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
  ctx.waitUntil(sweep(env));
}

export default { queue, scheduled } satisfies ExportedHandler<Env, QueueBody>;
