import { sql, type SQL } from "drizzle-orm";
import { runAtomic } from "../../../pkg/batch";
import { intVar } from "../../../pkg/config";
import { newId } from "../../../pkg/ids";
import { log } from "../../../pkg/log";
import { openWebhookSecret, webhookKeys } from "../../../pkg/webhook-secrets";
import type { Env } from "./env";
import { loadEvent, type EventRow } from "./fanout";
import { signedHeaders } from "./signing";

/** An attempt's error when the delivery could not be signed (webhook master keys): not the endpoint's failure. */
export const SIGNING_UNAVAILABLE = "signing_unavailable";

/** What one message of gatehouse-deliveries led to: acknowledge it, or retry it after `delaySeconds`. */
export type DeliveryOutcome = { ack: true; result: "succeeded" | "skipped" | "not_due" } | { ack: false; delaySeconds: number };

export interface DeliverySettings {
  timeoutMs: number;
  retryBaseSeconds: number;
  retryCapSeconds: number;
  disableAfterMs: number;
}

export function settings(env: Env): DeliverySettings {
  return {
    timeoutMs: intVar(env.WEBHOOK_TIMEOUT_MS, 10_000, 100, 30_000),
    retryBaseSeconds: intVar(env.WEBHOOK_RETRY_BASE_SECONDS, 30, 0, 43_200),
    retryCapSeconds: intVar(env.WEBHOOK_RETRY_CAP_SECONDS, 21_600, 0, 43_200),
    disableAfterMs: intVar(env.WEBHOOK_DISABLE_AFTER_HOURS, 72, 1, 24 * 90) * 3_600_000,
  };
}

/** The wait before retry `attempt + 1`, after `attempt` failed attempts: exponential, capped. */
export function backoffSeconds(attempt: number, s: Pick<DeliverySettings, "retryBaseSeconds" | "retryCapSeconds">): number {
  return Math.min(s.retryCapSeconds, s.retryBaseSeconds * 2 ** Math.max(0, attempt - 1));
}

interface DeliveryRow {
  id: string;
  event_id: string;
  endpoint_id: string;
  status: string;
  attempts: number;
  url: string | null;
  enabled: number | null;
  deleted_at: number | null;
}

/** The body every endpoint receives for an event (Standard Webhooks: `type`, `timestamp`, `data`). */
export function eventBody(e: EventRow): string {
  return JSON.stringify({
    id: e.id,
    type: e.type,
    timestamp: new Date(e.occurred_at).toISOString(),
    subject: { type: e.subject_type, id: e.subject_id },
    data: JSON.parse(e.payload) as unknown,
  });
}

/** Printable ASCII only, at most 200 characters: what the log keeps of a failed answer. */
function excerpt(text: string): string | null {
  const clean = text.replace(/[^\x20-\x7E]+/g, " ").replace(/ {2,}/g, " ").trim().slice(0, 200);
  return clean || null;
}

async function readExcerpt(res: Response): Promise<string | null> {
  if (!res.body) return null;
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < 1024) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    return null;
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return excerpt(new TextDecoder().decode(bytes.slice(0, 1024)));
}

/**
 * One attempt of one delivery. A lease on the row makes concurrent copies of a message one
 * attempt; a finished delivery is not sent again (a manual retry makes it `pending` first).
 * The attempt, the delivery's state and the endpoint's failure run are written in one batch.
 */
export async function deliver(env: Env, deliveryId: string, s: DeliverySettings = settings(env)): Promise<DeliveryOutcome> {
  const row = await env.DB.prepare(
    `SELECT d.id, d.event_id, d.endpoint_id, d.status, d.attempts, e.url, e.enabled, e.deleted_at
     FROM webhook_deliveries d LEFT JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = ?`,
  )
    .bind(deliveryId)
    .first<DeliveryRow>();
  if (!row || (row.status !== "pending" && row.status !== "retrying")) return { ack: true, result: "not_due" };
  const now = Date.now();
  if (!row.url || row.deleted_at !== null || !row.enabled) {
    await skip(env, row.id, row.deleted_at !== null || !row.url ? "endpoint_deleted" : "endpoint_disabled", now);
    return { ack: true, result: "skipped" };
  }
  // The registry checked the URL; plain http reaches only a local stack's receivers.
  if (!row.url.startsWith("https://") && env.WEBHOOK_ALLOW_LOCAL !== "1") {
    await skip(env, row.id, "endpoint_url_refused", now);
    return { ack: true, result: "skipped" };
  }
  const event = await loadEvent(env, row.event_id);
  if (!event) {
    await skip(env, row.id, "event_missing", now);
    return { ack: true, result: "skipped" };
  }

  // The lease: one attempt at a time per delivery, whatever the number of message copies.
  const leased = await env.DB.prepare(
    `UPDATE webhook_deliveries SET attempts = attempts + 1, lease_until = ?, updated_at = ?
     WHERE id = ? AND status IN ('pending', 'retrying') AND (lease_until IS NULL OR lease_until < ?) RETURNING attempts`,
  )
    .bind(now + s.timeoutMs + 5_000, now, row.id, now)
    .first<{ attempts: number }>();
  if (!leased) {
    // Another copy holds the lease: look again when it ends (finished by then, or its holder died).
    const held = await env.DB.prepare("SELECT status, lease_until FROM webhook_deliveries WHERE id = ?").bind(row.id).first<{ status: string; lease_until: number | null }>();
    if (!held || (held.status !== "pending" && held.status !== "retrying") || held.lease_until === null) return { ack: true, result: "not_due" };
    return { ack: false, delaySeconds: Math.max(1, Math.ceil((held.lease_until - now) / 1000)) };
  }
  const attempt = leased.attempts;

  const { results: secrets } = await env.DB.prepare("SELECT secret FROM webhook_secrets WHERE endpoint_id = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY created_at DESC")
    .bind(row.endpoint_id, now)
    .all<{ secret: string }>();
  const body = eventBody(event);
  const started = Date.now();
  let statusCode: number | null = null;
  let errorClass: string | null = null;
  let responseExcerpt: string | null = null;
  let signing: string[] = [];
  // The keys are read only for an endpoint with a live secret (one without has nothing to sign with).
  if (secrets.length) {
    try {
      const keys = await webhookKeys(env);
      signing = await Promise.all(secrets.map((r) => openWebhookSecret(keys, row.endpoint_id, r.secret)));
    } catch (err) {
      // Gatehouse's failure, not the receiver's (keys missing or rotated away, a secret that does
      // not open): logged without any secret, retried, and not counted against the endpoint.
      log("error", "webhook_signing_failed", { deliveryId: row.id, endpointId: row.endpoint_id, error: (err as Error).name });
      errorClass = SIGNING_UNAVAILABLE;
    }
  }
  if (errorClass === null && signing.length === 0) errorClass = "endpoint_unavailable";
  if (errorClass === null) {
    try {
      const headers = await signedHeaders(
        signing,
        event.id,
        Math.floor(started / 1000),
        body,
      );
      const res = await fetch(row.url, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", "user-agent": "Gatehouse-Webhooks/1" },
        body,
        // A redirect is the receiver's failure, never followed: the URL was checked, its target was not.
        redirect: "manual",
        signal: AbortSignal.timeout(s.timeoutMs),
      });
      statusCode = res.status;
      if (res.status >= 200 && res.status < 300) await res.body?.cancel();
      else {
        errorClass = "http_status";
        responseExcerpt = await readExcerpt(res);
      }
    } catch (err) {
      const name = (err as Error).name;
      errorClass = name === "TimeoutError" || name === "AbortError" ? "timeout" : "network";
    }
  }
  const finished = Date.now();
  const latencyMs = finished - started;
  const ok = errorClass === null;
  const delaySeconds = ok ? 0 : backoffSeconds(attempt, s);
  const nextRetryAt = ok ? null : finished + delaySeconds * 1000;

  const statements: SQL[] = [
    sql`INSERT INTO webhook_delivery_attempts (id, delivery_id, attempt, started_at, status_code, latency_ms, error_class, response_excerpt, next_retry_at)
      VALUES (${newId("att")}, ${row.id}, ${attempt}, ${started}, ${statusCode}, ${latencyMs}, ${errorClass}, ${responseExcerpt}, ${nextRetryAt})
      ON CONFLICT(delivery_id, attempt) DO NOTHING`,
  ];
  if (ok) {
    statements.push(
      sql`UPDATE webhook_deliveries SET status = 'succeeded', succeeded_at = ${finished}, lease_until = NULL, next_attempt_at = NULL, last_status_code = ${statusCode}, last_error = NULL, updated_at = ${finished} WHERE id = ${row.id}`,
      sql`UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ${row.endpoint_id} AND failing_since IS NOT NULL`,
    );
  } else {
    statements.push(
      sql`UPDATE webhook_deliveries SET status = 'retrying', lease_until = NULL, next_attempt_at = ${nextRetryAt}, last_status_code = ${statusCode}, last_error = ${errorClass}, updated_at = ${finished} WHERE id = ${row.id}`,
      ...(errorClass === SIGNING_UNAVAILABLE ? [] : failureStatements(row.endpoint_id, started, finished, s)),
    );
  }
  await runAtomic(env.DB, statements);
  log(ok ? "info" : "warn", "webhook_attempt", { deliveryId: row.id, endpointId: row.endpoint_id, attempt, status: statusCode, error: errorClass, ms: latencyMs });
  if (ok) return { ack: true, result: "succeeded" };
  const endpoint = await env.DB.prepare("SELECT enabled FROM webhook_endpoints WHERE id = ?").bind(row.endpoint_id).first<{ enabled: number }>();
  if (!endpoint?.enabled) return { ack: true, result: "skipped" };
  return { ack: false, delaySeconds };
}

/**
 * A failed attempt continues (or starts) the endpoint's run of failures; a run as long as
 * `disableAfterMs` disables the endpoint with a reason its owner sees, and what was still
 * waiting for it is skipped.
 */
export function failureStatements(endpointId: string, attemptAt: number, now: number, s: Pick<DeliverySettings, "disableAfterMs">): SQL[] {
  const threshold = now - s.disableAfterMs;
  return [
    sql`UPDATE webhook_endpoints SET failing_since = ${attemptAt} WHERE id = ${endpointId} AND failing_since IS NULL`,
    sql`UPDATE webhook_endpoints SET enabled = 0, disabled_reason = 'failing', disabled_at = ${now}, updated_at = ${now}
      WHERE id = ${endpointId} AND enabled = 1 AND failing_since <= ${threshold}`,
    sql`UPDATE webhook_deliveries SET status = 'skipped', last_error = 'endpoint_disabled', lease_until = NULL, next_attempt_at = NULL, updated_at = ${now}
      WHERE endpoint_id = ${endpointId} AND status IN ('pending', 'retrying') AND changes() = 1`,
  ];
}

async function skip(env: Env, deliveryId: string, reason: string, now: number): Promise<void> {
  await env.DB.prepare("UPDATE webhook_deliveries SET status = 'skipped', last_error = ?, lease_until = NULL, next_attempt_at = NULL, updated_at = ? WHERE id = ? AND status IN ('pending', 'retrying')")
    .bind(reason, now, deliveryId)
    .run();
}

/**
 * A delivery out of retries (its message reached the dead-letter queue): dead, unless it
 * succeeded or was retried by hand meanwhile.
 */
export async function markDead(env: Env, deliveryId: string): Promise<boolean> {
  const now = Date.now();
  const r = await env.DB.prepare(
    "UPDATE webhook_deliveries SET status = 'dead', lease_until = NULL, next_attempt_at = NULL, updated_at = ? WHERE id = ? AND status = 'retrying'",
  )
    .bind(now, deliveryId)
    .run();
  // The last attempt's planned retry will not happen.
  if (r.meta.changes > 0) {
    await env.DB.prepare("UPDATE webhook_delivery_attempts SET next_retry_at = NULL WHERE delivery_id = ? AND attempt = (SELECT attempts FROM webhook_deliveries WHERE id = ?)").bind(deliveryId, deliveryId).run();
  }
  return r.meta.changes > 0;
}
