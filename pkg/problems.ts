/**
 * The closed registry of problem codes: every `code` an API response can carry, with its
 * HTTP status and title (RFC 9457: the title is the same for every occurrence of the code).
 * `ApiError` accepts only these codes, with their own status; README's error tables and the
 * OpenAPI document list exactly these (a test checks both).
 *
 * Codes are snake_case. Field-level codes inside a 422's `errors` (e.g. `ID_CHECKSUM`) are a
 * separate, upper-case vocabulary: they name what is wrong with one field.
 */
export const PROBLEMS = {
  // 400
  malformed_json: { status: 400, title: "Malformed JSON" },
  malformed_body: { status: 400, title: "Malformed request body" },
  // 401
  missing_credentials: { status: 401, title: "Missing credentials" },
  invalid_authorization_header: { status: 401, title: "Invalid Authorization header" },
  invalid_key: { status: 401, title: "Invalid API key" },
  revoked_key: { status: 401, title: "Revoked API key" },
  webhook_signature_missing: { status: 401, title: "Webhook signature missing" },
  webhook_signature_invalid: { status: 401, title: "Webhook signature invalid" },
  webhook_timestamp_stale: { status: 401, title: "Webhook timestamp stale" },
  // 403
  forbidden_role: { status: 403, title: "Role not allowed" },
  same_operator: { status: 403, title: "Same operator" },
  not_affected_account: { status: 403, title: "Not the affected account" },
  csrf_token_invalid: { status: 403, title: "CSRF token invalid" },
  // 404
  route_not_found: { status: 404, title: "Route not found" },
  account_not_found: { status: 404, title: "Account not found" },
  allow_phrase_not_found: { status: 404, title: "Allow-list phrase not found" },
  blocked_domain_not_found: { status: 404, title: "Blocked domain not found" },
  evidence_not_found: { status: 404, title: "Evidence not found" },
  key_not_found: { status: 404, title: "API key not found" },
  licence_not_found: { status: 404, title: "Licence not found" },
  outlet_not_found: { status: 404, title: "Outlet not found" },
  post_not_found: { status: 404, title: "Post not found" },
  story_not_found: { status: 404, title: "Story not found" },
  report_not_found: { status: 404, title: "Report not found" },
  appeal_not_found: { status: 404, title: "Appeal not found" },
  decision_not_found: { status: 404, title: "Decision not found" },
  review_item_not_found: { status: 404, title: "Review item not found" },
  subject_not_found: { status: 404, title: "Subject not found" },
  term_list_not_found: { status: 404, title: "Term list not found" },
  term_not_found: { status: 404, title: "Term not found" },
  version_not_found: { status: 404, title: "Policy version not found" },
  webhook_not_found: { status: 404, title: "Webhook not found" },
  delivery_not_found: { status: 404, title: "Webhook delivery not found" },
  // 405
  method_not_allowed: { status: 405, title: "Method not allowed" },
  // 409
  code_not_active: { status: 409, title: "No active verification code" },
  concurrent_change: { status: 409, title: "Concurrent change" },
  identity_already_erased: { status: 409, title: "Identity already erased" },
  identity_limit: { status: 409, title: "Identity already registered" },
  invalid_transition: { status: 409, title: "Invalid account status transition" },
  key_revoked: { status: 409, title: "API key revoked" },
  licence_already_revoked: { status: 409, title: "Licence already revoked" },
  licence_conflict: { status: 409, title: "Licence number held with other terms" },
  phone_taken: { status: 409, title: "Phone number already registered" },
  publisher_not_eligible: { status: 409, title: "Account not eligible for a news licence" },
  already_current: { status: 409, title: "Version already current" },
  already_decided: { status: 409, title: "Already decided" },
  appeal_pending: { status: 409, title: "Appeal pending" },
  appeal_exists: { status: 409, title: "Appeal exists" },
  appeal_window_closed: { status: 409, title: "Appeal window closed" },
  not_reversible: { status: 409, title: "Not reversible" },
  duplicate_pattern: { status: 409, title: "Duplicate pattern" },
  import_conflict: { status: 409, title: "Import conflict" },
  item_claimed: { status: 409, title: "Item claimed by another operator" },
  audit_log_empty: { status: 409, title: "Audit log empty" },
  no_changes: { status: 409, title: "Nothing to publish" },
  post_blocked: { status: 409, title: "Post blocked" },
  post_exists: { status: 409, title: "Post already exists" },
  post_removed: { status: 409, title: "Post removed" },
  publish_conflict: { status: 409, title: "Concurrent publish" },
  repost_chain_conflict: { status: 409, title: "Repost chain conflict" },
  shards_locked: { status: 409, title: "Shards locked" },
  subject_already_actioned: { status: 409, title: "Subject already actioned" },
  story_already_removed: { status: 409, title: "Story already removed" },
  term_list_name_taken: { status: 409, title: "Term list name taken" },
  // 410
  code_expired: { status: 410, title: "Verification code expired" },
  identity_erased: { status: 410, title: "Identity erased" },
  // 413
  body_too_large: { status: 413, title: "Content too large" },
  // 415
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  // 422
  validation_failed: { status: 422, title: "Validation failed" },
  code_incorrect: { status: 422, title: "Verification code incorrect" },
  decision_not_applicable: { status: 422, title: "Decision not applicable" },
  not_appealable: { status: 422, title: "Not appealable" },
  idempotency_key_reused: { status: 422, title: "Idempotency key reused" },
  invalid_text: { status: 422, title: "Invalid text" },
  text_too_long: { status: 422, title: "Text too long" },
  import_invalid: { status: 422, title: "Import invalid" },
  invalid_cursor: { status: 422, title: "Invalid cursor" },
  invalid_thresholds: { status: 422, title: "Invalid thresholds" },
  policy_invalid: { status: 422, title: "Policy invalid" },
  repost_of_itself: { status: 422, title: "Repost of itself" },
  unknown_category: { status: 422, title: "Unknown category" },
  unknown_account: { status: 422, title: "Unknown account" },
  webhook_url_invalid: { status: 422, title: "Webhook URL invalid" },
  webhook_url_insecure: { status: 422, title: "Webhook URL not HTTPS" },
  webhook_url_forbidden: { status: 422, title: "Webhook URL address forbidden" },
  // 429
  code_locked: { status: 429, title: "Verification locked" },
  code_resend_cooldown: { status: 429, title: "Code resend cooldown" },
  code_hourly_cap: { status: 429, title: "Hourly code cap reached" },
  code_daily_cap: { status: 429, title: "Daily code cap reached" },
  rate_limited: { status: 429, title: "Rate limited" },
  // 500
  internal_error: { status: 500, title: "Internal error" },
  // 502
  sms_delivery_failed: { status: 502, title: "SMS delivery failed" },
  upstream_unavailable: { status: 502, title: "Upstream unavailable" },
  // 503
  facts_changing: { status: 503, title: "Account facts changing" },
  evidence_unavailable: { status: 503, title: "Evidence store unavailable" },
  audit_signing_unavailable: { status: 503, title: "Audit signing key unavailable" },
  identity_provider_unavailable: { status: 503, title: "Identity provider not configured" },
  sms_unavailable: { status: 503, title: "SMS gateway not configured" },
  policy_not_published: { status: 503, title: "Policy not published" },
  policy_builder_unavailable: { status: 503, title: "Policy builder unavailable" },
  post_overloaded: { status: 503, title: "Post overloaded" },
  post_counter_unavailable: { status: 503, title: "Post counter unavailable" },
  post_resharding: { status: 503, title: "Post resharding" },
  vault_unavailable: { status: 503, title: "Identity vault unavailable" },
  webhook_unavailable: { status: 503, title: "Webhook unavailable" },
  webhook_signing_unavailable: { status: 503, title: "Webhook signing unavailable" },
} as const satisfies Record<string, { status: ProblemStatus; title: string }>;

type ProblemStatus = 400 | 401 | 403 | 404 | 405 | 409 | 410 | 413 | 415 | 422 | 429 | 500 | 502 | 503;

export type ProblemCode = keyof typeof PROBLEMS;
/** The status a code is registered with. */
export type StatusOf<C extends ProblemCode> = (typeof PROBLEMS)[C]["status"];
/** The codes registered with one status, e.g. `CodesWithStatus<409>`. */
export type CodesWithStatus<S extends ProblemStatus> = { [C in ProblemCode]: StatusOf<C> extends S ? C : never }[ProblemCode];

export const PROBLEM_CODES = Object.keys(PROBLEMS) as ProblemCode[];

export function isProblemCode(code: string): code is ProblemCode {
  return Object.hasOwn(PROBLEMS, code);
}

/** Registered codes by status, for OpenAPI response descriptions. */
export function codesWithStatus(status: number): ProblemCode[] {
  return PROBLEM_CODES.filter((c) => PROBLEMS[c].status === status);
}
