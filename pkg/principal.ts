import type { MiddlewareHandler } from "hono";
import { ApiError } from "./errors";
import { PRINCIPAL_HEADER } from "./headers";

export const ROLES = ["app", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: the API key's id and role, established by the gateway. */
export interface Principal {
  keyId: string;
  role: Role;
}

export function encodePrincipal(p: Principal): string {
  return `${p.role}:${p.keyId}`;
}

export function decodePrincipal(value: string | undefined | null): Principal | null {
  if (!value) return null;
  const i = value.indexOf(":");
  if (i < 0) return null;
  const role = value.slice(0, i) as Role;
  const keyId = value.slice(i + 1);
  if (!ROLES.includes(role) || keyId.length === 0) return null;
  return { role, keyId };
}

/**
 * Route guard of the function workers: the caller must hold one of `roles`.
 * `admin` may do everything an operator may; nobody else inherits.
 */
export function requireRole(...roles: Role[]): MiddlewareHandler & { roles: readonly Role[] } {
  const allowed = new Set<Role>(roles);
  if (allowed.has("operator")) allowed.add("admin");
  const guard: MiddlewareHandler = async (c, next) => {
    // The gateway sets the principal in context; function workers receive it as a header.
    const principal = (c.get("principal") as Principal | undefined) ?? decodePrincipal(c.req.header(PRINCIPAL_HEADER));
    if (!principal) throw new ApiError(401, "missing_credentials", "This endpoint needs an API key: send `Authorization: Bearer <key>`.");
    if (!allowed.has(principal.role)) {
      throw new ApiError(403, "forbidden_role", `This endpoint needs the ${[...roles].join(" or ")} role; the key has the ${principal.role} role.`);
    }
    c.set("principal", principal);
    await next();
  };
  // Read by the OpenAPI document (`x-gatehouse-roles`), so tests and clients know who may call what.
  return Object.assign(guard, { roles: ROLES.filter((r) => allowed.has(r)) });
}
