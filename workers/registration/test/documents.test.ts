import { describe, expect, it } from "vitest";
import { checkChar, maskDocumentNumber, maskName, normaliseDocumentNumber, normaliseName, validateDocument, validBirthDate } from "../src/documents";
import { maskPhone, parseMobile } from "../src/phone";

const NOW = Date.UTC(2026, 10, 30, 12); // 2026-11-30
const withCheck = (first17: string) => first17 + checkChar(first17);
const wrongCheck = (first17: string) => first17 + (checkChar(first17) === "0" ? "1" : "0");

describe("cn_resident_id vectors", () => {
  const valid: [string, string, string][] = [
    ["GB 11643 example with X", "11010519491231002X", "11010519491231002X"],
    ["lowercase x", "11010519491231002x", "11010519491231002X"],
    ["Shenzhen", withCheck("44030019900307123"), withCheck("44030019900307123")],
    ["29 Feb of a leap year (2000)", withCheck("31011520000229001"), withCheck("31011520000229001")],
    ["29 Feb of a leap year (1996)", withCheck("51010719960229005"), withCheck("51010719960229005")],
    ["born 1900-01-01", withCheck("32010219000101001"), withCheck("32010219000101001")],
    ["born today (CST)", withCheck("11010520261130001"), withCheck("11010520261130001")],
    ["Xinjiang 65", withCheck("65010219850615002"), withCheck("65010219850615002")],
    ["province-level city part 90", withCheck("46900119850615002"), withCheck("46900119850615002")],
    ["legacy 15 digits upgraded", "110105491231002", "11010519491231002X"],
    ["full-width digits", "１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"],
    ["spaces and dashes", "110105 1949-1231 002x", "11010519491231002X"],
    ["ideographic space and full-width dash", "110105　19491231－002X", "11010519491231002X"],
  ];
  it.each(valid)("accepts %s", (_label, input, normalised) => {
    const r = validateDocument("cn_resident_id", input, NOW);
    expect(r).toMatchObject({ ok: true, type: "cn_resident_id", number: normalised });
  });

  const invalid: [string, string, string][] = [
    ["checksum off by one", wrongCheck("11010519491231002"), "ID_CHECKSUM"],
    ["checksum X where a digit belongs", "440300199003071230".slice(0, 17) + (checkChar("44030019900307123") === "X" ? "0" : "X"), "ID_CHECKSUM"],
    ["29 Feb of a common year (2001)", withCheck("31011520010229001"), "ID_BIRTHDATE"],
    ["29 Feb 1900 (not a leap year)", withCheck("31011519000229001"), "ID_BIRTHDATE"],
    ["31 April", withCheck("31011519900431001"), "ID_BIRTHDATE"],
    ["month 13", withCheck("31011519901301001"), "ID_BIRTHDATE"],
    ["day 00", withCheck("31011519900100001"), "ID_BIRTHDATE"],
    ["future date (tomorrow)", withCheck("11010520261201001"), "ID_BIRTHDATE"],
    ["future year", withCheck("11010520300101001"), "ID_BIRTHDATE"],
    ["before 1900", withCheck("11010518991231001"), "ID_BIRTHDATE"],
    ["unknown province 99", withCheck("99010519491231002"), "ID_REGION"],
    ["unknown province 10", withCheck("10010519491231002"), "ID_REGION"],
    ["unknown province 24", withCheck("24010519491231002"), "ID_REGION"],
    ["city part 00", withCheck("11000019491231002"), "ID_REGION"],
    ["city part 85", withCheck("11850019491231002"), "ID_REGION"],
    ["residence permit number as resident id", withCheck("81000019900101001"), "DOC_TYPE_MISMATCH"],
    ["travel permit number as resident id", "H12345678", "DOC_TYPE_MISMATCH"],
    ["17 characters", "11010519491231002", "ID_LENGTH"],
    ["19 characters", "11010519491231002X1", "ID_LENGTH"],
    ["empty", "", "ID_LENGTH"],
    ["letter inside", "1101051949123A002X", "ID_FORMAT"],
    ["X not last", "X10105194912310021", "ID_FORMAT"],
    ["legacy with a letter", "11010549123100X", "ID_FORMAT"],
    ["legacy with unknown region", "990105491231002", "ID_REGION"],
    ["legacy with impossible date", "110105490231002", "ID_BIRTHDATE"],
  ];
  it.each(invalid)("rejects %s", (_label, input, code) => {
    const r = validateDocument("cn_resident_id", input, NOW);
    expect(r).toMatchObject({ ok: false, code });
  });
});

describe("other document types", () => {
  it.each([
    ["hk_macau_tw_residence_permit", withCheck("81000019900101001"), true, undefined],
    ["hk_macau_tw_residence_permit", withCheck("82000019900101001"), true, undefined],
    ["hk_macau_tw_residence_permit", withCheck("83000019900101001"), true, undefined],
    ["hk_macau_tw_residence_permit", wrongCheck("83000019900101001"), false, "ID_CHECKSUM"],
    ["hk_macau_tw_residence_permit", withCheck("81000020000230001"), false, "ID_BIRTHDATE"],
    ["hk_macau_tw_residence_permit", withCheck("81010019900101001"), false, "ID_REGION"],
    ["hk_macau_tw_residence_permit", "11010519491231002X", false, "DOC_TYPE_MISMATCH"],
    ["hk_macau_tw_residence_permit", "81000019900101", false, "ID_LENGTH"],
    ["mainland_travel_permit", "H12345678", true, undefined],
    ["mainland_travel_permit", "m87654321", true, undefined],
    ["mainland_travel_permit", "Ｈ１２３４５６７８", true, undefined],
    ["mainland_travel_permit", "C12345678", false, "ID_FORMAT"],
    ["mainland_travel_permit", "H1234567", false, "ID_LENGTH"],
    ["passport", "E12345678", true, undefined],
    ["passport", "x-123 456", true, undefined],
    ["passport", "ABCDEFGH", false, "ID_FORMAT"],
    ["passport", "E1", false, "ID_LENGTH"],
    ["passport", "E1234567!", false, "ID_FORMAT"],
    ["driving_licence", "E12345678", false, "DOC_TYPE_UNSUPPORTED"],
  ] as const)("%s %s → ok=%s %s", (type, input, ok, code) => {
    const r = validateDocument(type, input, NOW);
    expect(r.ok).toBe(ok);
    if (!r.ok) expect(r.code).toBe(code);
  });
});

describe("helpers", () => {
  it("computes ISO 7064 MOD 11-2 check characters", () => {
    expect(checkChar("11010519491231002")).toBe("X");
    expect(checkChar("44052418800101001")).toBe("4");
  });
  it("validates calendar dates in China Standard Time", () => {
    // 2026-11-30T20:00Z is already 1 December in China.
    expect(validBirthDate("20261201", Date.UTC(2026, 10, 30, 20))).toBe(true);
    expect(validBirthDate("20261201", Date.UTC(2026, 10, 30, 12))).toBe(false);
    expect(validBirthDate("20240229", NOW)).toBe(true);
    expect(validBirthDate("20230229", NOW)).toBe(false);
  });
  it("normalises width, spacing, dashes and case", () => {
    expect(normaliseDocumentNumber(" ｈ１２-３４ ５６７８ ")).toBe("H12345678");
  });
  it("masks documents, names and phones", () => {
    expect(maskDocumentNumber("11010519491231123X")).toBe("1101**********123X");
    expect(maskDocumentNumber("E12345678")).toBe("E******78");
    expect(maskName("张三")).toBe("张*");
    expect(maskName("欧阳娜娜")).toBe("欧***");
    expect(maskPhone("+8613800138000")).toBe("+86 138****8000");
    expect(maskPhone("+447700900123")).toBe("+44 770***0123");
  });
  it("accepts names as printed on documents and refuses the rest", () => {
    expect(normaliseName("  张三  ")).toBe("张三");
    expect(normaliseName("买买提·艾力")).toBe("买买提·艾力");
    expect(normaliseName("Mary-Jane O'Neil")).toBe("Mary-Jane O'Neil");
    for (const bad of ["", "   ", "张三1", "<script>", "a".repeat(65), "·张三", "张\u0000三"]) expect(normaliseName(bad)).toBeNull();
  });
  it("parses mobile numbers to E.164 and refuses landlines and nonsense", () => {
    expect(parseMobile("+86 138 0013 8000")).toEqual({ ok: true, e164: "+8613800138000" });
    expect(parseMobile("13800138000")).toEqual({ ok: true, e164: "+8613800138000" });
    expect(parseMobile("+８６１３８００１３８０００")).toEqual({ ok: true, e164: "+8613800138000" });
    expect(parseMobile("+861088886666")).toMatchObject({ ok: false, code: "PHONE_NOT_MOBILE" });
    expect(parseMobile("+86123")).toMatchObject({ ok: false, code: "PHONE_INVALID" });
    expect(parseMobile("hello")).toMatchObject({ ok: false, code: "PHONE_INVALID" });
  });
});
