/** Reads of the event outbox (pkg/outbox.ts) for the workers' tests. */
export interface EventRow {
  id: string;
  type: string;
  subjectType: string;
  subjectId: string;
  occurredAt: number;
  payload: Record<string, unknown>;
  requestId: string | null;
  relayedAt: number | null;
}

/** The outbox rows of `type` (optionally of one subject id), oldest first. */
export async function eventsOf(db: D1Database, type: string, subjectId?: string): Promise<EventRow[]> {
  const { results } = await db
    .prepare("SELECT * FROM event_outbox WHERE type = ?1 AND (?2 IS NULL OR subject_id = ?2) ORDER BY occurred_at, id")
    .bind(type, subjectId ?? null)
    .all<{ id: string; type: string; subject_type: string; subject_id: string; occurred_at: number; payload: string; request_id: string | null; relayed_at: number | null }>();
  return results.map((r) => ({
    id: r.id,
    type: r.type,
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    occurredAt: r.occurred_at,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    requestId: r.request_id,
    relayedAt: r.relayed_at,
  }));
}

/** Events whose payload names `key: value` (e.g. the review item of a post). */
export async function eventsWhere(db: D1Database, type: string, key: string, value: unknown): Promise<EventRow[]> {
  return (await eventsOf(db, type)).filter((e) => e.payload[key] === value);
}
