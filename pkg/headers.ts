/** Headers that cross the service bindings between the gateway and the function workers. */
export const REQUEST_ID_HEADER = "x-request-id";
/**
 * The authenticated caller, set by the gateway only (it strips any copy a client sends).
 * Function workers are reachable only through service bindings, so they trust it.
 */
export const PRINCIPAL_HEADER = "x-gatehouse-principal";
