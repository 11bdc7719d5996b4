import { sql, type SQL } from "drizzle-orm";
import type { AtomicStatement } from "./batch";
import { newId } from "./ids";
import { log } from "./log";

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

/** One statement writing many events of one type: its rows' ids all start with `idPrefix + "_"`. */
export interface OutboxRowsWrite {
  idPrefix: string;
  statement: SQL;
}

/**
 * Many events of one type from a query, for changes that act on a set of rows in one statement
 * (e.g. every report that followed a decided item). `rows` is a SELECT yielding the columns
 * `subject_id` and `payload` (JSON text, e.g. from `json_object(...)`: ids, statuses and codes
 * only). Row ids are `<idPrefix>_<n>`; relay them with `relayRowsAfterCommit`.
 */
export function outboxRowsStatement(p: { type: EventType; subjectType: string; rows: SQL; occurredAt?: number }, requestId: string | undefined | null, opts: { idPrefix?: string } = {}): OutboxRowsWrite {
  if (!(EVENT_TYPES as readonly string[]).includes(p.type)) throw new Error(`unknown event type ${p.type}`);
  const idPrefix = opts.idPrefix ?? newId("evt");
  const statement = sql`INSERT INTO event_outbox (id, type, subject_type, subject_id, occurred_at, payload, request_id)
    SELECT ${idPrefix} || '_' || (row_number() OVER ()), ${p.type}, ${p.subjectType}, e.subject_id, ${p.occurredAt ?? Date.now()}, e.payload, ${requestId ?? null}
    FROM (${p.rows}) AS e`;
  return { idPrefix, statement };
}

/** The ids of the events an `outboxRowsStatement` wrote (a primary-key range read). */
export async function outboxRowIds(d1: D1Database, idPrefix: string): Promise<string[]> {
  // Ids are `<prefix>_<n>`: every one sorts between `<prefix>_` and `<prefix>\`` ('`' follows '_').
  const { results } = await d1.prepare("SELECT id FROM event_outbox WHERE id > ?1 AND id < ?2").bind(`${idPrefix}_`, `${idPrefix}\``).all<{ id: string }>();
  return results.map((r) => r.id);
}

/** Anything with `waitUntil`: a worker's ExecutionContext or a Durable Object's state. */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * A Hono context's `executionCtx`, or undefined when the request has none (Hono throws on
 * access then, e.g. an app called as `app.fetch(request, env)` in tests).
 */
export function waitUntilOf(c: { readonly executionCtx: WaitUntil }): WaitUntil | undefined {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}

async function relay(queue: Queue<EventMessage>, eventIds: readonly string[], d1: D1Database | undefined): Promise<void> {
  const ids = [...new Set(eventIds)];
  if (ids.length === 0) return;
  // sendBatch takes at most 100 messages.
  for (let i = 0; i < ids.length; i += 100) {
    await queue.sendBatch(ids.slice(i, i + 100).map((eventId) => ({ body: { kind: "event", eventId } satisfies EventMessage, contentType: "json" as const })));
  }
  if (!d1) return;
  const at = Date.now();
  for (let i = 0; i < ids.length; i += 90) {
    const chunk = ids.slice(i, i + 90);
    await d1
      .prepare(`UPDATE event_outbox SET relayed_at = ? WHERE relayed_at IS NULL AND id IN (${chunk.map(() => "?").join(", ")})`)
      .bind(at, ...chunk)
      .run();
  }
}

function inBackground(ctx: WaitUntil | undefined, work: () => Promise<void>): void {
  // A failed send only delays the event: the events worker's sweeper relays rows left unrelayed.
  const p = work().catch((err: unknown) => log("warn", "event_relay_failed", { error: (err as Error)?.name ?? "Error" }));
  if (ctx) ctx.waitUntil(p);
}

/**
 * After the batch committed: best effort, sends `{ kind: "event", eventId }` for each id to the
 * `EVENTS` queue (`gatehouse-events`) in the background (`ctx.waitUntil`), then, when `d1` is
 * given, marks those rows relayed (`relayed_at`). A failed or missing send only delays an event:
 * the events worker's sweeper relays rows left unrelayed. Never throws. An id whose row was not
 * written (a refused `onlyIf`) is harmless: the consumer finds no row and drops it — but prefer
 * `committedEventIds`.
 */
export function relayAfterCommit(queue: Queue<EventMessage> | undefined, ctx: WaitUntil | undefined, eventIds: readonly string[], d1?: D1Database): void {
  if (!queue || eventIds.length === 0) return;
  inBackground(ctx, () => relay(queue, eventIds, d1));
}

/** `relayAfterCommit` for the rows of `outboxRowsStatement`s (their ids are read first). */
export function relayRowsAfterCommit(queue: Queue<EventMessage> | undefined, ctx: WaitUntil | undefined, d1: D1Database, writes: readonly OutboxRowsWrite[]): void {
  if (!queue || writes.length === 0) return;
  inBackground(ctx, async () => {
    const ids: string[] = [];
    for (const w of writes) ids.push(...(await outboxRowIds(d1, w.idPrefix)));
    await relay(queue, ids, d1);
  });
}
