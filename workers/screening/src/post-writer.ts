/**
 * Group commit of post records. D1 runs one write transaction at a time, so under load every
 * screened post paying for its own transaction caps throughput. Requests that arrive while a
 * write is in flight join the next group, written in one db.batch (one transaction); each
 * request still returns only after its own record is committed. With no concurrency a
 * record is written at once, alone. If a group fails (e.g. one post id raced another), each
 * member is retried on its own so only the culprit fails.
 *
 * Workers tie I/O to the request that started it, so nothing here hands a promise or a prepared
 * statement from one request to another: members pass SQL and parameters, the leader of a group
 * prepares and writes them in its own context, and every request waits on its own timer.
 */
export interface Write {
  sql: string;
  params: unknown[];
}

interface Member {
  statements: Write[];
  state: "pending" | "done" | "failed";
  error?: unknown;
}

/** Most statements in one group: far below D1's 1,000 queries per invocation. */
const MAX_GROUP_STATEMENTS = 200;
const POLL_MS = 1;
/** A write that ended less than this long ago means requests are arriving concurrently. */
const BUSY_WINDOW_MS = 20;
const GATHER_MS = 3;
let lastWriteEnd = 0;

let collecting: Member[] | null = null;
let collectingSize = 0;
let writing = false;
const stats = { groups: 0, records: 0, largest: 0 };

export function writeStats() {
  return { ...stats };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function commitRecord(d1: D1Database, statements: Write[]): Promise<void> {
  const member: Member = { statements, state: "pending" };
  if (collecting && collectingSize + statements.length <= MAX_GROUP_STATEMENTS) {
    collecting.push(member);
    collectingSize += statements.length;
  } else {
    // Lead a new group: wait for the write in flight, then write everyone who joined meanwhile.
    const group: Member[] = [member];
    collecting = group;
    collectingSize = statements.length;
    // Under load (a write finished moments ago) linger briefly so more requests join this group.
    if (Date.now() - lastWriteEnd < BUSY_WINDOW_MS) await sleep(GATHER_MS);
    while (writing) await sleep(POLL_MS);
    if (collecting === group) collecting = null;
    writing = true;
    try {
      await writeGroup(d1, group);
    } finally {
      writing = false;
      lastWriteEnd = Date.now();
    }
  }
  while (member.state === "pending") await sleep(POLL_MS);
  if (member.state === "failed") throw member.error;
}

async function writeGroup(d1: D1Database, group: Member[]): Promise<void> {
  stats.groups++;
  stats.records += group.length;
  stats.largest = Math.max(stats.largest, group.length);
  const settle = (m: Member, err?: unknown) => {
    m.state = err === undefined ? "done" : "failed";
    m.error = err;
  };
  try {
    await d1.batch(group.flatMap((m) => prepare(d1, m.statements)));
    for (const m of group) settle(m);
  } catch (err) {
    if (group.length === 1) return settle(group[0]!, err);
    for (const m of group) {
      try {
        await d1.batch(prepare(d1, m.statements));
        settle(m);
      } catch (e) {
        settle(m, e);
      }
    }
  }
}

function prepare(d1: D1Database, writes: Write[]): D1PreparedStatement[] {
  return writes.map((w) => d1.prepare(w.sql).bind(...w.params));
}
