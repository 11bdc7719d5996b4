import { describe, expect, it, vi } from "vitest";
import { buildApp } from "../src/app";
import { DEFAULT_SMS_TEMPLATE } from "../src/config";
import { caller, devSms, latestCode, phoneState, problem, register, registration, testEnv } from "./helpers";

const count = async (table: string) => (await testEnv.DB.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>())!.n;

describe("SMS_TEMPLATE", () => {
  it("sends the configured Simplified Chinese default (wrangler.toml) with the code and minutes filled in", async () => {
    expect(testEnv.SMS_TEMPLATE).toBe(DEFAULT_SMS_TEMPLATE);
    const { body } = await register();
    const [message] = await devSms(body.phone);
    const code = await latestCode(body.phone);
    expect(message!.body).toBe(`【Gatehouse】您的验证码是${code}，10分钟内有效。请勿泄露给他人。`);
  });

  it("sends an operator's own template to the local outbox", async () => {
    const app = caller(buildApp({ devRoutes: true }), { SMS_TEMPLATE: "Code {code} (valid {minutes} min) — code again: {code}", CODE_TTL_SECONDS: "300" });
    const body = registration();
    expect((await app("/v1/accounts", { role: "app", body })).status).toBe(201);
    const res = await app("/v1/dev/sms", { role: "admin", body: { phone: body.phone } });
    const [message] = ((await res.json()) as any).messages;
    expect(message.body).toMatch(/^Code (\d{6}) \(valid 5 min\) — code again: \1$/);
  });

  it.each([
    ["no {code}", "Your verification code is ready."],
    ["an unknown placeholder", "Code {code}, valid {minute} minutes"],
    ["an empty template", ""],
  ])("is a configuration error with %s: 503 sms_unavailable, logged, nothing written or sent", async (_, template) => {
    const app = caller(buildApp({ devRoutes: true }), { SMS_TEMPLATE: template });
    const errors: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void errors.push(args.map(String).join(" ")));
    const before = await Promise.all(["accounts", "identity_vault", "audit_log", "phone_codes", "dev_sms_outbox"].map(count));
    try {
      const p = await problem(await app("/v1/accounts", { role: "app", body: registration() }));
      expect(p).toMatchObject({ status: 503, code: "sms_unavailable" });
    } finally {
      spy.mockRestore();
    }
    expect(await Promise.all(["accounts", "identity_vault", "audit_log", "phone_codes", "dev_sms_outbox"].map(count))).toEqual(before);
    expect(errors.some((l) => l.includes("registration_misconfigured") && l.includes("SMS_TEMPLATE"))).toBe(true);
  });

  it("refuses a resend with a broken template before a code is issued (the cooldown is not spent)", async () => {
    const { id, body } = await register();
    await testEnv.DB.prepare("UPDATE phone_codes SET last_sent_at = 0, hour_start = 0, day_start = 0 WHERE account_id = ?").bind(id).run();
    const before = await phoneState(id);
    const broken = caller(buildApp({ devRoutes: true }), { SMS_TEMPLATE: "no code here" });
    const p = await problem(await broken(`/v1/accounts/${id}/phone/resend`, { method: "POST", role: "app" }));
    expect(p).toMatchObject({ status: 503, code: "sms_unavailable" });
    expect(await phoneState(id)).toEqual(before);
    expect(await devSms(body.phone)).toHaveLength(1);
  });
});
