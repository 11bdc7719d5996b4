import { env } from "cloudflare:test";
import { runAtomic } from "../../../pkg/batch";
import { reviewSignal, type ReviewSignal } from "../../../pkg/review-signals";

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

/** A review item as screening or spread counting opens it: through pkg/review-signals, the one writer. */
export async function insertItem(id: string, source: "screening" | "spread", subjectId: string, createdAt = Date.now()): Promise<void> {
  await signal({ source, subjectId, dedupeKey: `${source}:${subjectId}:${id}`, createdAt, details: { reposts: 500 } }, id);
}

/** Attaches one signal (opening the subject's item under `itemId` if none is open). */
export async function signal(
  s: Partial<ReviewSignal> & { source: ReviewSignal["source"]; subjectId: string; dedupeKey: string },
  itemId?: string,
): Promise<void> {
  await runAtomic(
    testEnv.DB,
    reviewSignal(
      { subjectType: "post", reasonCode: s.source === "spread" ? "threshold_escalate" : "term_match", createdAt: Date.now(), ...s },
      itemId ? { id: itemId } : {},
    ),
  );
}

export async function countRows(table: string, where = "1 = 1", ...binds: unknown[]): Promise<number> {
  const row = await testEnv.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).bind(...binds).first<{ n: number }>();
  return row!.n;
}
