import { describe, expect, it } from "vitest";
import { buildApp } from "../src/app";
import { call, caller, latestCode, phoneState, problem, register, registration, testEnv } from "./helpers";

const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");
const verify = (id: string, code: string) => call(`/v1/accounts/${id}/phone/verify`, { role: "app", body: { code } });

describe("phone codes", () => {
  it("stores only an HMAC of the code", async () => {
    const { id, body } = await register();
    const code = await latestCode(body.phone);
    const row = await phoneState(id);
    expect(row!.code_hmac).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(code);
  });

  it("locks after five wrong tries, even for the right code", async () => {
    const { id, body } = await register();
    const code = await latestCode(body.phone);
    for (let i = 1; i <= 4; i++) {
      const p = await problem(await verify(id, wrong(code)));
      expect(p).toMatchObject({ status: 422, code: "code_incorrect", attemptsRemaining: 5 - i });
    }
    const fifth = await verify(id, wrong(code));
    expect(fifth.status).toBe(429);
    expect((await problem(fifth)).code).toBe("code_locked");
    expect(Number(fifth.headers.get("retry-after"))).toBeGreaterThan(0);
    const right = await verify(id, code);
    expect((await problem(right)).code).toBe("code_locked");
    expect((await (await call(`/v1/accounts/${id}`, { role: "app" })).json()) as any).toMatchObject({ status: "pending_phone" });
  });

  it("counts concurrent wrong guesses exactly", async () => {
    const { id, body } = await register();
    const code = await latestCode(body.phone);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => verify(id, String((Number(code) + 1 + i) % 1_000_000).padStart(6, "0"))));
    const codes = await Promise.all(results.map(async (r) => (await problem(r)).code));
    expect(codes.filter((c) => c === "code_incorrect")).toHaveLength(4);
    expect(codes.filter((c) => c === "code_locked")).toHaveLength(8);
    expect((await phoneState(id))!.attempts).toBe(5);
    expect((await problem(await verify(id, code))).code).toBe("code_locked");
  });

  it("refuses an expired code (injected clock: 10 minutes later)", async () => {
    const { id, body } = await register();
    const code = await latestCode(body.phone);
    const later = caller(buildApp({ devRoutes: true, deps: { now: () => Date.now() + 10 * 60_000 + 1 } }));
    const res = await later(`/v1/accounts/${id}/phone/verify`, { role: "app", body: { code } });
    expect(res.status).toBe(410);
    expect((await problem(res)).code).toBe("code_expired");
    // Just inside the ten minutes it still works.
    const inTime = caller(buildApp({ devRoutes: true, deps: { now: () => Date.now() + 9 * 60_000 } }));
    expect((await inTime(`/v1/accounts/${id}/phone/verify`, { role: "app", body: { code } })).status).toBe(200);
  });

  it("accepts a code once: a concurrent second use and a later reuse fail", async () => {
    const { id, body } = await register();
    const code = await latestCode(body.phone);
    const [a, b] = await Promise.all([verify(id, code), verify(id, code)]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const again = await verify(id, code);
    expect(again.status).toBe(409);
    expect((await problem(again)).code).toBe("invalid_transition");
    expect((await phoneState(id))!.code_hmac).toBeNull();
  });

  it("enforces the resend cooldown with Retry-After, then replaces the old code", async () => {
    const { id, body } = await register();
    const first = await latestCode(body.phone);
    const early = await call(`/v1/accounts/${id}/phone/resend`, { role: "app", method: "POST" });
    expect(early.status).toBe(429);
    expect((await problem(early)).code).toBe("code_resend_cooldown");
    const retry = Number(early.headers.get("retry-after"));
    expect(retry).toBeGreaterThanOrEqual(59);
    expect(retry).toBeLessThanOrEqual(60);

    await testEnv.DB.prepare("UPDATE phone_codes SET last_sent_at = last_sent_at - 61000 WHERE account_id = ?").bind(id).run();
    const resent = await call(`/v1/accounts/${id}/phone/resend`, { role: "app", method: "POST" });
    expect(resent.status).toBe(202);
    const second = await latestCode(body.phone);
    if (second !== first) expect((await problem(await verify(id, first))).code).toBe("code_incorrect");
    expect((await verify(id, second)).status).toBe(200);
  });

  it("caps codes per phone per hour and per day", async () => {
    const { id } = await register();
    const now = Date.now();
    await testEnv.DB.prepare("UPDATE phone_codes SET last_sent_at = ?, hour_start = ?, hour_count = 5 WHERE account_id = ?").bind(now - 120_000, now - 30 * 60_000, id).run();
    const hourly = await call(`/v1/accounts/${id}/phone/resend`, { role: "app", method: "POST" });
    expect(hourly.status).toBe(429);
    expect((await problem(hourly)).code).toBe("code_hourly_cap");
    const wait = Number(hourly.headers.get("retry-after"));
    expect(wait).toBeGreaterThan(29 * 60);
    expect(wait).toBeLessThanOrEqual(30 * 60);

    await testEnv.DB.prepare("UPDATE phone_codes SET hour_start = ?, hour_count = 1, day_start = ?, day_count = 10 WHERE account_id = ?").bind(now - 2 * 3_600_000, now - 3_600_000, id).run();
    const daily = await call(`/v1/accounts/${id}/phone/resend`, { role: "app", method: "POST" });
    expect((await problem(daily)).code).toBe("code_daily_cap");
    expect(Number(daily.headers.get("retry-after"))).toBeGreaterThan(22 * 3600);

    // Once the day window has passed, counting starts again.
    await testEnv.DB.prepare("UPDATE phone_codes SET day_start = ? WHERE account_id = ?").bind(now - 86_400_001, id).run();
    expect((await call(`/v1/accounts/${id}/phone/resend`, { role: "app", method: "POST" })).status).toBe(202);
    expect(await phoneState(id)).toMatchObject({ day_count: 1, hour_count: 1 });
  });

  it("validates the code format and the account state", async () => {
    const { id } = await register(registration());
    const p = await problem(await verify(id, "12345"));
    expect(p).toMatchObject({ status: 422, code: "validation_failed" });
    expect(p.errors![0]!.field).toBe("code");
    expect((await problem(await verify("acc_unknown000000", "123456"))).code).toBe("account_not_found");
  });
});
