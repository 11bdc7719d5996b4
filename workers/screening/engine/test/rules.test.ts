/** Table-driven tests: one table per disguise rule and per false-positive control. */
import { describe, expect, it } from "vitest";
import { compile, type CompileOptions, type TermEntry, type TermFlags } from "../index.js";

type Row = [text: string, expected: string[]];

/** Compile one term and return the disguised occurrences found in `text`. */
function found(pattern: string, text: string, flags?: TermFlags, options?: CompileOptions): string[] {
  const m = compile([{ id: 1, pattern, category: "c", severity: 1, flags }], options);
  return m.findAll(text).map((x) => text.slice(x.start, x.end));
}

function table(name: string, pattern: string, rows: Row[], flags?: TermFlags, options?: CompileOptions) {
  describe(`${name} (term ${JSON.stringify(pattern)})`, () => {
    it.each(rows)("%j → %j", (text, expected) => {
      expect(found(pattern, text, flags, options)).toEqual(expected);
    });
  });
}

describe("Unicode", () => {
  table("full-width → half-width", "term", [["ｔｅｒｍ here", ["ｔｅｒｍ"]], ["ＴＥＲＭ", ["ＴＥＲＭ"]]]);
  table("circled and styled letters", "term", [["ⓣⓔⓡⓜ", ["ⓣⓔⓡⓜ"]], ["𝐭𝐞𝐫𝐦", ["𝐭𝐞𝐫𝐦"]], ["𝓽𝓮𝓻𝓶!", ["𝓽𝓮𝓻𝓶"]]]);
  table("case folding", "Term", [["TERM", ["TERM"]], ["tErM", ["tErM"]]]);
  table("zero-width and bidi controls ignored", "term", [
    ["te\u200brm", ["te\u200brm"]],
    ["t\u200de\u2060r\ufeffm", ["t\u200de\u2060r\ufeffm"]],
    ["\u202eterm\u202c", ["term"]],
    ["te\u00adrm", ["te\u00adrm"]],
  ]);
  table("combining accents on Latin letters ignored", "resume", [
    ["résumé", ["résumé"]],
    // The span ends at the last letter; a trailing invisible mark is not part of it.
    ["re\u0301sume\u0301", ["re\u0301sume"]],
    ["RÉSUMÉ", ["RÉSUMÉ"]],
  ]);
  table("accents in the term are ignored too", "café", [["cafe", ["cafe"]], ["CAFÉ", ["CAFÉ"]]]);
  // Marks that spell words are letters: without them different words were one.
  table("Thai vowel and tone marks are letters", "ดี", [["ดีมาก", ["ดี"]], ["ดมาก", []], ["ได้", []]]);
  table("Devanagari vowel signs are letters", "बम", [["बम धमाका", ["बम"]], ["बीमा कंपनी", []], ["बमों", []]]);
  table("a nukta is left out like an accent", "ज़रूरी", [["जरूरी काम", ["जरूरी"]], ["ज़रूरी", ["ज़रूरी"]]]);
  table("kana voicing marks are letters", "ばか", [["ばかやろう", ["ばか"]], ["はかまいり", []], ["は\u3099か", ["は\u3099か"]]]);
  table("half-width kana with a voicing mark", "バカ", [["ﾊﾞｶ", ["ﾊﾞｶ"]], ["ﾊｶ", []]]);
  table("Hebrew points and Arabic vowel marks stay invisible", "شكرا", [["شُكْرًا", ["شُكْرًا"]]]);
});

describe("Chinese", () => {
  table("traditional → simplified", "发财", [["發財", ["發財"]], ["发财", ["发财"]], ["發财", ["發财"]]]);
  table("traditional term matches simplified text", "詞語", [["词语", ["词语"]]]);
  table("number forms fold to digits", "6四", [
    ["64", ["64"]], ["六四", ["六四"]], ["陆肆", ["陆肆"]], ["⑥④", ["⑥④"]], ["⑹⑷", ["⑹⑷"]], ["㈥㈣", ["㈥㈣"]],
  ]);
  table("number forms: 一二三 / 壹贰叁 / ①⑴⒈㈠", "123", [
    ["一二三", ["一二三"]], ["壹贰叁", ["壹贰叁"]], ["①②③", ["①②③"]], ["⑴⑵⑶", ["⑴⑵⑶"]], ["⒈⒉⒊", ["⒈⒉⒊"]], ["㈠㈡㈢", ["㈠㈡㈢"]],
  ]);
});

describe("Noise", () => {
  table("noise between characters is skipped", "term", [
    ["t-e-r-m", ["t-e-r-m"]], ["t e r m", ["t e r m"]], ["t.e.r.m", ["t.e.r.m"]], ["t😀e😀r😀m", ["t😀e😀r😀m"]], ["t...e", []],
  ]);
  table("CJK noise", "词语", [["词*语", ["词*语"]], ["词 语", ["词 语"]], ["词🙂语", ["词🙂语"]], ["词，语", ["词，语"]]]);
  table("at most maxGap (default 3) in a row", "ab", [["a---b", ["a---b"]], ["a----b", []], ["a - - b", []]], { wholeWord: false });
  table("maxGap option", "ab", [["a-b", []], ["ab", ["ab"]]], { wholeWord: false }, { maxGap: 0 });
  table("maxGap 5", "ab", [["a-----b", ["a-----b"]], ["a------b", []]], { wholeWord: false }, { maxGap: 5 });
  table("far-apart words never join", "badword", [["bad and some word", []], ["bad word", ["bad word"]]]);
});

describe("Latin look-alikes", () => {
  table("Cyrillic and Greek confusables", "pope", [["роре", ["роре"]], ["ροpe", ["ροpe"]]]);
  table("common substitutions inside words", "pass", [["p@ss", ["p@ss"]], ["pa$$", ["pa$$"]], ["p@$s", ["p@$s"]], ["P@$$!", ["P@$$"]]]);
  table("0 → o, 1 → i/l", "lol", [["l0l", ["l0l"]], ["1o1", ["1o1"]], ["LOL", ["LOL"]], ["|ol", []]]);
  table("1 → i", "hi", [["h1", ["h1"]]]);
  table("@ and $ outside words are noise", "ab", [["a @ b", ["a @ b"]], ["a $ b", ["a $ b"]]], { wholeWord: false });
  table("$ between CJK is noise", "词语", [["词$语", ["词$语"]]]);
});

describe("Repeats", () => {
  table("repeated letters", "foo", [["fooooo", ["fooooo"]], ["ffoo", ["ffoo"]], ["fo", []]]);
  table("repeated CJK", "词语", [["词词语", ["词词语"]], ["词语语语", ["词语语语"]]]);
  table("term's doubled letters stay required", "ass", [["as", []], ["asss", ["asss"]]]);
  table("repeats: false", "foo", [["fooooo", []], ["foo", ["foo"]]], { repeats: false });
  table("repeats: false, CJK", "词语", [["词词语", ["词语"]], ["词语语", ["词语"]]], { repeats: false });
  table("repeats with noise", "foo", [["f-o-o-o", ["f-o-o-o"]]]);
  // The run of a term's first or last letter takes in the neighbouring word's letter across the
  // space; the match begins and ends where the whole-word checks pass.
  table("a neighbouring word sharing the first or last letter", "spam", [
    ["this spam", ["spam"]], ["is spam", ["spam"]], ["spam more", ["spam"]], ["this spam more", ["spam"]],
    ["mass spam", ["spam"]], ["this sspam", ["sspam"]], ["this s-p-a-m-m more", ["s-p-a-m-m"]], ["spam m", ["spam m"]],
    ["thisspam", []], ["this spamx", []], ["spammore", []],
  ]);
  table("… with one run", "x", [["ax x", ["x"]], ["x xa", ["x"]], ["ax xx xa", ["xx"]], ["ax xa", []]]);
  table("… and two", "sex", [["as sex", ["sex"]], ["is sex x", ["sex x"]], ["sex xylophone", ["sex"]]]);
});

describe("Pinyin", () => {
  table("full pinyin", "法轮功", [["falungong", ["falungong"]], ["fa lun gong", ["fa lun gong"]], ["FaLunGong", ["FaLunGong"]], ["flg", []]], { pinyin: true });
  table("initials", "法轮功", [["flg", ["flg"]], ["f.l.g", ["f.l.g"]], ["falungong", []], ["reflgate", []]], { initials: true });
  table("pinyin and initials", "法轮功", [["flg or falun gong or 法輪功", ["flg", "falun gong", "法輪功"]]], { pinyin: true, initials: true });
  table("polyphonic characters give several spellings", "银行", [["yinhang", ["yinhang"]], ["yinxing", ["yinxing"]]], { pinyin: true });
  table("pinyin off by default", "法轮功", [["falungong", []]]);
  table("pinyin of a traditional term", "法輪功", [["falungong", ["falungong"]]], { pinyin: true });
  table("pinyin is whole-word", "法轮", [["falun", ["falun"]], ["xfalun", []]], { pinyin: true });
});

describe("False-positive controls", () => {
  table("Latin terms are whole words by default", "ass", [
    ["class", []], ["assessment", []], ["pass the ass", ["ass"]], ["ass.", ["ass"]], ["ASS!", ["ASS"]], ["cl\u200bass", []],
  ]);
  table("wholeWord: false opts out", "ass", [["class", ["ass"]], ["assessment", ["ass"]], ["bass asses", ["ass", "ass"]]], { wholeWord: false });
  table("CJK neighbours are boundaries", "ass", [["我ass你", ["ass"]]]);
  table("CJK terms need no boundaries", "词语", [["好词语好", ["词语"]]]);
  table("a Hangul noun's particle is no boundary", "마약", [["마약을 팔아요", ["마약"]], ["그는 마약", ["마약"]], ["사기를", []]]);
  table("Thai is written without spaces between words", "ยาเสพติด", [["ซื้อยาเสพติดราคาถูก", ["ยาเสพติด"]]]);
  table("Hangul and Thai neighbours are boundaries", "ass", [["ass를", ["ass"]], ["กassข", ["ass"]]]);
  table("Cyrillic and Arabic terms stay whole words", "привет", [["приветик", []], ["я привет!", ["привет"]]]);
  table("Arabic too", "مرحبا", [["يمرحبا", []], ["مرحبا بك", ["مرحبا"]]]);

  it("a match inside an allow-listed phrase is dropped", () => {
    const entries: TermEntry[] = [
      { id: 1, pattern: "sex", category: "c", severity: 1, flags: { wholeWord: false } },
      { id: 2, pattern: "cunt", category: "c", severity: 1, flags: { wholeWord: false } },
    ];
    const m = compile(entries, { allow: ["Sussex", "Scunthorpe"] });
    expect(m.findAll("Sussex and Scunthorpe")).toEqual([]);
    expect(m.test("Sussex and Scunthorpe")).toBe(false);
    expect(m.test("S-u-s-s-e-x")).toBe(false);
    expect(m.findAll("Sussex sex").map((x) => x.start)).toEqual([7]);
    expect(m.test("Scunthorpe cunt")).toBe(true);
    expect(m.test("Scunthorp")).toBe(true); // the allow phrase is incomplete
  });

  it("a term ending inside a longer partial match is still found", () => {
    const m = compile([
      { id: 1, pattern: "abcd", category: "c", severity: 1, flags: { wholeWord: false } },
      { id: 2, pattern: "bc", category: "c", severity: 1, flags: { wholeWord: false } },
    ]);
    expect(m.findAll("abcx")).toEqual([{ termId: 2, start: 1, end: 3 }]);
    expect(m.findAll("abcd")).toEqual([{ termId: 1, start: 0, end: 4 }, { termId: 2, start: 1, end: 3 }]);
  });

  it("overlaps are all reported", () => {
    const m = compile([
      { id: 1, pattern: "he", category: "c", severity: 1, flags: { wholeWord: false } },
      { id: 2, pattern: "she", category: "c", severity: 1, flags: { wholeWord: false } },
      { id: 3, pattern: "hers", category: "c", severity: 1, flags: { wholeWord: false } },
    ]);
    expect(m.findAll("ushers").map((x) => x.termId)).toEqual([2, 1, 3]);
  });
});

describe("term lookup", () => {
  it("returns category and severity of a match's term", () => {
    const m = compile([{ id: 42, pattern: "spam", category: "spam", severity: 2 }]);
    const [hit] = m.findAll("buy spam now");
    expect(m.term(hit!.termId)).toEqual({ id: 42, category: "spam", severity: 2 });
    expect(m.term(7)).toBeUndefined();
    expect(m.termCount).toBe(1);
  });
});
