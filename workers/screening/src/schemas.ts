/** Request and response schemas shared by the screening routes. */
import { z } from "@hono/zod-openapi";
import { VERDICTS } from "../../../db/schema";
import { CONTACT_KINDS } from "./contacts";
import { MAX_SEVERITY, MIN_SEVERITY } from "./terms-import";

export const VerdictSchema = z.enum(VERDICTS);
export const ContactKindSchema = z.enum(CONTACT_KINDS);
export const SeveritySchema = z.number().int().min(MIN_SEVERITY).max(MAX_SEVERITY);
export const FlagsSchema = z
  .object({ wholeWord: z.boolean().optional(), pinyin: z.boolean().optional(), initials: z.boolean().optional(), repeats: z.boolean().optional() })
  .strict()
  .openapi("TermFlags", { description: "Engine flags; omitted ones take the engine defaults (wholeWord, repeats true; pinyin, initials false)." });

export const CategoryNameSchema = z.string().regex(/^[a-z][a-z0-9_]{1,39}$/, "lower-case letters, digits and _ (2–40)");

export const NotFoundParams = z.object({ id: z.string().min(1).max(100) });

/** One reason of a verdict: what matched (or which rule), its action, and where in which field. */
export const ScreenReasonSchema = z
  .object({
    code: z.string(),
    action: VerdictSchema,
    category: z.string().optional(),
    severity: z.number().int().optional(),
    termId: z.number().int().optional(),
    field: z.string().optional(),
    start: z.number().int().optional().openapi({ description: "UTF-16 offset into the original field" }),
    end: z.number().int().optional(),
    excerpt: z.string().optional(),
  })
  .openapi("ScreenReason");
