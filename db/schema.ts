// The one Drizzle schema of the shared Gatehouse D1 database.
// Each area keeps its tables in db/tables/<area>.ts; this file only gathers them,
// so drizzle-kit sees a single schema and every worker imports from one place.
// Times are integer milliseconds since the Unix epoch (UTC).
export * from "./tables/platform";
export * from "./tables/registration";
export * from "./tables/screening";
export * from "./tables/reposts";
export * from "./tables/moderation";
export * from "./tables/evidence";
export * from "./tables/decisions";
export * from "./tables/appeals";
export * from "./tables/events";
export * from "./tables/console";
export * from "./tables/webhooks";
export * from "./tables/stories";
