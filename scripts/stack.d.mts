export function freePort(): Promise<number>;
export function readDevVar(file: string, name: string): string;
export function startStack(options?: { timeoutMs?: number; env?: Record<string, string> }): Promise<{
  baseUrl: string;
  adminKey: string;
  /** The stack's throw-away persistence dir (for `wrangler d1 execute DB --local --persist-to <state>`). */
  state: string;
  stop: () => Promise<void>;
  output: () => string;
}>;
