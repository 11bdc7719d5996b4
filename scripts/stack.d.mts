export function freePort(): Promise<number>;
export function readDevVar(file: string, name: string): string;
export function startStack(options?: { timeoutMs?: number; env?: Record<string, string> }): Promise<{
  baseUrl: string;
  adminKey: string;
  stop: () => Promise<void>;
  output: () => string;
}>;
