import { z } from "@hono/zod-openapi";
import { ACCOUNT_STATUSES } from "../../../db/schema";
import { IdSchema, safeText } from "../../../pkg/schemas";
import { DOCUMENT_TYPES } from "./documents";

export const AccountIdParam = z.object({ id: IdSchema.openapi({ param: { name: "id", in: "path" }, example: "acc_mabc12345xyz" }) });

export const MaskedIdentitySchema = z
  .object({
    documentType: z.string().nullable(),
    name: z.string().nullable().openapi({ example: "张*" }),
    documentNumber: z.string().nullable().openapi({ example: "1101**********123X" }),
    phone: z.string().nullable().openapi({ example: "+86 138****8000" }),
    erased: z.boolean().openapi({ description: "True once the identity was crypto-shredded" }),
  })
  .openapi("MaskedIdentity");

export const AccountSchema = z
  .object({
    id: z.string(),
    handle: z.string(),
    displayName: z.string(),
    kind: z.enum(["public", "personal"]),
    status: z.enum(ACCOUNT_STATUSES),
    warningCount: z.number().int(),
    identity: MaskedIdentitySchema,
    createdAt: z.string(),
    updatedAt: z.string(),
    verifiedAt: z.string().nullable(),
  })
  .openapi("Account");

/** Why an operator acts (audited): 3–500 characters of clean text, line breaks allowed. */
export const ReasonSchema = safeText({ min: 3, max: 500, multiline: true });

export const RegisterBody = z
  .object({
    handle: z.string().max(100),
    displayName: z.string().max(200),
    kind: z.enum(["public", "personal"]),
    identity: z
      .object({
        name: z.string().max(200),
        documentType: z.string().max(64).openapi({ enum: [...DOCUMENT_TYPES] }),
        documentNumber: z.string().max(64),
      })
      .strict(),
    phone: z.string().max(64).openapi({ example: "+8613800138000" }),
  })
  .strict()
  .openapi("RegisterAccount");

export const PhoneVerificationSchema = z.object({
  codeSent: z.boolean(),
  retryAfterSeconds: z.number().int().optional(),
  reason: z.string().optional(),
});
