import type { FieldError } from "../../../pkg/errors";
import { safeText } from "../../../pkg/schemas";
import { validateDocument, normaliseName, type DocumentType } from "./documents";
import { parseMobile } from "./phone";

export interface RegistrationBody {
  handle: string;
  displayName: string;
  kind: "public" | "personal";
  identity: { name: string; documentType: string; documentNumber: string };
  phone: string;
}

export interface ValidRegistration {
  handle: string;
  displayName: string;
  kind: "public" | "personal";
  name: string;
  documentType: DocumentType;
  documentNumber: string;
  phone: string;
}

/** The shared free-text check (its length bound is the schema's; 1–50 characters is checked below). */
const DisplayNameText = safeText({ min: 0, max: 200 });

/** Handles: a letter, then letters, digits or underscores; 3–30 characters; compared lower-cased. */
export const HANDLE_RE = /^[a-z][a-z0-9_]{2,29}$/;
export const normaliseHandle = (raw: string) => raw.trim().toLowerCase();

/**
 * Checks every field of a registration and returns all field errors at once (one precise
 * code per field), or the normalised values. Messages never echo the submitted values.
 */
export function validateRegistration(body: RegistrationBody, now: number): { ok: true; value: ValidRegistration } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const handle = normaliseHandle(body.handle);
  if (!HANDLE_RE.test(handle)) errors.push({ field: "handle", code: "HANDLE_INVALID", message: "3–30 characters: a letter, then letters, digits or underscores." });

  // Text hygiene first (lone surrogates would otherwise be stored as U+FFFD), then the length
  // in characters and no format characters (zero-width, bidi marks).
  const displayName = body.displayName.normalize("NFC").trim();
  const hygiene = DisplayNameText.safeParse(body.displayName);
  const invalidText = hygiene.success ? undefined : hygiene.error.issues.find((i) => i.code === "custom");
  const dnLength = Array.from(displayName).length;
  if (invalidText) {
    errors.push({ field: "displayName", code: "INVALID_TEXT", message: invalidText.message });
  } else if (dnLength < 1 || dnLength > 50 || /[\p{Cc}\p{Cf}]/u.test(displayName)) {
    errors.push({ field: "displayName", code: "DISPLAY_NAME_INVALID", message: "1–50 characters, no control characters." });
  }

  const name = normaliseName(body.identity.name);
  if (!name) errors.push({ field: "identity.name", code: "NAME_INVALID", message: "The name as printed on the document: 1–64 letters, with spaces, middle dots, hyphens or apostrophes between them." });

  const doc = validateDocument(body.identity.documentType, body.identity.documentNumber, now);
  if (!doc.ok) {
    errors.push({ field: doc.code === "DOC_TYPE_UNSUPPORTED" ? "identity.documentType" : "identity.documentNumber", code: doc.code, message: doc.message });
  }

  const phone = parseMobile(body.phone);
  if (!phone.ok) errors.push({ field: "phone", code: phone.code, message: phone.message });

  if (errors.length > 0 || !doc.ok || !phone.ok || !name) return { ok: false, errors };
  return { ok: true, value: { handle, displayName, kind: body.kind, name, documentType: doc.type, documentNumber: doc.number, phone: phone.e164 } };
}
