import { devSmsOutbox } from "../../../db/schema";
import type { Db } from "../../../pkg/db";
import { newId } from "../../../pkg/ids";
import { postJson } from "./http-post";

/** Where a message goes: the number itself (for a real gateway) and its blind index. */
export interface SmsRecipient {
  e164: string;
  phoneBidx: string;
}

/** Sends one text message; rejects with SmsDeliveryError when the message was not accepted. */
export interface SmsSender {
  send(to: SmsRecipient, body: string): Promise<void>;
}

export class SmsDeliveryError extends Error {
  override name = "SmsDeliveryError";
}

/**
 * A real SMS gateway over HTTP: `POST <url>` with `{ to, body }` and a bearer key.
 * `fetch` is injected so tests can put a test double in place of the gateway.
 */
export class HttpSmsSender implements SmsSender {
  constructor(
    private readonly url: string,
    private readonly key: string,
    private readonly fetcher: typeof fetch = fetch,
    private readonly timeoutMs = 5_000,
  ) {}

  async send(to: SmsRecipient, body: string): Promise<void> {
    const res = await postJson(this.fetcher, { url: this.url, key: this.key, timeoutMs: this.timeoutMs }, { to: to.e164, body }, (reason) => new SmsDeliveryError(`gateway unreachable (${reason})`));
    // Drain the body so the connection is released; its content is not needed.
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new SmsDeliveryError(`gateway answered ${res.status}`);
  }
}

/**
 * Local dev and tests: messages go to a D1 table (keyed by the phone's blind index, so no
 * number is stored) and can be read back at `POST /v1/dev/sms`.
 */
export class LocalSmsSender implements SmsSender {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  async send(to: SmsRecipient, body: string): Promise<void> {
    await this.db.insert(devSmsOutbox).values({ id: newId("sms"), phoneBidx: to.phoneBidx, body, createdAt: this.now() });
  }
}
