/** Table-driven tests of the pure detectors: contacts, domains, CSV, text checks, import payloads. */
import { describe, expect, it } from "vitest";
import { detectContacts, foldForContacts } from "../src/contacts";
import { parseCsv } from "../src/csv";
import { blockedDomainOf, findBlockedHosts, hostOf, normalizeDomain } from "../src/domains";
import { importPayloads, IMPORT_CHUNK_BYTES } from "../src/terms-import";
import { hasLoneSurrogate, utf8Length } from "../src/text";

const kinds = (text: string) => detectContacts(text).map((h) => [h.kind, text.slice(h.start, h.end)]);

describe("detectContacts", () => {
  it.each([
    ["call 13812345678 now", [["phone", "13812345678"]]],
    ["电话：138 1234 5678", [["phone", "138 1234 5678"]]],
    ["电话：138-1234-5678。", [["phone", "138-1234-5678"]]],
    ["+86 138 1234 5678", [["phone", "+86 138 1234 5678"]]],
    ["full width １３８１２３４５６７８ digits", [["phone", "１３８１２３４５６７８"]]],
    ["office 010-12345678", [["phone", "010-12345678"]]],
    ["intl +44 20 7946 0958", [["phone", "+44 20 7946 0958"]]],
    ["加QQ：12345678", [["qq", "QQ：12345678"]]],
    ["扣扣 8765 4321 联系", [["qq", "扣扣 8765 4321"]]],
    ["加微信 abc_123456", [["wechat", "微信 abc_123456"]]],
    ["vx:wx_user99 thanks", [["wechat", "vx:wx_user99"]]],
    ["薇信号：13812345678", [["wechat", "薇信号：13812345678"]]],
    ["mail me: someone@example.com", [["email", "someone@example.com"]]],
    ["mail me: someone (at) example.com", [["email", "someone (at) example.com"]]],
    ["ＦＵＬＬ＠ｅｘａｍｐｌｅ．ｃｏｍ", [["email", "ＦＵＬＬ＠ｅｘａｍｐｌｅ．ｃｏｍ"]]],
    ["see https://example.org/a?b=1 ok", [["url", "https://example.org/a?b=1"]]],
    ["去 www.shop.example/x 看看", [["url", "www.shop.example/x"]]],
    ["访问example.com了解", [["url", "example.com"]]],
    ["访问 example。com 了解", [["url", "example。com"]]],
    ["link https://x.cn/13812345678", [["url", "https://x.cn/13812345678"]]],
  ] as const)("%s", (text, expected) => {
    expect(kinds(text)).toEqual(expected);
  });

  it.each([
    "今天天气很好",
    "the year 2026 and 12345 people",
    "version 1.2.3 released",
    "file.txt and notes.docx",
    "order #138123456 is 9 digits",
    "price 1,380,000",
  ])("finds nothing in %s", (text) => {
    expect(detectContacts(text)).toEqual([]);
  });

  it("folding keeps UTF-16 offsets", () => {
    const s = "ａ＠ｂ。ｃｏｍ　😀";
    expect(foldForContacts(s).length).toBe(s.length);
    expect(foldForContacts(s)).toBe("a@b.com 😀");
  });
});

describe("domains", () => {
  it.each([
    ["Example.COM.", "example.com"],
    ["*.evil.example", "evil.example"],
    ["例子.中国", "xn--fsqu00a.xn--fiqs8s"],
    ["sub.domain.co.uk", "sub.domain.co.uk"],
    ["localhost", null],
    ["http://example.com", null],
    ["exa mple.com", null],
    ["-bad.com", null],
    ["1.2.3.4", null],
    ["", null],
  ])("normalizeDomain(%s) = %s", (input, expected) => {
    expect(normalizeDomain(input)).toBe(expected);
  });

  it.each([
    ["https://Cdn.Evil.Example/path", "cdn.evil.example"],
    ["evil.example/path?q=1", "evil.example"],
    ["//evil.example", "evil.example"],
    ["http://", null],
    ["", null],
  ])("hostOf(%s) = %s", (link, host) => {
    expect(hostOf(link)).toBe(host);
  });

  it("blocks subdomains but not look-alikes", () => {
    const blocked = new Set(["evil.example"]);
    expect(blockedDomainOf("evil.example", blocked)).toBe("evil.example");
    expect(blockedDomainOf("a.b.evil.example", blocked)).toBe("evil.example");
    expect(blockedDomainOf("notevil.example", blocked)).toBeUndefined();
    expect(blockedDomainOf("evil.example.com", blocked)).toBeUndefined();
  });

  it("finds blocked hosts in text with any TLD, with offsets", () => {
    const text = "see EVIL.example/x and https://m.evil.example:8080/p, not evil.examples.com";
    const hits = findBlockedHosts(text, new Set(["evil.example"]));
    expect(hits.map((h) => text.slice(h.start, h.end))).toEqual(["EVIL.example/x", "https://m.evil.example:8080/p,"]);
  });
});

describe("parseCsv", () => {
  it.each([
    ["a,b\n1,2\n", [["a", "b"], ["1", "2"]]],
    ["a,b\r\n1,2", [["a", "b"], ["1", "2"]]],
    ['\uFEFFp,s\n"x, y",3\n', [["p", "s"], ["x, y", "3"]]],
    ['p\n"say ""hi"""\n', [["p"], ['say "hi"']]],
    ['p\n"two\nlines"\n', [["p"], ["two\nlines"]]],
    ["a,b\n\n1,2\n\n", [["a", "b"], ["1", "2"]]],
    ["a,b\n1,\n", [["a", "b"], ["1", ""]]],
  ])("%j", (input, rows) => {
    const records = parseCsv(input);
    expect(records.map((r) => r.cells)).toEqual(rows);
    expect(records.every((r) => r.error === undefined)).toBe(true);
  });

  it.each([
    ['ab"c', 1],
    ['"ab"c', 1],
    ['x\n"ab" ,2', 2],
    ['x\n"open', 2],
    ['x\n"a\nb"c', 2],
  ])("%j: a stray quote makes its record an error, not `abc`", (input, line) => {
    const records = parseCsv(input);
    const bad = records.filter((r) => r.error);
    expect(bad).toHaveLength(1);
    expect(bad[0]!.line).toBe(line);
  });

  it("records carry the physical line they start on", () => {
    expect(parseCsv('h\n\n"a\nb"\r\nc\r\n').map((r) => [r.cells[0], r.line])).toEqual([["h", 1], ["a\nb", 3], ["c", 5]]);
  });
});

describe("text checks", () => {
  it.each([
    ["plain", false],
    ["pair 😀", false],
    ["lone high \ud800 x", true],
    ["lone low \udc00", true],
    ["reversed \udc00\ud800", true],
    ["\ud83d", true],
  ])("hasLoneSurrogate(%j) = %s", (s, lone) => {
    expect(hasLoneSurrogate(s)).toBe(lone);
  });

  it("counts UTF-8 bytes", () => {
    expect(utf8Length("aé中😀")).toBe(new TextEncoder().encode("aé中😀").length);
  });
});

describe("importPayloads", () => {
  it("packs 50,000 rows into few statements, each under the D1 statement limit", () => {
    const rows = Array.from({ length: 50_000 }, (_, i) => ({ pattern: `词语${i}模式`, severity: 5, flags: i % 7 === 0 ? { pinyin: true } : null }));
    const payloads = importPayloads(rows);
    expect(payloads.length).toBeLessThan(50);
    for (const p of payloads) expect(new TextEncoder().encode(p).length).toBeLessThanOrEqual(IMPORT_CHUNK_BYTES);
    const back = payloads.flatMap((p) => JSON.parse(p) as unknown[]);
    expect(back).toHaveLength(50_000);
    expect(back[7]).toEqual(["词语7模式", 5, '{"pinyin":true}']);
  });
});
