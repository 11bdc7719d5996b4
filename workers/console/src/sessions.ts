import { and, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import { apiKeys, consoleSessions } from "../../../db/schema";
import { auditStatement } from "../../../pkg/audit";
import { runAtomic } from "../../../pkg/batch";
import { intVar } from "../../../pkg/config";
import { createDb } from "../../../pkg/db";
import { bytesToBase64Url } from "../../../pkg/encoding";
import { sha256Hex } from "../../../pkg/ids";
import type { Principal } from "../../../pkg/principal";
import type { Env } from "./env";

/** The session cookie: HttpOnly, Secure, SameSite=Strict, scoped to /console. */
export const SESSION_COOKIE = "gh_console";
/** Touching a session (last seen, idle expiry) is written at most this often. */
const TOUCH_EVERY_MS = 60_000;

export interface Session {
  idHash: string;
  principal: Principal;
  csrfToken: string;
  lastSeenAt: number;
  idleExpiresAt: number;
  expiresAt: number;
}

export function randomToken(): string {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  return bytesToBase64Url(bytes);
}

export function sessionLimits(env: Env): { idleMs: number; absoluteMs: number; idleMinutes: number; absoluteHours: number } {
  const idleMinutes = intVar(env.SESSION_IDLE_MINUTES, 30, 1, 24 * 60);
  const absoluteHours = intVar(env.SESSION_ABSOLUTE_HOURS, 12, 1, 24 * 30);
  return { idleMs: idleMinutes * 60_000, absoluteMs: absoluteHours * 3_600_000, idleMinutes, absoluteHours };
}

/**
 * Opens a session for a verified key: stores the hash of a fresh session id (the id itself
 * goes only into the cookie) with its audit entry, in one batch. Expired sessions are swept here.
 */
export async function openSession(env: Env, principal: Principal, requestId: string): Promise<{ id: string; csrfToken: string; maxAgeSeconds: number }> {
  const db = createDb(env.DB);
  const id = randomToken();
  const csrfToken = randomToken();
  const now = Date.now();
  const { idleMs, absoluteMs } = sessionLimits(env);
  await runAtomic(env.DB, [
    db.delete(consoleSessions).where(or(lt(consoleSessions.expiresAt, now), lt(consoleSessions.idleExpiresAt, now))),
    db.insert(consoleSessions).values({
      idHash: await sha256Hex(id),
      keyId: principal.keyId,
      role: principal.role as "operator" | "admin",
      csrfToken,
      createdAt: now,
      lastSeenAt: now,
      idleExpiresAt: now + idleMs,
      expiresAt: now + absoluteMs,
    }),
    auditStatement(principal, requestId, { action: "console.sign_in", subjectType: "api_key", subjectId: principal.keyId }),
  ]);
  return { id, csrfToken, maxAgeSeconds: Math.floor(absoluteMs / 1000) };
}

/**
 * The live session of a cookie: not past either expiry, and its key not revoked (read in the
 * same query, so revoking a key ends its sessions at once). Extends the idle expiry.
 */
export async function loadSession(env: Env, cookie: string | undefined): Promise<Session | null> {
  if (!cookie || !/^[A-Za-z0-9_-]{43}$/.test(cookie)) return null;
  const db = createDb(env.DB);
  const idHash = await sha256Hex(cookie);
  const now = Date.now();
  const row = await db
    .select({
      keyId: consoleSessions.keyId,
      role: consoleSessions.role,
      csrfToken: consoleSessions.csrfToken,
      lastSeenAt: consoleSessions.lastSeenAt,
      idleExpiresAt: consoleSessions.idleExpiresAt,
      expiresAt: consoleSessions.expiresAt,
    })
    .from(consoleSessions)
    .innerJoin(apiKeys, eq(apiKeys.id, consoleSessions.keyId))
    .where(and(eq(consoleSessions.idHash, idHash), gt(consoleSessions.expiresAt, now), gt(consoleSessions.idleExpiresAt, now), isNull(apiKeys.revokedAt)))
    .get();
  if (!row) return null;
  const session: Session = { idHash, principal: { keyId: row.keyId, role: row.role }, csrfToken: row.csrfToken, lastSeenAt: row.lastSeenAt, idleExpiresAt: row.idleExpiresAt, expiresAt: row.expiresAt };
  if (now - row.lastSeenAt >= TOUCH_EVERY_MS) {
    const { idleMs } = sessionLimits(env);
    session.idleExpiresAt = Math.min(now + idleMs, row.expiresAt);
    session.lastSeenAt = now;
    await db.update(consoleSessions).set({ lastSeenAt: now, idleExpiresAt: session.idleExpiresAt }).where(eq(consoleSessions.idHash, idHash)).run();
  }
  return session;
}

/** Ends a session (sign-out), with its audit entry. */
export async function closeSession(env: Env, session: Session, requestId: string): Promise<void> {
  const db = createDb(env.DB);
  await runAtomic(env.DB, [
    db.delete(consoleSessions).where(eq(consoleSessions.idHash, session.idHash)),
    auditStatement(session.principal, requestId, { action: "console.sign_out", subjectType: "api_key", subjectId: session.principal.keyId }, { onlyIf: sql`changes() = 1` }),
  ]);
}
