/** How a test describes a client's request to the gateway. */
export interface ClientRequest {
  method?: string;
  /** API key, sent as `Authorization: Bearer <key>`. */
  key?: string;
  /** A JSON body (serialised here). */
  json?: unknown;
  /** A raw body, for malformed or non-JSON input. */
  body?: BodyInit;
  /** Content type of a body; application/json when absent. */
  contentType?: string;
  headers?: Record<string, string>;
}

/**
 * The fetch init of a client request, shared by the gateway's workerd tests and the e2e
 * suite over HTTP: bearer key, JSON or raw body, and POST when there is a body.
 */
export function clientRequestInit(init: ClientRequest): RequestInit {
  const headers = new Headers(init.headers);
  if (init.key) headers.set("authorization", `Bearer ${init.key}`);
  const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
  if (body !== undefined && !headers.has("content-type")) headers.set("content-type", init.contentType ?? "application/json");
  return { method: init.method ?? (body !== undefined ? "POST" : "GET"), headers, body };
}
