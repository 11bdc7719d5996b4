/** Headers that cross the service bindings between the gateway and the function workers. */
export const REQUEST_ID_HEADER = "x-request-id";
/**
 * The authenticated caller, set by the gateway only (it strips any copy a client sends).
 * Function workers are reachable only through service bindings, so they trust it.
 */
export const PRINCIPAL_HEADER = "x-gatehouse-principal";
/**
 * Local stacks only: the gateway, run with `D1_QUERY_LOG=1`, asks the function workers to log the
 * SQL they prepare (pkg/d1-query-log.ts); it strips any copy a client sends.
 */
export const QUERY_LOG_HEADER = "x-gatehouse-query-log";
