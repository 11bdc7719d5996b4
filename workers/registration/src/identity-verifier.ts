import { timingSafeEqualStr, toHex } from "../../../pkg/ids";
import { postJson } from "./http-post";

export interface IdentityCheckRequest {
  /** Our reference, returned by the provider's webhook: the account id. */
  reference: string;
  name: string;
  documentType: string;
  documentNumber: string;
}

/** `async`: the provider answers later by webhook (ref = its check id); `manual`: an operator decides. */
export type IdentityCheckStarted = { mode: "async"; ref: string } | { mode: "manual" };

export interface IdentityVerifier {
  start(request: IdentityCheckRequest): Promise<IdentityCheckStarted>;
}

export class IdentityProviderError extends Error {
  override name = "IdentityProviderError";
}

/** The default: every identity goes to operators' manual review. */
export class ManualReviewVerifier implements IdentityVerifier {
  async start(): Promise<IdentityCheckStarted> {
    return { mode: "manual" };
  }
}

/**
 * A name + document-number verification provider over HTTP: `POST <url>` with the identity
 * and a bearer key; it answers `{ id }` at once and the result later by webhook.
 */
export class HttpIdentityVerifier implements IdentityVerifier {
  constructor(
    private readonly url: string,
    private readonly key: string,
    private readonly fetcher: typeof fetch = fetch,
    private readonly timeoutMs = 10_000,
  ) {}

  async start(request: IdentityCheckRequest): Promise<IdentityCheckStarted> {
    const res = await postJson(this.fetcher, { url: this.url, key: this.key, timeoutMs: this.timeoutMs }, request, (reason) => new IdentityProviderError(`provider unreachable (${reason})`));
    if (!res.ok) {
      await res.arrayBuffer().catch(() => undefined);
      throw new IdentityProviderError(`provider answered ${res.status}`);
    }
    const body = (await res.json().catch(() => null)) as { id?: unknown } | null;
    if (!body || typeof body.id !== "string" || body.id.length === 0 || body.id.length > 200) {
      throw new IdentityProviderError("provider answer has no check id");
    }
    return { mode: "async", ref: body.id };
  }
}

export const WEBHOOK_TOLERANCE_MS = 5 * 60_000;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` (the provider signs; we verify). */
export async function signWebhook(secret: string, rawBody: string, timestampSec: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = toHex(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${timestampSec}.${rawBody}`)));
  return `t=${timestampSec},v1=${mac}`;
}

/**
 * Verifies a webhook signature over the exact raw body, in constant time, and rejects
 * stale timestamps so a captured delivery cannot be replayed later.
 */
export async function verifyWebhookSignature(secret: string, rawBody: string, header: string | undefined, now: number): Promise<"ok" | "missing" | "stale" | "invalid"> {
  if (!header) return "missing";
  const parts = Object.fromEntries(header.split(",").map((p) => p.trim().split("=", 2) as [string, string]));
  const t = Number(parts.t);
  const v1 = parts.v1;
  if (!Number.isInteger(t) || !v1 || !/^[0-9a-f]{64}$/.test(v1)) return "invalid";
  if (Math.abs(now - t * 1000) > WEBHOOK_TOLERANCE_MS) return "stale";
  const expected = await signWebhook(secret, rawBody, t);
  return timingSafeEqualStr(expected, `t=${t},v1=${v1}`) ? "ok" : "invalid";
}
