import { parsePhoneNumberFromString } from "libphonenumber-js/max";

export type PhoneResult = { ok: true; e164: string } | { ok: false; code: "PHONE_INVALID" | "PHONE_NOT_MOBILE"; message: string };

/** Types that can receive an SMS (some countries do not distinguish fixed from mobile). */
const SMS_TYPES = new Set(["MOBILE", "FIXED_LINE_OR_MOBILE"]);

/**
 * Parses a phone number with full metadata (numbers without a `+` are read as Chinese),
 * and accepts mobile numbers only, returned as E.164.
 */
export function parseMobile(raw: string): PhoneResult {
  const parsed = parsePhoneNumberFromString(raw.normalize("NFKC").trim(), "CN");
  if (!parsed || !parsed.isValid()) return { ok: false, code: "PHONE_INVALID", message: "Not a valid phone number; send it in E.164 form, e.g. +8613800138000." };
  const type = parsed.getType();
  if (!type || !SMS_TYPES.has(type)) return { ok: false, code: "PHONE_NOT_MOBILE", message: "Only mobile numbers can receive verification codes." };
  return { ok: true, e164: parsed.number };
}

/** `+86 138****8000`: country code, first three and last four national digits. */
export function maskPhone(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return "+" + "*".repeat(Math.max(0, e164.length - 1));
  const national = String(parsed.nationalNumber);
  const keepHead = national.length >= 9 ? 3 : 1;
  const keepTail = national.length >= 8 ? 4 : 2;
  const hidden = Math.max(1, national.length - keepHead - keepTail);
  return `+${parsed.countryCallingCode} ${national.slice(0, keepHead)}${"*".repeat(hidden)}${national.slice(national.length - keepTail)}`;
}
