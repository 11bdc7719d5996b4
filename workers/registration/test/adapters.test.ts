import { describe, expect, it } from "vitest";
import { HttpIdentityVerifier, signWebhook, verifyWebhookSignature } from "../src/identity-verifier";
import { HttpSmsSender, SmsDeliveryError } from "../src/sms";

/** A test double of a third-party HTTP service: records requests, answers as told. */
function fakeFetch(answer: (req: Request) => Response | Promise<Response>) {
  const requests: { url: string; method: string; headers: Headers; body: any }[] = [];
  const fn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const text = await req.clone().text();
    requests.push({ url: req.url, method: req.method, headers: req.headers, body: text ? JSON.parse(text) : null });
    return answer(req);
  }) as typeof fetch;
  return { fn, requests };
}

describe("HttpSmsSender", () => {
  it("posts the message with the gateway key", async () => {
    const gw = fakeFetch(() => new Response(JSON.stringify({ id: "m1" }), { status: 202 }));
    await new HttpSmsSender("https://sms.test/send", "sms-key", gw.fn).send({ e164: "+8613800138000", phoneBidx: "x" }, "code 123456");
    expect(gw.requests).toHaveLength(1);
    expect(gw.requests[0]).toMatchObject({ url: "https://sms.test/send", method: "POST", body: { to: "+8613800138000", body: "code 123456" } });
    expect(gw.requests[0]!.headers.get("authorization")).toBe("Bearer sms-key");
  });
  it("reports a refused or unreachable gateway as SmsDeliveryError", async () => {
    const refused = fakeFetch(() => new Response("nope", { status: 500 }));
    await expect(new HttpSmsSender("https://sms.test/send", "k", refused.fn).send({ e164: "+8613800138000", phoneBidx: "x" }, "m")).rejects.toBeInstanceOf(SmsDeliveryError);
    const down = (async () => {
      throw new TypeError("network down");
    }) as typeof fetch;
    await expect(new HttpSmsSender("https://sms.test/send", "k", down).send({ e164: "+8613800138000", phoneBidx: "x" }, "m")).rejects.toBeInstanceOf(SmsDeliveryError);
  });
});

describe("HttpIdentityVerifier", () => {
  const req = { reference: "acc_1", name: "张三", documentType: "cn_resident_id", documentNumber: "11010519491231002X" };
  it("starts an asynchronous check and returns the provider's id", async () => {
    const idv = fakeFetch(() => Response.json({ id: "chk_42", status: "pending" }));
    const started = await new HttpIdentityVerifier("https://idv.test/checks", "idv-key", idv.fn).start(req);
    expect(started).toEqual({ mode: "async", ref: "chk_42" });
    expect(idv.requests[0]!.body).toEqual(req);
    expect(idv.requests[0]!.headers.get("authorization")).toBe("Bearer idv-key");
  });
  it.each([
    ["an error status", () => new Response("", { status: 503 })],
    ["no id", () => Response.json({ status: "pending" })],
    ["not JSON", () => new Response("<html>", { status: 200 })],
  ])("fails on %s", async (_label, answer) => {
    await expect(new HttpIdentityVerifier("https://idv.test/checks", "k", fakeFetch(answer).fn).start(req)).rejects.toThrow();
  });
});

describe("webhook signatures", () => {
  const secret = "webhook-secret-0123456789abcdef";
  const now = 1_800_000_000_000;
  it("accepts a fresh signature over the exact raw body", async () => {
    const body = '{"eventId":"e1"}';
    const header = await signWebhook(secret, body, now / 1000);
    expect(await verifyWebhookSignature(secret, body, header, now)).toBe("ok");
  });
  it("rejects a changed body, another secret, a stale timestamp, garbage and absence", async () => {
    const body = '{"eventId":"e1"}';
    const header = await signWebhook(secret, body, now / 1000);
    expect(await verifyWebhookSignature(secret, '{"eventId":"e2"}', header, now)).toBe("invalid");
    expect(await verifyWebhookSignature(secret, body + " ", header, now)).toBe("invalid");
    expect(await verifyWebhookSignature("other-secret-0123456789abcdef", body, header, now)).toBe("invalid");
    expect(await verifyWebhookSignature(secret, body, header, now + 6 * 60_000)).toBe("stale");
    expect(await verifyWebhookSignature(secret, body, "t=abc,v1=zz", now)).toBe("invalid");
    expect(await verifyWebhookSignature(secret, body, undefined, now)).toBe("missing");
  });
});
