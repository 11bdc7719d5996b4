import { drizzle } from "drizzle-orm/d1";
import * as schema from "../db/schema";

/** The Drizzle client of the shared D1 database; cheap, create one per request. */
export function createDb(d1: D1Database) {
  return drizzle(d1, { schema });
}
export type Db = ReturnType<typeof createDb>;
export { schema };
