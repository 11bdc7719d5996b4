import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    receiverUrl: string;
  }
}

/**
 * Webhook receivers on loopback for the events worker's tests (they run inside workerd, which
 * cannot listen). `POST /<name>?fail=N` answers 500 to the first N requests of <name>, then 204;
 * `?slow=MS` waits first; `GET /log/<name>` returns every request <name> got (headers and body).
 */
export default async function setup(project: TestProject) {
  const log = new Map<string, { headers: Record<string, string>; body: string; status: number }[]>();
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (req.method === "GET" && url.pathname.startsWith("/log/")) {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(log.get(url.pathname.slice(5)) ?? []));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const name = url.pathname.slice(1);
    const seen = log.get(name) ?? [];
    const slow = Number(url.searchParams.get("slow") ?? 0);
    if (slow) await new Promise((r) => setTimeout(r, slow));
    const status = seen.length < Number(url.searchParams.get("fail") ?? 0) ? 500 : 204;
    seen.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString("utf8"), status });
    log.set(name, seen);
    if (status === 500) res.writeHead(500, { "content-type": "text/plain" }).end("receiver down\u0000\u202E for maintenance");
    else res.writeHead(204).end();
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as { port: number };
  project.provide("receiverUrl", `http://127.0.0.1:${port}`);
  return () => new Promise<void>((ok) => server.close(() => ok()));
}
