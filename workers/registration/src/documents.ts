/**
 * Identity document numbers: normalisation and validation, as pure functions.
 *
 * What is checked for Chinese resident identity numbers (GB 11643-1999):
 *  - length 18 (or 15 for legacy numbers, upgraded to 18 with "19" + computed check char);
 *  - 17 digits then a digit or X (lowercase x accepted);
 *  - region: the province-level prefix (first two digits) is one of GB/T 2260's
 *    11–15, 21–23, 31–37, 41–46, 50–54, 61–65, 71, 91 and the city part (digits 3–4) is a
 *    plausible 01–70 or 90 — not a full county table, which changes every year;
 *  - a real calendar birth date, not before 1900 and not after `today`;
 *  - the ISO 7064 MOD 11-2 check character.
 * Residence permits for Hong Kong, Macau and Taiwan residents use the same layout with the
 * fixed prefixes 810000, 820000, 830000.
 */

export const DOCUMENT_TYPES = ["cn_resident_id", "hk_macau_tw_residence_permit", "mainland_travel_permit", "passport"] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

export type DocumentErrorCode = "ID_LENGTH" | "ID_FORMAT" | "ID_REGION" | "ID_BIRTHDATE" | "ID_CHECKSUM" | "DOC_TYPE_MISMATCH" | "DOC_TYPE_UNSUPPORTED";

export type DocumentResult =
  | { ok: true; type: DocumentType; number: string; upgradedFromLegacy?: boolean }
  | { ok: false; code: DocumentErrorCode; message: string };

const PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 91,
]);
const PERMIT_PREFIXES = new Set(["810000", "820000", "830000"]);
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = "10X98765432";

/**
 * Full-width digits/letters become ASCII (NFKC), spaces and dashes of any width are dropped,
 * letters are upper-cased: `１１０１ ０５-…x` and `110105…X` are the same number.
 */
export function normaliseDocumentNumber(raw: string): string {
  return raw
    .normalize("NFKC")
    .replace(/[\s\u00a0\u3000\-\u2010-\u2015\u2212\ufe63\uff0d]/g, "")
    .toUpperCase();
}

/** ISO 7064 MOD 11-2 check character of the first 17 digits. */
export function checkChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

/** `YYYYMMDD` is a real date, 1900-01-01 … today (UTC+8 calendar day of `now`). */
export function validBirthDate(yyyymmdd: string, now: number): boolean {
  if (!/^\d{8}$/.test(yyyymmdd)) return false;
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  if (y < 1900 || m < 1 || m > 12 || d < 1) return false;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return false;
  // Numbers are issued in China Standard Time: compare with today's date there.
  const today = new Date(now + 8 * 3_600_000);
  const todayUtc = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  return date.getTime() <= todayUtc;
}

function plausibleRegion(prefix6: string): boolean {
  const province = Number(prefix6.slice(0, 2));
  const city = Number(prefix6.slice(2, 4));
  return PROVINCES.has(province) && ((city >= 1 && city <= 70) || city === 90);
}

const fail = (code: DocumentErrorCode, message: string): DocumentResult => ({ ok: false, code, message });

/** Validates the 18-character layout shared by resident ids and residence permits. */
function validate18(n: string, now: number, region: (prefix6: string) => DocumentResult | null): DocumentResult | { ok: true } {
  if (!/^\d{17}[\dX]$/.test(n)) return fail("ID_FORMAT", "Expected 17 digits followed by a digit or X.");
  const regionError = region(n.slice(0, 6));
  if (regionError) return regionError;
  if (!validBirthDate(n.slice(6, 14), now)) return fail("ID_BIRTHDATE", "The birth date in the number is not a real date between 1900 and today.");
  if (checkChar(n.slice(0, 17)) !== n[17]) return fail("ID_CHECKSUM", "The check character does not match (ISO 7064 MOD 11-2).");
  return { ok: true };
}

function validateResidentId(n: string, now: number): DocumentResult {
  let upgraded = false;
  if (n.length === 15) {
    if (!/^\d{15}$/.test(n)) return fail("ID_FORMAT", "A 15-digit legacy number has digits only.");
    const first17 = `${n.slice(0, 6)}19${n.slice(6)}`;
    n = first17 + checkChar(first17);
    upgraded = true;
  } else if (n.length !== 18) {
    if (/^[HM]\d{8}$/.test(n)) return fail("DOC_TYPE_MISMATCH", "This looks like a mainland travel permit number, not a resident id.");
    return fail("ID_LENGTH", "A resident id has 18 characters (or 15 digits for a legacy number).");
  }
  const r = validate18(n, now, (prefix) => {
    if (PERMIT_PREFIXES.has(prefix)) return fail("DOC_TYPE_MISMATCH", "This is a residence permit number; use document type hk_macau_tw_residence_permit.");
    return plausibleRegion(prefix) ? null : fail("ID_REGION", "The region code at the start of the number does not exist.");
  });
  if (!r.ok) return r;
  return { ok: true, type: "cn_resident_id", number: n, ...(upgraded ? { upgradedFromLegacy: true } : {}) };
}

function validateResidencePermit(n: string, now: number): DocumentResult {
  if (n.length !== 18) return fail("ID_LENGTH", "A residence permit number has 18 characters.");
  const r = validate18(n, now, (prefix) => {
    if (PERMIT_PREFIXES.has(prefix)) return null;
    if (plausibleRegion(prefix)) return fail("DOC_TYPE_MISMATCH", "This is a resident id number; use document type cn_resident_id.");
    return fail("ID_REGION", "A residence permit number starts with 810000, 820000 or 830000.");
  });
  if (!r.ok) return r;
  return { ok: true, type: "hk_macau_tw_residence_permit", number: n };
}

function validateTravelPermit(n: string): DocumentResult {
  if (n.length !== 9) return fail("ID_LENGTH", "A mainland travel permit number has 9 characters (H or M and 8 digits).");
  if (!/^[HM]\d{8}$/.test(n)) return fail("ID_FORMAT", "A mainland travel permit number is H or M followed by 8 digits.");
  return { ok: true, type: "mainland_travel_permit", number: n };
}

function validatePassport(n: string): DocumentResult {
  if (n.length < 5 || n.length > 20) return fail("ID_LENGTH", "A passport number has 5 to 20 characters.");
  if (!/^[A-Z0-9]+$/.test(n) || !/\d/.test(n)) return fail("ID_FORMAT", "A passport number has letters and digits only, and at least one digit.");
  return { ok: true, type: "passport", number: n };
}

/** Normalises and validates a document number of the given type. `now` in ms (for birth dates). */
export function validateDocument(type: string, raw: string, now: number): DocumentResult {
  const n = normaliseDocumentNumber(raw);
  switch (type) {
    case "cn_resident_id":
      return validateResidentId(n, now);
    case "hk_macau_tw_residence_permit":
      return validateResidencePermit(n, now);
    case "mainland_travel_permit":
      return validateTravelPermit(n);
    case "passport":
      return validatePassport(n);
    default:
      return fail("DOC_TYPE_UNSUPPORTED", `Document type must be one of ${DOCUMENT_TYPES.join(", ")}.`);
  }
}

/** Passports cannot be checked by the name + number provider: always to manual review. */
export function needsManualReview(type: DocumentType): boolean {
  return type === "passport";
}

/** `1101**********123X`: enough for a person to recognise their document, not to use it. */
export function maskDocumentNumber(n: string): string {
  const chars = Array.from(n);
  if (chars.length >= 12) return chars.slice(0, 4).join("") + "*".repeat(chars.length - 8) + chars.slice(-4).join("");
  if (chars.length <= 3) return "*".repeat(chars.length);
  return chars[0] + "*".repeat(chars.length - 3) + chars.slice(-2).join("");
}

/** `张*`, `欧阳**`: first character only. */
export function maskName(name: string): string {
  const chars = Array.from(name);
  return chars[0] + "*".repeat(Math.max(1, chars.length - 1));
}

/** Names as printed on documents: letters (any script), combining marks, middle dots, spaces, `'-.`. */
export function normaliseName(raw: string): string | null {
  const n = raw.normalize("NFC").trim().replace(/\s+/g, " ");
  const length = Array.from(n).length;
  if (length < 1 || length > 64) return null;
  if (!/^\p{L}(?:[\p{L}\p{M}·・•'’ .\-]*[\p{L}\p{M}.])?$/u.test(n)) return null;
  return n;
}
