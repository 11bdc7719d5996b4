/**
 * The one outbound call the third-party adapters make (SMS gateway, identity provider):
 * `POST <url>` with a JSON body, a bearer key and a timeout. A network failure or timeout
 * becomes the adapter's own error (`unreachable`), named but never echoing the request.
 */
export async function postJson(
  fetcher: typeof fetch,
  target: { url: string; key: string; timeoutMs: number },
  payload: unknown,
  unreachable: (reason: string) => Error,
): Promise<Response> {
  try {
    return await fetcher(target.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${target.key}` },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(target.timeoutMs),
    });
  } catch (err) {
    throw unreachable((err as Error).name);
  }
}
