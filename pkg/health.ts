import { sql } from "drizzle-orm";
import type { Db } from "./db";

/** A cheap round trip that proves the D1 binding answers. */
export async function checkD1(db: Db): Promise<"ok" | "unavailable"> {
  try {
    await db.run(sql`select 1`);
    return "ok";
  } catch {
    return "unavailable";
  }
}
