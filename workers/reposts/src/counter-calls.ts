import { durableCall } from "../../../pkg/durable";
import { ApiError } from "../../../pkg/errors";

/**
 * A call to the counting objects (coordinators, shards) with the platform's failures as the
 * caller's cue: overloaded is 503 `post_overloaded` (back off: retrying at once adds load); reset
 * mid-call (a deploy, an exceeded limit) or a transient error is 503 `post_counter_unavailable`
 * (retry at once: with the same Idempotency-Key a count is made once). An exception of the
 * objects' own code stays a 500.
 */
export function counterCall<T>(run: () => Promise<T>): Promise<T> {
  return durableCall("post_counter", run, (failure) =>
    failure === "overloaded"
      ? new ApiError(503, "post_overloaded", "This post is receiving more counts than it can take right now; retry shortly.", { headers: { "retry-after": "1" } })
      : new ApiError(503, "post_counter_unavailable", "This post's counter restarted during the request; retry (with the same Idempotency-Key, a count is made once).", {
          headers: { "retry-after": "1" },
        }),
  );
}
