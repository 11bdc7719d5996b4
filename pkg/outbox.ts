import { sql, type SQL } from "drizzle-orm";
import type { AtomicStatement } from "./batch";
import { newId } from "./ids";

/** Every event Gatehouse announces to webhook subscribers (issue #16). */
export const EVENT_TYPES = [
  "post.removed",
  "post.restored",
  "post.labelled",
  "spread.level_crossed",
  "review.opened",
  "review.decided",
  "appeal.opened",
  "appeal.decided",
  "account.status_changed",
  "publisher.licence_changed",
  "report.resolved",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface OutboxEvent {
  type: EventType;
  /** What the event is about, e.g. `{ type: "post", id: "pst_…" }`. */
  subject: { type: string; id: string };
  /** Ids, statuses, categories, levels, decision ids, reason codes. Never identity data or post text. */
  payload: Record<string, unknown>;
  /** Milliseconds since the epoch; defaults to now. */
  occurredAt?: number;
}

/** One event's write: the statement to put in the change's batch, and the id the row gets. */
export interface OutboxWrite {
  id: string;
  statement: SQL;
}

/** The message on the `gatehouse-events` queue (consumed by the events worker). */
export interface EventMessage {
  kind: "event";
  eventId: string;
}

/**
 * Payload keys that would carry identity data or free text. A payload naming one is a
 * programming error: `outboxStatement` throws before anything is written.
 */
const FORBIDDEN_PAYLOAD_KEYS = new Set(["name", "legalName", "displayName", "phone", "documentNumber", "idNumber", "text", "content", "body", "statement", "reason", "note"]);

/**
 * The only writer of `event_outbox`: the statement of one event, to be put in the same
 * `runAtomic` batch (pkg/batch.ts) as the change it announces — or run inside the same
 * transaction — so a change and its event commit together or not at all.
 *
 * Returns `{ id, statement }`: `id` (`evt_…`, or `opts.id`) is the row's id, to hand to
 * `relayAfterCommit` once the batch committed. `onlyIf` (an SQL condition, e.g. the change's own
 * `WHERE`, or `changes() = 1` of the statement just before) writes the event only when the change
 * happened; then use `committedEventIds` to relay only the events that were written.
 */
export function outboxStatement(event: OutboxEvent, requestId: string | undefined | null, opts: { onlyIf?: SQL; id?: string } = {}): OutboxWrite {
  if (!(EVENT_TYPES as readonly string[]).includes(event.type)) throw new Error(`unknown event type ${event.type}`);
  for (const key of Object.keys(event.payload)) {
    if (FORBIDDEN_PAYLOAD_KEYS.has(key)) throw new Error(`event payload key ${key} may carry personal data or text`);
  }
  const id = opts.id ?? newId("evt");
  const values = sql`${id}, ${event.type}, ${event.subject.type}, ${event.subject.id}, ${event.occurredAt ?? Date.now()}, ${JSON.stringify(event.payload)}, ${requestId ?? null}`;
  const columns = sql`INSERT INTO event_outbox (id, type, subject_type, subject_id, occurred_at, payload, request_id)`;
  const statement = opts.onlyIf ? sql`${columns} SELECT ${values} WHERE ${opts.onlyIf}` : sql`${columns} VALUES (${values})`;
  return { id, statement };
}

/**
 * The ids of `writes` whose rows the committed batch actually inserted: each write's statement
 * is found in `statements` (by identity) and its result's `meta.changes` read. Use it for events
 * written with `onlyIf`.
 */
export function committedEventIds(statements: readonly AtomicStatement[], results: readonly D1Result[], writes: readonly OutboxWrite[]): string[] {
  const ids: string[] = [];
  for (const w of writes) {
    const i = statements.indexOf(w.statement);
    if (i >= 0 && (results[i]?.meta?.changes ?? 0) > 0) ids.push(w.id);
  }
  return ids;
}

/** Anything with `waitUntil`: a worker's ExecutionContext or a Durable Object's state. */
interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * After the batch committed: best effort, sends `{ kind: "event", eventId }` for each id to the
 * `EVENTS` queue (`gatehouse-events`) in the background (`ctx.waitUntil`), then, when `d1` is
 * given, marks those rows relayed. A failed or missing send only delays an event: the events
 * worker's sweeper relays rows left unrelayed. Never throws.
 */
export function relayAfterCommit(queue: Queue<EventMessage> | undefined, ctx: WaitUntil | undefined, eventIds: readonly string[], d1?: D1Database): void {
  if (!queue || eventIds.length === 0) return;
  const ids = [...new Set(eventIds)];
  const work = (async () => {
    try {
      // sendBatch takes at most 100 messages.
      for (let i = 0; i < ids.length; i += 100) {
        await queue.sendBatch(ids.slice(i, i + 100).map((eventId) => ({ body: { kind: "event", eventId } satisfies EventMessage, contentType: "json" as const })));
      }
      if (d1) {
        const at = Date.now();
        for (let i = 0; i < ids.length; i += 90) {
          const chunk = ids.slice(i, i + 90);
          await d1
            .prepare(`UPDATE event_outbox SET relayed_at = ? WHERE relayed_at IS NULL AND id IN (${chunk.map(() => "?").join(", ")})`)
            .bind(at, ...chunk)
            .run();
        }
      }
    } catch {
      // The sweeper relays what was not marked; nothing to log (ids only, and no caller waits).
    }
  })();
  if (ctx) ctx.waitUntil(work);
}
