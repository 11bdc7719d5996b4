export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * Structured JSON logs (one object per line, read by Workers Logs / tail).
 * Callers pass ids and codes only: never request bodies, query strings or personal data.
 */
export function log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, msg, at: new Date().toISOString(), ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
