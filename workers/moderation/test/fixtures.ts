import { env } from "cloudflare:test";

export const testEnv = env as unknown as { DB: D1Database };

/** A screened post row, as the screening worker records it. */
export async function insertPost(id: string, verdict: "allow" | "review" | "block" = "allow"): Promise<void> {
  await testEnv.DB.prepare(
    `INSERT INTO posts (id, account_id, content_hash, kind, verdict, reasons, categories, policy_version, created_at)
     VALUES (?, 'acc_fixture000000', 'hash', 'post', ?, '[]', '[]', 1, ?)`,
  )
    .bind(id, verdict, Date.now())
    .run();
}

/** A review item as screening or spread counting would open it. */
export async function insertItem(id: string, source: "screening" | "spread", subjectId: string, createdAt = Date.now()): Promise<void> {
  await testEnv.DB.prepare(
    `INSERT INTO review_queue (id, dedupe_key, subject_type, subject_id, source, reason_code, status, details, created_at)
     VALUES (?, ?, 'post', ?, ?, 'threshold_escalate', 'open', '{"reposts":500}', ?)`,
  )
    .bind(id, `${source}:${subjectId}:${id}`, subjectId, source, createdAt)
    .run();
}

export async function countRows(table: string, where = "1 = 1", ...binds: unknown[]): Promise<number> {
  const row = await testEnv.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).bind(...binds).first<{ n: number }>();
  return row!.n;
}
