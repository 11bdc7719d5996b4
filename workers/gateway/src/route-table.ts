import { ROUTES } from "./routes.generated";

/**
 * The gateway's table of every operation of the suite — method, path template and whether it is public (OpenAPI `security: []`) — generated from the assembled OpenAPI document
 * (`npm run openapi:routes`; test/e2e/route-table.test.ts fails when it drifts). With it the
 * gateway answers 404 and 405 itself, before it authenticates or reads a body. Which worker
 * serves a route is upstreams.ts's business (by its first segment).
 */
export interface RouteEntry {
  method: string;
  /** OpenAPI path template, e.g. `/v1/accounts/{id}/actions`. */
  path: string;
  /** Served without an API key (`security: []` in the document). */
  public: boolean;
}

export type RouteMatch =
  | { kind: "found"; route: RouteEntry }
  | { kind: "method_not_allowed"; allowed: string[] }
  | { kind: "not_found" };

interface CompiledRoute extends RouteEntry {
  /** Literal segments, or null where the template has a parameter. */
  segments: (string | null)[];
}

function compile(routes: readonly RouteEntry[]): Map<string, CompiledRoute[]> {
  // Bucketed by the first segment after /v1 (the owner's segment), so a lookup scans a few.
  const byFirst = new Map<string, CompiledRoute[]>();
  for (const r of routes) {
    const segments = r.path.split("/").slice(1).map((s) => (/^\{[^}]+\}$/.test(s) ? null : s));
    const first = `${segments[0]}/${segments[1] ?? ""}`;
    byFirst.set(first, [...(byFirst.get(first) ?? []), { ...r, segments }]);
  }
  return byFirst;
}

const TABLE = compile(ROUTES);

function matches(route: CompiledRoute, parts: string[]): boolean {
  if (route.segments.length !== parts.length) return false;
  for (let i = 0; i < parts.length; i++) {
    const want = route.segments[i];
    // A parameter matches any non-empty segment (so `/v1/keys/` never matches `/v1/keys/{id}`).
    if (want === null ? parts[i] === "" : want !== parts[i]) return false;
  }
  return true;
}

/** The route serving `method path`, or why none does. HEAD is served wherever GET is. */
export function matchRoute(method: string, pathname: string): RouteMatch {
  const parts = pathname.split("/").slice(1);
  const matching = (TABLE.get(`${parts[0]}/${parts[1] ?? ""}`) ?? []).filter((r) => matches(r, parts));
  if (matching.length === 0) return { kind: "not_found" };
  const wanted = method === "HEAD" ? "GET" : method;
  // A literal template beats a parameter in the same place (`/v1/accounts/vault/rotate` over `{id}`),
  // whatever the method (OpenAPI matches concrete paths first): GET /v1/review-queue/bulk-decision is
  // a 405 of that path, not a read of an item called "bulk-decision".
  const params = (r: CompiledRoute) => r.segments.filter((s) => s === null).length;
  const fewest = Math.min(...matching.map(params));
  const candidates = matching.filter((r) => params(r) === fewest);
  const found = candidates.find((r) => r.method === wanted);
  if (found) return { kind: "found", route: found };
  const allowed = [...new Set(candidates.map((r) => r.method))];
  if (allowed.includes("GET")) allowed.push("HEAD");
  return { kind: "method_not_allowed", allowed: allowed.sort() };
}

/** Every route of the table (for tests). */
export const ALL_ROUTES: readonly RouteEntry[] = ROUTES;
