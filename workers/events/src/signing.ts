import { base64ToBytes, bytesToBase64 } from "../../../pkg/encoding";

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 with the secret's
 * bytes (`whsec_<base64>`) over `<webhook-id>.<webhook-timestamp>.<body>`, sent as
 * `v1,<base64>`; several signatures (a rotation's overlap) are separated by spaces.
 */
const enc = new TextEncoder();

export function secretBytes(secret: string): Uint8Array {
  if (!secret.startsWith("whsec_")) throw new Error("not a whsec_ secret");
  return base64ToBytes(secret.slice("whsec_".length));
}

export async function signature(secret: string, webhookId: string, timestampSeconds: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", secretBytes(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, enc.encode(`${webhookId}.${timestampSeconds}.${body}`));
  return `v1,${bytesToBase64(new Uint8Array(mac))}`;
}

/** The three Standard Webhooks headers for one attempt, signed by every live secret. */
export async function signedHeaders(secrets: readonly string[], webhookId: string, timestampSeconds: number, body: string): Promise<Record<string, string>> {
  const signatures = await Promise.all(secrets.map((s) => signature(s, webhookId, timestampSeconds, body)));
  return {
    "webhook-id": webhookId,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": signatures.join(" "),
  };
}
