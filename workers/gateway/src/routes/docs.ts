import { Hono, type MiddlewareHandler } from "hono";
// Swagger UI's prebuilt browser bundle and stylesheet from the npm package, imported as text
// (the `[[rules]] type = "Text"` in the root wrangler.toml) and served by the gateway itself:
// the page works offline and its CSP names only 'self'. Chosen over Workers Static Assets so
// the assets pass through the gateway's own headers like every other response and need no
// second deployment artefact; the cost is about 0.5 MB (gzip) of bundle, far below the limit.
import swaggerUiBundle from "swagger-ui-dist/swagger-ui-bundle.js";
import swaggerUiCss from "swagger-ui-dist/swagger-ui.css";
import { version as swaggerUiVersion } from "swagger-ui-dist/package.json";
import type { AppEnv } from "../../../../pkg/app";
import { UPSTREAMS, type Env } from "../env";
import { firstSegment, isPublicPath } from "../upstreams";

type Operation = {
  operationId?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  responses?: Record<string, unknown>;
  [k: string]: unknown;
};
type OpenApiDoc = {
  openapi: string;
  info: Record<string, unknown>;
  paths?: Record<string, Record<string, unknown>>;
  components?: Record<string, Record<string, unknown>>;
  tags?: { name: string; description?: string }[];
  [k: string]: unknown;
};

const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

/** Descriptions of the tags the workers use today; a worker may also declare its own in its document. */
const TAG_DESCRIPTIONS: Record<string, string> = {
  health: "Liveness of the gateway, D1 and every function worker.",
  keys: "API keys: created once, stored hashed, revocable (admin).",
  accounts: "Public accounts registered under a verified real identity, and their phone codes.",
  identity: "The identity vault: reviews, audited reveals, erasure and key rotation.",
  actions: "Account actions (warn, suspend, restore, close), singly or in bulk.",
  publishers: "News-publisher licences.",
  public: "What anyone may see without a key: public profiles and their badges.",
  webhooks: "Outbound event webhooks signed as Standard Webhooks (admin: endpoints, secrets, deliveries), and the identity provider's signed callback.",
  dev: "Local-stack helpers (not served in production).",
  screen: "Post screening: allow, review or block, with every reason.",
  "term-lists": "Term lists and their terms (JSON or CSV imports).",
  "allow-list": "Phrases never matched as terms.",
  "blocked-domains": "Domains whose links are refused (subdomains included).",
  "contact-rules": "What to do with phone numbers, QQ, WeChat, e-mail and URLs in posts.",
  policy: "Categories, publisher outlets and immutable published policy versions.",
  spread: "Exact repost and view counting, thresholds and escalations.",
  moderation: "Reports, the review queue, moderator decisions and the audit log.",
};

const DOC_CACHE_MS = 60_000;
let cached: { doc: OpenApiDoc; until: number } | undefined;

/**
 * The public OpenAPI 3.1 document: the gateway's own routes plus each function worker's
 * `/openapi.json` (generated from its zod route schemas), merged path by path, then completed
 * with what only the gateway knows (see `completeOperations`).
 * A worker that does not answer is left out rather than failing the whole document.
 */
export async function assembleOpenApi(env: Env, own: OpenApiDoc): Promise<OpenApiDoc> {
  const now = Date.now();
  if (cached && cached.until > now) return cached.doc;
  const parts = await Promise.all(
    UPSTREAMS.map(async (u) => {
      try {
        const res = await env[u].fetch("https://internal/openapi.json");
        return res.ok ? ((await res.json()) as OpenApiDoc) : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  const doc: OpenApiDoc = {
    openapi: "3.1.0",
    info: {
      title: "Gatehouse API",
      version: "1",
      description:
        "Trust-and-safety edge API for messaging platforms: identity-verified registration, post screening, spread counting and moderation. Errors are application/problem+json (RFC 9457) with a stable `code`.",
      license: { name: "Proprietary", identifier: "LicenseRef-Gatehouse-Proprietary" },
    },
    servers: [{ url: "/", description: "The gateway that serves this document" }],
    security: [{ bearer: [] }],
    paths: { ...(own.paths ?? {}) },
    components: { ...(own.components ?? {}), securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "Gatehouse API key (gh_...)" } } },
  };
  const declaredTags = [...(own.tags ?? [])];
  parts.forEach((part, i) => {
    if (!part) return;
    const { paths, components } = withoutComponentClashes(doc, part, pascal(UPSTREAMS[i]!.toLowerCase()));
    Object.assign(doc.paths!, paths);
    for (const [section, entries] of Object.entries(components)) {
      doc.components![section] = { ...(doc.components![section] ?? {}), ...entries };
    }
    declaredTags.push(...(part.tags ?? []));
  });
  completeOperations(doc, declaredTags);
  const complete = parts.every(Boolean);
  if (complete) cached = { doc, until: now + DOC_CACHE_MS };
  return doc;
}

/**
 * A worker's paths and components, with every component whose name another worker already
 * uses for a different definition renamed `<Worker><Name>` (and the worker's `$ref`s to it
 * rewritten): merged as is, the later definition would silently replace the earlier one for
 * both workers' operations.
 */
function withoutComponentClashes(doc: OpenApiDoc, part: OpenApiDoc, prefix: string) {
  const renames = new Map<string, string>();
  for (const [section, entries] of Object.entries(part.components ?? {})) {
    for (const [name, value] of Object.entries(entries)) {
      const existing = doc.components?.[section]?.[name];
      if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(value)) {
        renames.set(`#/components/${section}/${name}`, `#/components/${section}/${prefix}${name}`);
      }
    }
  }
  if (renames.size === 0) return { paths: part.paths ?? {}, components: part.components ?? {} };
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (!node || typeof node !== "object") return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = k === "$ref" && typeof v === "string" ? renames.get(v) ?? v : rewrite(v);
    return out;
  };
  const components: Record<string, Record<string, unknown>> = {};
  for (const [section, entries] of Object.entries(part.components ?? {})) {
    components[section] = Object.fromEntries(
      Object.entries(entries).map(([name, value]) => [renames.has(`#/components/${section}/${name}`) ? `${prefix}${name}` : name, rewrite(value)]),
    );
  }
  return { paths: rewrite(part.paths ?? {}) as Record<string, Record<string, unknown>>, components };
}

/**
 * What the gateway adds to every operation, because the gateway is what enforces it:
 * - `security: []` on the routes it serves without a key (health, public segments), bearer on the rest;
 * - a 429 response, since it rate-limits every `/v1` call;
 * - a 413 response on every `/v1` operation that takes a body, since it reads each body within
 *   its route's size limit;
 * - a unique `operationId` (explicit ones win; the rest derived from method and path) so
 *   generated clients have stable names;
 * - the top-level tag list, in order of first use, for the tags that have a description.
 */
function completeOperations(doc: OpenApiDoc, declaredTags: { name: string; description?: string }[]): void {
  const operations: { method: string; path: string; op: Operation }[] = [];
  for (const path of Object.keys(doc.paths!).sort()) {
    const item = doc.paths![path]!;
    for (const method of HTTP_METHODS) {
      const op = item[method] as Operation | undefined;
      if (op && typeof op === "object") operations.push({ method, path, op });
    }
  }
  const problem = doc.components?.schemas?.Problem ? { $ref: "#/components/schemas/Problem" } : { type: "object" };
  const taken = new Set<string>();
  const derive: typeof operations = [];
  for (const entry of operations) {
    const { path, op } = entry;
    const segment = firstSegment(path);
    // Public: health, the public segments, and any operation a worker declares without security.
    const isPublic = segment === "health" || isPublicPath(path) || (Array.isArray(op.security) && op.security.length === 0);
    op.security = isPublic ? [] : [{ bearer: [] }];
    if (path.startsWith("/v1/") && op.responses && !op.responses["429"]) {
      op.responses["429"] = {
        description: "Too many requests for this key (or, without a key, this client address)",
        headers: { "Retry-After": { description: "Seconds to wait before retrying", schema: { type: "integer" } } },
        content: { "application/problem+json": { schema: problem } },
      };
    }
    if (path.startsWith("/v1/") && op.requestBody && op.responses && !op.responses["413"]) {
      op.responses["413"] = { description: "Problem: `body_too_large`", content: { "application/problem+json": { schema: problem } } };
    }
    if (op.operationId && !taken.has(op.operationId)) taken.add(op.operationId);
    else derive.push(entry);
  }
  const hasGet = (path: string) => Boolean(doc.paths![path]?.get);
  for (const { method, path, op } of derive) {
    const base = deriveOperationId(method, path, hasGet(path));
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}${n}`;
    taken.add(id);
    op.operationId = id;
  }

  const described = new Map<string, string | undefined>();
  for (const tag of declaredTags) if (tag.description) described.set(tag.name, tag.description);
  // In document order (gateway, then each worker), which is the order the viewer lists them in.
  const used: string[] = [];
  for (const item of Object.values(doc.paths!)) {
    for (const method of HTTP_METHODS) for (const tag of (item[method] as Operation | undefined)?.tags ?? []) if (!used.includes(tag)) used.push(tag);
  }
  const tags = used.map((name) => ({ name, description: described.get(name) ?? TAG_DESCRIPTIONS[name] })).filter((t) => t.description);
  if (tags.length > 0) doc.tags = tags as { name: string; description: string }[];
}

/**
 * A readable operation id from method and path alone, so it is the same on every assembly:
 * GET /v1/accounts → listAccounts, GET /v1/accounts/{id} → getAccount, POST /v1/accounts → createAccount,
 * POST /v1/accounts/{id}/phone/verify → postAccountPhoneVerify, PUT → set…, PATCH → update…, DELETE → delete….
 * Uniqueness is enforced by the caller.
 */
export function deriveOperationId(method: string, path: string, pathHasGet: boolean): string {
  const segments = path.split("/").filter((s) => s && s !== "v1");
  const words: string[] = [];
  segments.forEach((segment, i) => {
    if (segment.startsWith("{")) return;
    // A collection followed by one of its members names the member: accounts/{id} → account,
    // review-queue/{id} → review-queue-item.
    const member = segments[i + 1]?.startsWith("{");
    words.push(member ? memberOf(segment) : segment);
  });
  const last = segments.at(-1) ?? "";
  const endsWithParam = last.startsWith("{");
  let verb: string;
  switch (method) {
    case "get":
      verb = endsWithParam || !isPlural(last) ? "get" : "list";
      break;
    case "post":
      if (!endsWithParam && (pathHasGet || isPlural(last))) {
        verb = "create";
        words[words.length - 1] = memberOf(words.at(-1)!);
      } else verb = "post";
      break;
    case "put":
      verb = "set";
      break;
    case "patch":
      verb = "update";
      break;
    default:
      verb = method;
  }
  return verb + words.map(pascal).join("");
}

/** Words that end in "s" but name no collection of things. */
const NOT_PLURAL = new Set(["sms", "news", "status", "alias", "analytics"]);

function isPlural(word: string): boolean {
  return /[^s]s$/.test(word) && !NOT_PLURAL.has(word);
}

function memberOf(collection: string): string {
  if (!isPlural(collection)) return `${collection}-item`;
  return collection.endsWith("ies") ? `${collection.slice(0, -3)}y` : collection.slice(0, -1);
}

function pascal(segment: string): string {
  return segment
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");
}

/** The docs page's policy: its own scripts and styles only; the viewer fetches only this origin. */
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const ASSET_PREFIX = `/docs/assets/${swaggerUiVersion}`;

const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gatehouse API</title>
<link rel="stylesheet" href="${ASSET_PREFIX}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<noscript>This viewer needs JavaScript; the document itself is <a href="/openapi.json">/openapi.json</a>.</noscript>
<script src="${ASSET_PREFIX}/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

// The viewer's start-up code, in its own file so the page needs no inline script.
const INIT_JS = `"use strict";
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
`;

/** Sets the docs policy on the way out; the gateway's secure headers must not overwrite it (see README). */
const docsPolicy: MiddlewareHandler = async (c, next) => {
  await next();
  c.res.headers.set("content-security-policy", DOCS_CSP);
};

const asset = (body: string, type: string, cache: string) => () =>
  new Response(body, { headers: { "content-type": type, "cache-control": cache } });

// Versioned asset paths change with the package, so they may be cached for good.
const IMMUTABLE = "public, max-age=31536000, immutable";

/** `/docs`: Swagger UI over `/openapi.json`, every byte served by the gateway. */
export const docsRoutes = new Hono<AppEnv<Env>>()
  .use("/docs", docsPolicy)
  .use("/docs/*", docsPolicy)
  .get("/docs", (c) => c.html(DOCS_HTML, 200, { "cache-control": "no-cache" }))
  .get("/docs/init.js", asset(INIT_JS, "text/javascript; charset=utf-8", "no-cache"))
  .get(`${ASSET_PREFIX}/swagger-ui-bundle.js`, asset(swaggerUiBundle, "text/javascript; charset=utf-8", IMMUTABLE))
  .get(`${ASSET_PREFIX}/swagger-ui.css`, asset(swaggerUiCss, "text/css; charset=utf-8", IMMUTABLE));
