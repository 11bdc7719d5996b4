import { intVar } from "../../../pkg/config";
import { ApiError } from "../../../pkg/errors";
import { log } from "../../../pkg/log";
import type { Db } from "../../../pkg/db";
import type { Deps, Env } from "./env";
import { HttpIdentityVerifier, ManualReviewVerifier, type IdentityVerifier } from "./identity-verifier";
import { HttpSmsSender, LocalSmsSender, type SmsSender } from "./sms";

export interface CodePolicy {
  ttlMs: number;
  cooldownMs: number;
  perHour: number;
  perDay: number;
  maxAttempts: number;
}

export function codePolicy(env: Env): CodePolicy {
  return {
    ttlMs: intVar(env.CODE_TTL_SECONDS, 600, 60, 3600) * 1000,
    cooldownMs: intVar(env.CODE_RESEND_COOLDOWN_SECONDS, 60, 1, 3600) * 1000,
    perHour: intVar(env.CODE_MAX_PER_HOUR, 5, 1, 100),
    perDay: intVar(env.CODE_MAX_PER_DAY, 10, 1, 1000),
    maxAttempts: intVar(env.CODE_MAX_ATTEMPTS, 5, 1, 20),
  };
}

/** At most N accounts of a kind per identity (default: one public, one personal). */
export function identityLimit(env: Env, kind: "public" | "personal"): number {
  return kind === "public" ? intVar(env.MAX_PUBLIC_ACCOUNTS_PER_IDENTITY, 1, 1, 100) : intVar(env.MAX_PERSONAL_ACCOUNTS_PER_IDENTITY, 1, 1, 100);
}

export function localSmsEnabled(env: Pick<Env, "SMS_SENDER">): boolean {
  return env.SMS_SENDER === "local";
}

function unavailable(what: string, code: "sms_unavailable" | "identity_provider_unavailable"): ApiError {
  log("error", "registration_misconfigured", { what });
  return new ApiError(503, code, "A verification service is not configured on this deployment.");
}

function smsSender(env: Env, db: Db, deps: Deps): SmsSender {
  if (localSmsEnabled(env)) return new LocalSmsSender(db, deps.now);
  if (!env.SMS_GATEWAY_URL || !env.SMS_GATEWAY_KEY) throw unavailable("SMS_GATEWAY_URL/SMS_GATEWAY_KEY", "sms_unavailable");
  return new HttpSmsSender(env.SMS_GATEWAY_URL, env.SMS_GATEWAY_KEY, deps.fetch);
}

/** The verification message when SMS_TEMPLATE is not set at all. */
export const DEFAULT_SMS_TEMPLATE = "【Gatehouse】您的验证码是{code}，{minutes}分钟内有效。请勿泄露给他人。";
const SMS_PLACEHOLDERS = new Set(["code", "minutes"]);

/**
 * The verification message of SMS_TEMPLATE: `{code}` (required) and `{minutes}` are filled
 * in. A template without `{code}`, or with a placeholder we do not fill (a typo such as
 * `{minute}` would reach users verbatim), is a configuration error.
 */
export function smsTemplate(env: Pick<Env, "SMS_TEMPLATE">): (code: string, ttlMs: number) => string {
  const template = env.SMS_TEMPLATE ?? DEFAULT_SMS_TEMPLATE;
  const names = Array.from(template.matchAll(/\{([^{}]*)\}/g), (m) => m[1]!);
  if (!names.includes("code") || names.some((n) => !SMS_PLACEHOLDERS.has(n))) throw unavailable("SMS_TEMPLATE", "sms_unavailable");
  return (code, ttlMs) => template.replaceAll("{code}", code).replaceAll("{minutes}", String(Math.round(ttlMs / 60_000)));
}

/** How verification codes reach phones: the sender and the message text. */
export interface SmsChannel {
  sender: SmsSender;
  message: (code: string, ttlMs: number) => string;
}

/**
 * The SMS channel of this configuration, or 503 `sms_unavailable` (logged) when it is
 * misconfigured. Callers build it before writing anything, so a misconfiguration never
 * leaves an account, a code or a spent cooldown behind.
 */
export function smsChannel(env: Env, db: Db, deps: Deps): SmsChannel {
  return { sender: smsSender(env, db, deps), message: smsTemplate(env) };
}

export function identityVerifier(env: Env, deps: Deps): IdentityVerifier {
  if (env.IDENTITY_VERIFIER !== "http") return new ManualReviewVerifier();
  if (!env.IDV_URL || !env.IDV_KEY) throw unavailable("IDV_URL/IDV_KEY", "identity_provider_unavailable");
  return new HttpIdentityVerifier(env.IDV_URL, env.IDV_KEY, deps.fetch);
}
