import type { ApiError } from "./errors";
import { log } from "./log";

/**
 * Why a call to a Durable Object failed in the platform rather than in the object's own code
 * (https://developers.cloudflare.com/durable-objects/best-practices/error-handling/):
 * - `overloaded`: the object cannot keep up; retrying at once adds load;
 * - `reset`: the object was reset mid-call (a deploy, an exceeded limit, `ctx.abort()`); a new
 *   call reaches a fresh instance;
 * - `transient`: an internal error the platform marks retryable.
 * null when the object's own code threw (`remote`, no reset) or the error is not a platform one:
 * that is a bug, and stays a 500.
 */
export type DurableFailure = "overloaded" | "reset" | "transient";

export function durableFailureOf(err: unknown): DurableFailure | null {
  if (typeof err !== "object" || err === null) return null;
  const e = err as { overloaded?: unknown; durableObjectReset?: unknown; retryable?: unknown };
  if (e.overloaded === true) return "overloaded";
  if (e.durableObjectReset === true) return "reset";
  if (e.retryable === true) return "transient";
  return null;
}

/**
 * Runs a call to a Durable Object (`object` names it in the log), answering a platform failure
 * with the caller's problem for it (`answer`: a 503 the client may retry); the object's own
 * exceptions pass through.
 */
export async function durableCall<R>(object: string, run: () => R, answer: (failure: DurableFailure) => ApiError): Promise<Awaited<R>> {
  try {
    return await run();
  } catch (err) {
    const failure = durableFailureOf(err);
    if (!failure) throw err;
    log("warn", "durable_call_failed", { object, failure });
    throw answer(failure);
  }
}
