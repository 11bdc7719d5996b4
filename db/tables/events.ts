import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";

/**
 * The event outbox (written only by pkg/outbox.ts `outboxStatement`, in the same batch as the
 * change it announces; read by the events worker, which delivers it to webhook subscribers).
 * `payload` is JSON of ids, statuses, categories, levels and reason codes: never identity data
 * or post text. `relayed_at` is set once the event was handed to the `gatehouse-events` queue;
 * the events worker's sweeper relays rows still null after a short while.
 */
export const eventOutbox = sqliteTable(
  "event_outbox",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    subjectType: text("subject_type").notNull(),
    subjectId: text("subject_id").notNull(),
    occurredAt: integer("occurred_at").notNull(),
    payload: text("payload").notNull(),
    requestId: text("request_id"),
    relayedAt: integer("relayed_at"),
  },
  (t) => [
    index("event_outbox_relay_idx").on(t.relayedAt, t.occurredAt),
    index("event_outbox_subject_idx").on(t.subjectType, t.subjectId, t.occurredAt),
  ],
);
