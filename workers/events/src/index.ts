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
type Message = EventMessage | DeliveryMessage;

async function queue(batch: MessageBatch<Message>, env: Env, _ctx?: ExecutionContext): Promise<void> {
  const deadLetters = batch.queue.includes("-dlq");
  // Messages of a batch are independent: one failing does not hold up the others.
  await Promise.all(
    batch.messages.map(async (message) => {
      const body = message.body;
      try {
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
          log("error", "events_unknown_message", { queue: batch.queue });
          message.ack();
        }
      } catch (err) {
        // D1 or the queue failed: the message comes back (the queue's own backoff).
        log("error", "events_message_failed", { queue: batch.queue, error: (err as Error).name, message: (err as Error).message.slice(0, 200) });
        message.retry();
      }
    }),
  );
}

async function scheduled(_controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
  ctx.waitUntil(sweep(env));
}

export default { queue, scheduled } satisfies ExportedHandler<Env, Message>;
