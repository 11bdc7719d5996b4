import { createServer, type Server } from "node:http";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminKey, api, eventually, expectData, expectProblem, http, newKey } from "./client";
import { residentId } from "../support/resident-id";

/**
 * Outbound webhooks against the real stack: the registry (moderation), the events worker's queues
 * (gatehouse-events → gatehouse-deliveries → dead letters) and receivers on loopback in this
 * process, each delivery verified with the `standardwebhooks` package (a client nobody here
 * wrote). The local stack's `.dev.vars` allow http://127.0.0.1 receivers and retry within
 * seconds (scripts/local-secrets.mjs). Events come from real changes: a report opening a review
 * item announces `review.opened`.
 */

type Got = { headers: Record<string, string>; body: string; status: number };
/** Per receiver path: what it got, and how many requests it still fails (500) before answering 204. */
const receivers = new Map<string, { got: Got[]; failFirst: number }>();
let server: Server;
let receiverBase: string;

function receiver(name: string, failFirst = 0): string {
  receivers.set(name, { got: [], failFirst });
  return `${receiverBase}/${name}`;
}
const got = (name: string) => receivers.get(name)!.got;

let app: ReturnType<typeof api>;
const admin = () => api(adminKey());

const residentIdOf = (n: number) => residentId("440301", "19850101", n);
let seq = Math.floor(Math.random() * 900_000);

/** A real change that announces `review.opened`: a new account, reported once. Returns the account id. */
async function reviewOpened(): Promise<string> {
  seq += 1;
  const created = await expectData(
    app.POST("/v1/accounts", {
      body: {
        handle: `hook_${seq}_${Math.random().toString(36).slice(2, 6)}`,
        displayName: "Webhook Test",
        kind: "public",
        identity: { name: "王五", documentType: "cn_resident_id", documentNumber: residentIdOf(seq) },
        phone: `+86136${String(seq).padStart(8, "0")}`,
      },
    }),
    201,
  );
  const accountId = created.account.id;
  await expectData(app.POST("/v1/reports", { body: { subjectType: "account", subjectId: accountId, reporterId: `reporter-${seq}`, reason: "fraud" } }), 201);
  return accountId;
}

/** The deliveries a receiver got for the review item of `accountId`. */
function forAccount(name: string, accountId: string): Got[] {
  return got(name).filter((g) => (JSON.parse(g.body) as { data?: { subjectId?: string }; subject?: { id: string } }).data?.subjectId === accountId || g.body.includes(accountId));
}

async function register(url: string, eventTypes: ("review.opened" | "post.removed" | "review.decided")[] = ["review.opened"]) {
  return expectData(admin().POST("/v1/webhooks", { body: { url, eventTypes, description: "e2e receiver" } }), 201);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r = receivers.get((req.url ?? "/").slice(1));
      if (!r) return res.writeHead(404).end();
      const status = r.failFirst > 0 ? 500 : 204;
      if (r.failFirst > 0) r.failFirst -= 1;
      r.got.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString("utf8"), status });
      res.writeHead(status).end(status === 500 ? "try later" : undefined);
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  receiverBase = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  app = api((await newKey("app")).key);
});

afterAll(async () => {
  await new Promise<void>((ok) => server.close(() => ok()));
});

describe("the webhook registry", () => {
  it("is admin only: operators and apps are 403, no key is 401", async () => {
    const hook = await register(receiver("roles"));
    for (const role of ["app", "operator"] as const) {
      const other = api((await newKey(role)).key);
      await expectProblem(other.GET("/v1/webhooks", {}), 403);
      await expectProblem(other.POST("/v1/webhooks", { body: { url: "https://hooks.example.com/x", eventTypes: ["post.removed"] } }), 403);
      await expectProblem(other.GET("/v1/webhooks/{id}", { params: { path: { id: hook.id } } }), 403);
      await expectProblem(other.PATCH("/v1/webhooks/{id}", { params: { path: { id: hook.id } }, body: { enabled: false } }), 403);
      await expectProblem(other.DELETE("/v1/webhooks/{id}", { params: { path: { id: hook.id } } }), 403);
      await expectProblem(other.POST("/v1/webhooks/{id}/rotate-secret", { params: { path: { id: hook.id } }, body: { overlapSeconds: 3600 } }), 403);
      await expectProblem(other.GET("/v1/webhooks/{id}/deliveries", { params: { path: { id: hook.id } } }), 403);
    }
    expect((await http("/v1/webhooks")).status).toBe(401);
    // The identity provider's callback is still registration's, and public: its signature is what fails.
    const idv = await http("/v1/webhooks/identity", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(idv.status).toBe(401);
    expect(((await idv.json()) as { code: string }).code).toBe("webhook_signature_missing");
  });

  it("checks URLs (local stack: http loopback receivers allowed, metadata and bad forms never)", async () => {
    const refused: [string, string][] = [
      ["ftp://hooks.example.com/x", "webhook_url_invalid"],
      ["https://user:secret@hooks.example.com/x", "webhook_url_invalid"],
      ["http://hooks.example.com/x", "webhook_url_insecure"],
      ["http://169.254.169.254/latest/meta-data", "webhook_url_forbidden"],
      ["https://metadata.google.internal/x", "webhook_url_forbidden"],
      ["https://[fe80::1]/x", "webhook_url_forbidden"],
      ["https://8.8.8.8/x", "webhook_url_forbidden"],
      ["https://printer.local/x", "webhook_url_forbidden"],
    ];
    for (const [url, code] of refused) {
      const problem = await expectProblem(admin().POST("/v1/webhooks", { body: { url, eventTypes: ["post.removed"] } }), 422);
      expect(problem.code, url).toBe(code);
    }
    for (const url of [`${receiverBase}/ok`, "https://hooks.example.com/in"]) {
      const hook = await register(url, ["post.removed"]);
      expect(hook.url).toBe(url);
      expect((await admin().DELETE("/v1/webhooks/{id}", { params: { path: { id: hook.id } } })).response.status).toBe(204);
    }
  });

  it("shows the secret once; GET and the list never do", async () => {
    const hook = await register(receiver("once-secret"));
    expect(hook.secret).toMatch(/^whsec_/);
    const read = await expectData(admin().GET("/v1/webhooks/{id}", { params: { path: { id: hook.id } } }), 200);
    expect(JSON.stringify(read)).not.toContain(hook.secret);
    const list = await expectData(admin().GET("/v1/webhooks", { params: { query: { limit: 500 } } }), 200);
    expect(list.webhooks.some((w) => w.id === hook.id)).toBe(true);
    expect(JSON.stringify(list)).not.toContain("whsec_");
    const audit = await expectData(admin().GET("/v1/audit", { params: { query: { subjectType: "webhook", subjectId: hook.id } } }), 200);
    expect(audit.entries.map((e) => e.action)).toEqual(["webhook.created"]);
  });
});

describe("deliveries", () => {
  it("a receiver failing twice gets the event once acknowledged, after three logged attempts, each signed", async () => {
    const hook = await register(receiver("flaky", 2));
    const accountId = await reviewOpened();
    const deliveries = await eventually(async () => {
      const page = await expectData(admin().GET("/v1/webhooks/{id}/deliveries", { params: { path: { id: hook.id } } }), 200);
      const d = page.deliveries.find((x) => x.status === "succeeded");
      return d ? page.deliveries : undefined;
    }, 45_000);
    expect(deliveries).toHaveLength(1);
    const [d] = deliveries;
    expect(d!.eventType).toBe("review.opened");
    expect(d!.attempts.map((a) => [a.attempt, a.statusCode, a.error])).toEqual([
      [1, 500, "http_status"],
      [2, 500, "http_status"],
      [3, 204, null],
    ]);
    expect(d!.attempts[0]!.nextRetryAt).not.toBeNull();
    expect(d!.attempts[0]!.responseExcerpt).toBe("try later");
    const received = forAccount("flaky", accountId);
    expect(received.map((r) => r.status)).toEqual([500, 500, 204]);
    for (const r of received) {
      const payload = new Webhook(hook.secret).verify(r.body, r.headers) as { id: string; type: string };
      expect(payload).toMatchObject({ id: d!.eventId, type: "review.opened" });
      expect(r.headers["webhook-id"]).toBe(d!.eventId);
    }
  });

  it("twenty more reports at once join the open item: still one event, one delivery per endpoint", async () => {
    const hook = await register(receiver("burst"));
    const accountId = await reviewOpened();
    await eventually(async () => (forAccount("burst", accountId).length === 1 ? true : undefined), 40_000);
    // More reports join the open item: no new event (the outbox row is conditional on the item being opened).
    const more = await Promise.all(
      Array.from({ length: 20 }, (_, i) => app.POST("/v1/reports", { body: { subjectType: "account", subjectId: accountId, reporterId: `burst-${i}`, reason: "fraud" } })),
    );
    expect(more.every((r) => r.response.status === 201)).toBe(true);
    await new Promise((r) => setTimeout(r, 3000));
    expect(forAccount("burst", accountId)).toHaveLength(1);
    const page = await expectData(admin().GET("/v1/webhooks/{id}/deliveries", { params: { path: { id: hook.id } } }), 200);
    expect(page.deliveries).toHaveLength(1);
  });

  it("ten operators deciding one item at once: one decision, one review.decided delivered; the refused batches announce nothing", async () => {
    await register(receiver("decided"), ["review.decided"]);
    const accountId = await reviewOpened();
    const operators = await Promise.all(Array.from({ length: 10 }, async () => api((await newKey("operator")).key)));
    const page = await expectData(operators[0]!.GET("/v1/review-queue", { params: { query: { subjectType: "account", limit: 500 } } }), 200);
    const item = page.items.find((i) => i.subjectId === accountId)!;
    const answers = await Promise.all(
      operators.map((op) => op.POST("/v1/review-queue/{id}/decision", { params: { path: { id: item.id } }, body: { action: "dismiss", reason: "not a scam" } })),
    );
    expect(answers.filter((a) => a.response.status === 200)).toHaveLength(1);
    for (const a of answers.filter((a) => a.response.status !== 200)) expect(a.response.status).toBe(409);
    await eventually(async () => (forAccount("decided", accountId).length ? true : undefined), 40_000);
    await new Promise((r) => setTimeout(r, 3000));
    const [only, ...more] = forAccount("decided", accountId);
    expect(more).toHaveLength(0);
    expect(JSON.parse(only!.body)).toMatchObject({ type: "review.decided", data: { reviewItemId: item.id } });
  });

  it("an account action is announced once registration applied it: ten operators warning at once, one review.decided", async () => {
    await register(receiver("warned"), ["review.decided"]);
    const accountId = await reviewOpened();
    const operators = await Promise.all(Array.from({ length: 10 }, async () => api((await newKey("operator")).key)));
    const page = await expectData(operators[0]!.GET("/v1/review-queue", { params: { query: { subjectType: "account", limit: 500 } } }), 200);
    const item = page.items.find((i) => i.subjectId === accountId)!;
    const answers = await Promise.all(
      operators.map((op) => op.POST("/v1/review-queue/{id}/decision", { params: { path: { id: item.id } }, body: { action: "warn_account", reason: "paid-job contacts" } })),
    );
    const won = answers.filter((a) => a.response.status === 200);
    expect(won).toHaveLength(1);
    expect(won[0]!.data).toMatchObject({ decisionRecord: { action: "warn_account", status: "applied" } });
    await eventually(async () => (forAccount("warned", accountId).length ? true : undefined), 40_000);
    await new Promise((r) => setTimeout(r, 3000));
    const [only, ...more] = forAccount("warned", accountId);
    expect(more).toHaveLength(0);
    expect(JSON.parse(only!.body)).toMatchObject({ type: "review.decided", data: { reviewItemId: item.id, action: "warn_account", target: { type: "account", id: accountId } } });
  });

  it("after a rotation both secrets verify during the overlap, only the new one after it", { timeout: 120_000 }, async () => {
    const hook = await register(receiver("rotating"));
    const rotated = await expectData(admin().POST("/v1/webhooks/{id}/rotate-secret", { params: { path: { id: hook.id } }, body: { overlapSeconds: 5 } }), 200);
    expect(rotated.secret).not.toBe(hook.secret);
    const during = await reviewOpened();
    const [first] = await eventually(async () => {
      const r = forAccount("rotating", during);
      return r.length ? r : undefined;
    }, 40_000);
    expect(first!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(new Webhook(hook.secret).verify(first!.body, first!.headers)).toBeTruthy();
    expect(new Webhook(rotated.secret).verify(first!.body, first!.headers)).toBeTruthy();

    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(rotated.previousSecretExpiresAt) - Date.now()) + 500));
    const after = await reviewOpened();
    const [second] = await eventually(async () => {
      const r = forAccount("rotating", after);
      return r.length ? r : undefined;
    }, 40_000);
    expect(second!.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(new Webhook(rotated.secret).verify(second!.body, second!.headers)).toBeTruthy();
    expect(() => new Webhook(hook.secret).verify(second!.body, second!.headers)).toThrow();
    const audit = await expectData(admin().GET("/v1/audit", { params: { query: { subjectType: "webhook", subjectId: hook.id } } }), 200);
    expect(audit.entries.map((e) => e.action).sort()).toEqual(["webhook.created", "webhook.secret_rotated"]);
  });

  it("out of retries, a delivery is dead (the dead-letter queue); a manual retry delivers it, audited", async () => {
    const hook = await register(receiver("down", 1_000));
    const accountId = await reviewOpened();
    const dead = await eventually(async () => {
      const page = await expectData(admin().GET("/v1/webhooks/{id}/deliveries", { params: { path: { id: hook.id }, query: { status: "dead" } } }), 200);
      return page.deliveries[0];
    }, 100_000);
    // max_retries = 8 in workers/events/wrangler.toml: the first attempt and eight retries.
    expect(dead.attempts).toHaveLength(9);
    expect(dead.attempts.every((a) => a.statusCode === 500)).toBe(true);
    expect(dead.attempts.at(-1)!.nextRetryAt).toBeNull();
    expect(forAccount("down", accountId)).toHaveLength(9);

    receivers.get("down")!.failFirst = 0;
    const retried = await expectData(admin().POST("/v1/webhooks/{id}/deliveries/{deliveryId}/retry", { params: { path: { id: hook.id, deliveryId: dead.id } } }), 202);
    expect(retried.status).toBe("pending");
    await eventually(async () => {
      const page = await expectData(admin().GET("/v1/webhooks/{id}/deliveries", { params: { path: { id: hook.id } } }), 200);
      return page.deliveries[0]?.status === "succeeded" ? true : undefined;
    }, 40_000);
    const last = forAccount("down", accountId).at(-1)!;
    expect(last.status).toBe(204);
    expect(new Webhook(hook.secret).verify(last.body, last.headers)).toBeTruthy();
    const audit = await expectData(admin().GET("/v1/audit", { params: { query: { subjectType: "webhook", subjectId: hook.id } } }), 200);
    expect(audit.entries.map((e) => e.action)).toContain("webhook.delivery_retried");
  }, 150_000);

  it("a disabled or deleted endpoint gets nothing", async () => {
    const disabled = await register(receiver("disabled"));
    await expectData(admin().PATCH("/v1/webhooks/{id}", { params: { path: { id: disabled.id } }, body: { enabled: false } }), 200);
    const deleted = await register(receiver("deleted"));
    expect((await admin().DELETE("/v1/webhooks/{id}", { params: { path: { id: deleted.id } } })).response.status).toBe(204);
    const live = await register(receiver("live"));
    const accountId = await reviewOpened();
    await eventually(async () => (forAccount("live", accountId).length ? true : undefined), 40_000);
    expect(forAccount("disabled", accountId)).toHaveLength(0);
    expect(forAccount("deleted", accountId)).toHaveLength(0);
    const read = await expectData(admin().GET("/v1/webhooks/{id}", { params: { path: { id: disabled.id } } }), 200);
    expect(read).toMatchObject({ enabled: false, disabledReason: "disabled_by_admin" });
    await expectData(admin().PATCH("/v1/webhooks/{id}", { params: { path: { id: live.id } }, body: { enabled: false } }), 200);
  });
});
