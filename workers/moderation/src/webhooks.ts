import { and, asc, desc, eq, gt, inArray, isNull, lt, or, sql } from "drizzle-orm";
import { webhookDeliveries, webhookDeliveryAttempts, webhookEndpoints, webhookSecrets } from "../../../db/schema";
import { auditStatement } from "../../../pkg/audit";
import { GuardFailed, guard, runAtomic } from "../../../pkg/batch";
import { decodeCursor, pageOf } from "../../../pkg/cursor";
import { createDb } from "../../../pkg/db";
import { bytesToBase64 } from "../../../pkg/encoding";
import { ApiError } from "../../../pkg/errors";
import { newId } from "../../../pkg/ids";
import type { EventType } from "../../../pkg/outbox";
import type { Principal } from "../../../pkg/principal";
import { isoOrNull } from "../../../pkg/schemas";
import { sealWebhookSecret, webhookKeys } from "../../../pkg/webhook-secrets";
import type { Env } from "./env";

/**
 * The webhook registry (admin): endpoints, their signing secrets and the delivery log the events
 * worker writes. Every change is audited in the same batch. Delivery itself is the events worker's
 * (workers/events/); the manual retry here only re-queues a delivery on `gatehouse-deliveries`.
 */

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
type DeliveryRow = typeof webhookDeliveries.$inferSelect;
type AttemptRow = typeof webhookDeliveryAttempts.$inferSelect;

/** The message on `gatehouse-deliveries` (the events worker consumes it). */
export interface DeliveryMessage {
  kind: "delivery";
  deliveryId: string;
}

/** The previous secret's default overlap after a rotation, and the longest allowed. */
export const DEFAULT_OVERLAP_SECONDS = 24 * 3600;
export const MAX_OVERLAP_SECONDS = 7 * 24 * 3600;

// ---------------------------------------------------------------------------------------------
// URL checks
// ---------------------------------------------------------------------------------------------

/** Host names that are local by definition or name cloud metadata services. */
const LOCAL_SUFFIXES = [".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".lan", ".intranet"];
const METADATA_HOSTS = new Set(["metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal"]);

function ipv4Octets(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const octets = m.slice(1).map(Number);
  return octets.every((o) => o <= 255) ? octets : null;
}

/** Link-local and metadata addresses: refused even on a local stack (169.254.0.0/16, fe80::/10, fd00:ec2::254). */
function isLinkLocalOrMetadata(host: string): boolean {
  const v4 = ipv4Octets(host);
  if (v4) return v4[0] === 169 && v4[1] === 254;
  if (host.startsWith("[")) {
    const h = host.slice(1, -1).toLowerCase();
    return /^fe[89ab][0-9a-f]?:/.test(h) || h === "fd00:ec2::254" || /^::ffff:(a9fe|169\.254\.)/.test(h);
  }
  return METADATA_HOSTS.has(host);
}

/** Loopback and private addresses and names a local stack may use for test receivers. */
function isLoopbackOrPrivateHost(host: string): boolean {
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  const v4 = ipv4Octets(host);
  if (v4) {
    const [a, b] = v4 as [number, number, number, number];
    return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || a === 0;
  }
  if (host.startsWith("[")) {
    const h = host.slice(1, -1).toLowerCase();
    return h === "::1" || h === "::" || /^f[cd][0-9a-f]{0,2}:/.test(h) || h.startsWith("::ffff:");
  }
  return false;
}

/**
 * The URL a webhook may be registered with, normalised; or a 422 naming what is wrong.
 * Outside local development (`WEBHOOK_ALLOW_LOCAL` is "1" only in the local stack's `.dev.vars`):
 * HTTPS only, no IP literals (v4 or v6, in any spelling the URL parser normalises) and no local or
 * metadata host names. Link-local and metadata addresses are refused everywhere. Cloudflare's
 * edge does not route to private networks, so a public name resolving to one reaches nothing.
 */
export function checkWebhookUrl(input: string, allowLocal: boolean): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw urlInvalid("Not an absolute URL.");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw urlInvalid("Use an https:// URL.");
  if (url.username || url.password) throw urlInvalid("A webhook URL may not carry credentials; the signature authenticates deliveries.");
  if (url.hash) throw urlInvalid("A webhook URL may not have a fragment.");
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  if (!host) throw urlInvalid("The URL has no host.");
  if (isLinkLocalOrMetadata(host)) throw urlForbidden("Link-local and cloud metadata addresses are never webhook receivers.");
  const local = allowLocal && isLoopbackOrPrivateHost(host);
  if (url.protocol === "http:" && !local) {
    throw new ApiError(422, "webhook_url_insecure", allowLocal ? "Use https:// (plain http is accepted only for loopback and private receivers on a local stack)." : "Use https://: deliveries carry signed events.");
  }
  if (!local) {
    if (ipv4Octets(host) || host.startsWith("[")) throw urlForbidden("Use a host name, not an IP address.");
    if (host === "localhost" || !host.includes(".") || LOCAL_SUFFIXES.some((s) => host.endsWith(s))) {
      throw urlForbidden("Use a public host name: local, single-label and internal names are not reachable receivers.");
    }
  }
  return url.toString();
}

const urlInvalid = (detail: string) => new ApiError(422, "webhook_url_invalid", detail);
const urlForbidden = (detail: string) => new ApiError(422, "webhook_url_forbidden", detail);

function allowLocal(env: Env): boolean {
  return env.WEBHOOK_ALLOW_LOCAL === "1";
}

// ---------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------

export function endpointView(e: EndpointRow) {
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    eventTypes: JSON.parse(e.eventTypes) as EventType[],
    enabled: e.enabled,
    disabledReason: e.disabledReason,
    disabledAt: isoOrNull(e.disabledAt),
    failingSince: isoOrNull(e.failingSince),
    createdAt: isoOrNull(e.createdAt)!,
    updatedAt: isoOrNull(e.updatedAt)!,
  };
}

function attemptView(a: AttemptRow) {
  return {
    attempt: a.attempt,
    at: isoOrNull(a.startedAt)!,
    statusCode: a.statusCode,
    latencyMs: a.latencyMs,
    error: a.errorClass,
    responseExcerpt: a.responseExcerpt,
    nextRetryAt: isoOrNull(a.nextRetryAt),
  };
}

function deliveryView(d: DeliveryRow, attempts: AttemptRow[]) {
  return {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType as EventType,
    status: d.status,
    attempts: attempts.map(attemptView),
    nextAttemptAt: d.status === "retrying" || d.status === "pending" ? isoOrNull(d.nextAttemptAt) : null,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    createdAt: isoOrNull(d.createdAt)!,
    succeededAt: isoOrNull(d.succeededAt),
  };
}

// ---------------------------------------------------------------------------------------------
// Registry
// ---------------------------------------------------------------------------------------------

/** A new signing secret: 32 random bytes, `whsec_<base64>` (the Standard Webhooks form). */
export function newSigningSecret(): string {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  return `whsec_${bytesToBase64(bytes)}`;
}

export async function loadEndpoint(env: Env, id: string): Promise<EndpointRow> {
  const row = await createDb(env.DB)
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, id), isNull(webhookEndpoints.deletedAt)))
    .get();
  if (!row) throw new ApiError(404, "webhook_not_found", "No webhook has this id.");
  return row;
}

export interface CreateWebhookInput {
  url: string;
  eventTypes: EventType[];
  description?: string | null;
}

export async function createWebhook(env: Env, actor: Principal, requestId: string | undefined, input: CreateWebhookInput) {
  const url = checkWebhookUrl(input.url, allowLocal(env));
  const id = newId("whk");
  const secret = newSigningSecret();
  const sealed = await sealWebhookSecret(await webhookKeys(env), id, secret);
  const now = Date.now();
  const eventTypes = [...new Set(input.eventTypes)].sort();
  await runAtomic(env.DB, [
    createDb(env.DB)
      .insert(webhookEndpoints)
      .values({ id, url, description: input.description ?? null, eventTypes: JSON.stringify(eventTypes), enabled: true, secretVersion: 1, createdBy: actor.keyId, createdAt: now, updatedAt: now }),
    createDb(env.DB).insert(webhookSecrets).values({ id: newId("whs"), endpointId: id, secret: sealed, createdAt: now, expiresAt: null }),
    // The URL's host only: a path or query may carry a receiver's token.
    auditStatement(actor, requestId, { action: "webhook.created", subjectType: "webhook", subjectId: id, details: { host: new URL(url).host, eventTypes } }, { at: now }),
  ]);
  return { endpoint: await loadEndpoint(env, id), secret };
}

export async function listWebhooks(env: Env, q: { limit: number; cursor?: string }) {
  const after = decodeCursor(q.cursor);
  const rows = await createDb(env.DB)
    .select()
    .from(webhookEndpoints)
    .where(
      and(
        isNull(webhookEndpoints.deletedAt),
        after ? or(gt(webhookEndpoints.createdAt, after.key), and(eq(webhookEndpoints.createdAt, after.key), gt(webhookEndpoints.id, after.id))) : undefined,
      ),
    )
    .orderBy(asc(webhookEndpoints.createdAt), asc(webhookEndpoints.id))
    .limit(q.limit + 1);
  const { page, nextCursor } = pageOf(rows, q.limit, (r) => ({ key: r.createdAt, id: r.id }));
  return { webhooks: page.map(endpointView), nextCursor };
}

export interface UpdateWebhookInput {
  url?: string;
  eventTypes?: EventType[];
  description?: string | null;
  enabled?: boolean;
}

/** Changes an endpoint; enabling it again clears its disabled reason and its failure run. */
export async function updateWebhook(env: Env, actor: Principal, requestId: string | undefined, id: string, input: UpdateWebhookInput) {
  await loadEndpoint(env, id);
  const now = Date.now();
  const set: Partial<EndpointRow> = { updatedAt: now };
  const changed: string[] = [];
  if (input.url !== undefined) {
    set.url = checkWebhookUrl(input.url, allowLocal(env));
    changed.push("url");
  }
  if (input.eventTypes !== undefined) {
    set.eventTypes = JSON.stringify([...new Set(input.eventTypes)].sort());
    changed.push("eventTypes");
  }
  if (input.description !== undefined) {
    set.description = input.description;
    changed.push("description");
  }
  if (input.enabled !== undefined) {
    set.enabled = input.enabled;
    if (input.enabled) Object.assign(set, { disabledReason: null, disabledAt: null, failingSince: null });
    else Object.assign(set, { disabledReason: "disabled_by_admin", disabledAt: now });
    changed.push("enabled");
  }
  const db = createDb(env.DB);
  await runAtomic(env.DB, [
    db
      .update(webhookEndpoints)
      .set(set)
      .where(and(eq(webhookEndpoints.id, id), isNull(webhookEndpoints.deletedAt))),
    auditStatement(
      actor,
      requestId,
      { action: "webhook.updated", subjectType: "webhook", subjectId: id, details: { changed, ...(input.enabled !== undefined ? { enabled: input.enabled } : {}), ...(set.url ? { host: new URL(set.url).host } : {}) } },
      { at: now, onlyIf: sql`changes() = 1` },
    ),
  ]);
  return loadEndpoint(env, id);
}

/** Deletes an endpoint (its row stays, marked deleted, so its delivery log is still explained); nothing more is delivered to it. */
export async function deleteWebhook(env: Env, actor: Principal, requestId: string | undefined, id: string): Promise<void> {
  const now = Date.now();
  const [update] = await runAtomic(env.DB, [
    sql`UPDATE webhook_endpoints SET deleted_at = ${now}, enabled = 0, updated_at = ${now} WHERE id = ${id} AND deleted_at IS NULL`,
    auditStatement(actor, requestId, { action: "webhook.deleted", subjectType: "webhook", subjectId: id }, { at: now, onlyIf: sql`changes() = 1` }),
    // Signing material of a deleted endpoint is of no further use.
    sql`DELETE FROM webhook_secrets WHERE endpoint_id = ${id} AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = ${id} AND deleted_at = ${now})`,
  ]);
  if ((update?.meta.changes ?? 0) === 0) throw new ApiError(404, "webhook_not_found", "No webhook has this id.");
}

/**
 * A new signing secret; the previous one keeps signing for `overlapSeconds` (deliveries carry
 * both signatures), so receivers can switch without missing a delivery. A secret older than the
 * previous one stops at once. Concurrent rotations: one wins, the others are 409 `concurrent_change`.
 */
export async function rotateSecret(env: Env, actor: Principal, requestId: string | undefined, id: string, overlapSeconds: number) {
  const endpoint = await loadEndpoint(env, id);
  const now = Date.now();
  const previousExpiresAt = now + overlapSeconds * 1000;
  const secret = newSigningSecret();
  const sealed = await sealWebhookSecret(await webhookKeys(env), id, secret);
  try {
    await runAtomic(env.DB, [
      guard(sql`(SELECT secret_version FROM webhook_endpoints WHERE id = ${id} AND deleted_at IS NULL) = ${endpoint.secretVersion}`),
      sql`UPDATE webhook_endpoints SET secret_version = secret_version + 1, updated_at = ${now} WHERE id = ${id}`,
      // Secrets already in their overlap end now; the current one gets its overlap.
      sql`UPDATE webhook_secrets SET expires_at = ${now} WHERE endpoint_id = ${id} AND expires_at IS NOT NULL AND expires_at > ${now}`,
      sql`UPDATE webhook_secrets SET expires_at = ${previousExpiresAt} WHERE endpoint_id = ${id} AND expires_at IS NULL`,
      createDb(env.DB).insert(webhookSecrets).values({ id: newId("whs"), endpointId: id, secret: sealed, createdAt: now, expiresAt: null }),
      auditStatement(actor, requestId, { action: "webhook.secret_rotated", subjectType: "webhook", subjectId: id, details: { overlapSeconds } }, { at: now }),
    ]);
  } catch (err) {
    if (err instanceof GuardFailed) throw new ApiError(409, "concurrent_change", "The secret was rotated by another request at the same time; read the webhook and retry.");
    throw err;
  }
  return { endpoint: await loadEndpoint(env, id), secret, previousSecretExpiresAt: isoOrNull(previousExpiresAt)! };
}

// ---------------------------------------------------------------------------------------------
// Deliveries
// ---------------------------------------------------------------------------------------------

export async function listDeliveries(env: Env, id: string, q: { limit: number; cursor?: string; status?: DeliveryRow["status"] }) {
  await loadEndpoint(env, id);
  const before = decodeCursor(q.cursor);
  const db = createDb(env.DB);
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.endpointId, id),
        q.status ? eq(webhookDeliveries.status, q.status) : undefined,
        before ? or(lt(webhookDeliveries.createdAt, before.key), and(eq(webhookDeliveries.createdAt, before.key), lt(webhookDeliveries.id, before.id))) : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(q.limit + 1);
  const { page, nextCursor } = pageOf(rows, q.limit, (r) => ({ key: r.createdAt, id: r.id }));
  const attempts = new Map<string, AttemptRow[]>();
  // 90 ids per query: D1 binds at most 100 parameters.
  for (let i = 0; i < page.length; i += 90) {
    const ids = page.slice(i, i + 90).map((d) => d.id);
    const found = await db.select().from(webhookDeliveryAttempts).where(inArray(webhookDeliveryAttempts.deliveryId, ids)).orderBy(asc(webhookDeliveryAttempts.attempt));
    for (const a of found) attempts.set(a.deliveryId, [...(attempts.get(a.deliveryId) ?? []), a]);
  }
  return { deliveries: page.map((d) => deliveryView(d, attempts.get(d.id) ?? [])), nextCursor };
}

async function loadDelivery(env: Env, endpointId: string, deliveryId: string) {
  const db = createDb(env.DB);
  const d = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.endpointId, endpointId)))
    .get();
  if (!d) throw new ApiError(404, "delivery_not_found", "This webhook has no delivery with this id.");
  const attempts = await db.select().from(webhookDeliveryAttempts).where(eq(webhookDeliveryAttempts.deliveryId, d.id)).orderBy(asc(webhookDeliveryAttempts.attempt));
  return deliveryView(d, attempts);
}

/**
 * Redelivers now, whatever the delivery's state (a receiver that lost it may ask again): the
 * delivery becomes `pending` and is queued; the events worker's lease keeps it to one attempt at
 * a time. If the queue does not take the message, the events worker's sweeper re-queues it.
 */
export async function retryDelivery(env: Env, actor: Principal, requestId: string | undefined, endpointId: string, deliveryId: string) {
  const endpoint = await loadEndpoint(env, endpointId);
  await loadDelivery(env, endpointId, deliveryId);
  const now = Date.now();
  await runAtomic(env.DB, [
    sql`UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ${now}, updated_at = ${now} WHERE id = ${deliveryId} AND endpoint_id = ${endpointId}`,
    auditStatement(actor, requestId, { action: "webhook.delivery_retried", subjectType: "webhook", subjectId: endpoint.id, details: { deliveryId } }, { at: now }),
  ]);
  try {
    await env.DELIVERIES.send({ kind: "delivery", deliveryId } satisfies DeliveryMessage, { contentType: "json" });
  } catch {
    // The sweeper re-queues pending deliveries whose message was lost.
  }
  return loadDelivery(env, endpointId, deliveryId);
}
