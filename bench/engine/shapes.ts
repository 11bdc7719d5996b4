/**
 * The benchmark matrix's data: dictionary shapes and texts, all generated from fixed seeds
 * (no real term lists are shipped). Each shape is a dictionary plus two texts:
 *
 * - `microblog`: short posts of Chinese prose with punctuation, emoji, @mentions, #topics#,
 *   URLs, digits and a Latin word now and then, with the shape's own terms planted so that the
 *   engine finds about one match per 50 characters (accidental matches included);
 * - `current`: the 1,000,000-character text of the original bench (bench/engine/data.ts), the
 *   same for every shape (its embedded terms belong to the `current` dictionary only).
 *
 * Chinese characters are drawn by rank from a Zipf–Mandelbrot law over a frequency ordering:
 * the most frequent characters of modern Chinese (a short list, below), then the rest of
 * GB 2312 level 1 ordered by how often each character occurs in pinyin-pro's word dictionaries,
 * then GB 2312 level 2: 6,763 characters. Words of those dictionaries (2–5 characters, real
 * vocabulary) give terms and prose realistic character pairs.
 */
import DICT2 from "pinyin-pro/dist/esm/data/dict2.mjs";
import DICT3 from "pinyin-pro/dist/esm/data/dict3.mjs";
import DICT4 from "pinyin-pro/dist/esm/data/dict4.mjs";
import { makeBenchData, mulberry32 } from "./data.js";

export type ShapeName = "current" | "cjk" | "latin" | "scale";
export const SHAPE_NAMES: readonly ShapeName[] = ["current", "cjk", "latin", "scale"];

export interface Shape {
  name: ShapeName;
  /** One line on how the dictionary is made, for the table's legend. */
  describe: string;
  terms: string[];
  texts: { name: "microblog" | "current"; text: string }[];
}

/** Characters per planted term in the microblog text, per shape: tuned so that the engine
 * finds about one match per 50 characters once accidental matches are counted. */
export const PLANT_EVERY: Record<ShapeName, number> = { current: 42, cjk: 66, latin: 131, scale: 119 };

// The most frequent characters of modern Chinese text, most frequent first (after the
// well-known corpus counts; the exact order matters little to a Zipf draw).
const TOP_CHARS =
  "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实日军者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政美相见被利什二等产或新己制身果加西斯月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员解水名真论处走义各入几口认条平系气题活尔更别打女变四神总何电数安少报才结反受目太量再感建务做接必场件计管期市直德资命山金指克许统区保至队形社便空决治展马科司五基眼书非则听白却界达光放强即像难且权思王象完设式色路记南品住告类求据程北边死张该交规万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改收根干造言联持组每济车亲极林服快办议往元英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击流备兵连调深商算质团集百需价花党华城石级整府离况亚请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企八功吗包片史委乎查轻易早曾除农找装广显吧阿李标谈吃图念六引历首医局突专费号尽另周较注语仅考落青随选列武红响虽推势参希古众构房半节土投某案黑维革划敌致陈律足态护七兴派孩验责营星够章音跟志底站严巴例防族供效续施留讲型料终答紧黄绝奇察母京段依批群项故按河米围江织害斗双境客纪采举杀攻父苏密低朝友诉止细愿千值仍男钱破网热助倒育属坐帝限船脸职速刻乐否刚威毛状率甚独球般普怕弹校苦创假久错承印晚兰试股拿脑预谁益阳若哪微尼继送急血惊伤素药适波夜省初喜卫源食险待述陆习置居劳财环排福纳欢雷警获模充负云停木游龙树疑层冷洲冲射略范竟句室异激汉村哈策演简卡罪判担州静退既衣您宗积余痛检差富灵协角占配征修皮挥胜降阶审沉坚善妈刘读啊超免压银买皇养伊怀执副乱抗犯追帮宣佛岁航优怪香著田铁控税左右份穿艺背阵草脚概恶块顿敢守酒岛托央户烈洋哥索胡款靠评版宝座释景顾弟登货互付伯慢欧换闻危忙核暗姐介坏讨丽良序升监临亮露永呼味野架域沙掉括舰鱼杂误湾吉减编楚肯测败屋跑梦散温困剑渐封救贵枪缺楼县尚毫移娘朋画班智亦耳恩短掌恐遗固席松秘谢鲁遇康虑幸均销钟诗藏赶剧票损忽巨炮旧端探湖录叶春乡附吸予礼港雨呀板庭妇归睛饭额含顺输摇招婚脱补谓督毒油疗旅泽材灭逐莫笔亡鲜词圣择寻厂睡博勒烟授诺伦岸奥唐卖俄炸载洛健堂旁宫喝借君禁阴园谋宋避抓荣姑孙逃牙束跳顶玉镇雪午练迫爷篇肉嘴馆遍凡础洞卷坦牛宁纸诸训私庄祖丝翻暴森塔默握戏隐熟骨访弱蒙歌店鬼软典欲萨伙遭盘爸扩盖弄雄稳忘亿刺拥徒姆杨齐赛趣曲刀床迎冰虚玩析窗醒妻透购替塞努休虎扬途侵刑绿兄迅套贸毕唯谷轮库迹尤竞街促延震弃甲伟麻川申缓潜闪售灯针哲络抵朱埃抱鼓植纯夏忍页杰筑折郑贝尊吴秀混臣雅振染盛怒舞圆搞狂措姓残秋培迷诚宽宇猛摆梅毁伸摩盟末乃悲拍丁赵";

let ranked: string[] | undefined;

/** Chinese characters, most frequent first (6,763: all of GB 2312). */
export function charsByFrequency(): string[] {
  if (ranked) return ranked;
  const gb = new TextDecoder("gb2312");
  const level = (hiFrom: number, hiTo: number) => {
    const bytes: number[] = [];
    for (let h = hiFrom; h <= hiTo; h++) for (let l = 0xa1; l <= 0xfe; l++) bytes.push(h, l);
    return [...gb.decode(new Uint8Array(bytes))].filter((c) => /\p{Script=Han}/u.test(c));
  };
  const level1 = level(0xb0, 0xd7);
  const level2 = level(0xd8, 0xf7);
  const counts = new Map<string, number>();
  for (const w of dictWords()) for (const c of w) counts.set(c, (counts.get(c) ?? 0) + 1);
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (c: string) => { if (!seen.has(c)) { seen.add(c); out.push(c); } };
  for (const c of TOP_CHARS) add(c);
  // Stable sort keeps GB 2312 (pinyin) order among equal counts.
  for (const c of level1.slice().sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0))) add(c);
  for (const c of level2) add(c);
  return (ranked = out);
}

let words: string[] | undefined;
/** Real Chinese words (2–4 characters) from pinyin-pro's dictionaries. */
export function dictWords(): string[] {
  return (words ??= [...Object.keys(DICT2), ...Object.keys(DICT3), ...Object.keys(DICT4)].filter((w) => /^\p{Script=Han}+$/u.test(w)));
}
/** Half of the words for terms, the other half for prose, so that prose does not match terms
 * by sharing whole words with them: matches come from planted terms and from chance. */
const vocabulary = (half: 0 | 1) => dictWords().filter((_, i) => i % 2 === half);

/** A sampler of ranks 0..n-1 with P(k) ∝ 1 / (k + q)^s (Zipf–Mandelbrot), by binary search over the CDF. */
function zipf(n: number, s: number, q: number, rnd: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cdf[k] = sum += 1 / Math.pow(k + 1 + q, s);
  return () => {
    const x = rnd() * sum;
    let lo = 0, hi = n - 1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (cdf[mid]! < x) lo = mid + 1; else hi = mid; }
    return lo;
  };
}

/** Everyday English vocabulary (no term list): words for Latin terms, phrases and posts. */
const ENGLISH =
  ("time year people way day man thing woman life child world school state family student group country problem hand part place case week company system program question work government number night point home water room mother area money story fact month lot right study book eye job word business issue side kind head house service friend father power hour game line end member law car city community name president team minute idea kid body information back parent face others level office door health person art war history party result change morning reason research girl guy moment air teacher force education foot boy age policy music market sense nation plan college interest death experience effect class control care field development role effort rate heart drug show leader light voice wife police mind price report decision son view relationship town road arm difference value building action model season society tax director position player record paper space ground form event official matter center couple site project activity star table need court oil situation cost industry figure street image phone data picture practice piece land product doctor wall patient worker news test movie north love support technology step baby computer type attention film tree source organization hair window evidence population site training ball bank card cash credit loan offer deal free sale shop online click link order account login password bonus prize winner casino poker bet lottery pill diet weight fast cheap easy quick best new hot top real big great good old high small large young important public bad sure black white red green blue open close buy sell send call watch check follow share like post video live stream chat meet date single girl boy sexy adult private secret hidden special limited exclusive instant guaranteed risk profit invest crypto coin token wallet trade market stock fund rich million dollar euro pay paid earn make save win join start stop get give take look find know think come go see want use tell ask work seem feel try leave put mean keep let begin help show hear play run move believe hold bring happen write provide sit stand lose add grow open walk offer remember consider appear buy wait serve die send expect build stay fall cut reach kill remain suggest raise pass report decide pull")
    .split(" ");
const SUFFIX = ["", "", "", "s", "ed", "ing", "er", "ers", "ly", "ness", "able", "less"];
const SYLLABLE = "ba be bi bo bu ca co cu da de di do fa fe fi fo ga ge go ha he hi ho ja jo ka ke ki ko la le li lo lu ma me mi mo mu na ne ni no pa pe pi po ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo wa we wi ya yo za zo an en in on un ar er or ur al el il ol st tr pr cr gr br fl pl sh ch th ng ck nd nt rt".split(" ");

function englishTerms(count: number, rnd: () => number, taken: Set<string>): string[] {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const word = () => pick(ENGLISH) + pick(SUFFIX);
  const out: string[] = [];
  while (out.length < count) {
    const r = rnd();
    let t: string;
    if (r < 0.2) t = word();
    else if (r < 0.4) { t = ""; for (let n = 2 + Math.floor(rnd() * 3); n > 0; n--) t += pick(SYLLABLE); } // coined words, brand-like
    else if (r < 0.85) t = word() + " " + word();
    else t = word() + " " + word() + " " + word();
    if (!taken.has(t)) { taken.add(t); out.push(t); }
  }
  return out;
}

/** The CJK-heavy mix: 70 % Chinese-only (2–12 characters, mean ≈ 6), 25 % Chinese with Latin
 * letters or digits, 5 % Latin. `count` terms, distinct. */
function cjkHeavyTerms(count: number, rnd: () => number, taken: Set<string>): string[] {
  const chars = charsByFrequency();
  // Term lists use rarer characters than prose does: a flatter law, function words skipped.
  const rank = zipf(chars.length - 40, 0.85, 20, rnd);
  const ch = () => chars[40 + rank()]!;
  const dict = vocabulary(0);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const binomial = (n: number, p: number) => { let k = 0; for (let i = 0; i < n; i++) if (rnd() < p) k++; return k; };
  const chinese = (len: number) => {
    let s = "";
    while (s.length < len) s += rnd() < 0.45 ? pick(dict) : ch() + (rnd() < 0.5 ? ch() : "");
    return s.slice(0, len);
  };
  const latinBits = ["qq", "vx", "wx", "v", "V", "app", "vip", "VIP", "dj", "tg", "ok", "wifi", "id", "gg", "mm", "pp", "kk", "Q"];
  const letters = "abcdefghijklmnopqrstuvwxyz";
  const latinBit = () => (rnd() < 0.6 ? pick(latinBits) : letters[Math.floor(rnd() * 26)]! + letters[Math.floor(rnd() * 26)]!);
  const digits = () => String(Math.floor(rnd() * 10 ** (1 + Math.floor(rnd() * 5))));
  const out: string[] = [];
  const english = englishTerms(Math.round(count * 0.05), rnd, taken);
  let e = 0;
  while (out.length < count) {
    const r = rnd();
    let t: string;
    if (r < 0.05 && e < english.length) t = english[e++]!;
    else if (r < 0.3) {
      const k = rnd();
      const cn = chinese(2 + binomial(6, 0.4));
      if (k < 0.35) t = cn + latinBit(); // 代开发票qq
      else if (k < 0.6) t = latinBit() + cn.slice(0, 1 + Math.floor(rnd() * cn.length)) + (rnd() < 0.6 ? digits() : ""); // V信123
      else if (k < 0.85) t = cn + digits(); // 兼职日结300
      else t = cn.slice(0, 2) + latinBit() + cn.slice(2); // 加我qq好友
    } else t = chinese(2 + binomial(10, 0.4)); // 2–12, mean 6
    if (!taken.has(t)) { taken.add(t); out.push(t); }
  }
  return out;
}

/** Microblog text of about `length` characters with `terms` planted every ~`plantEvery` characters
 * (`planted`, if given, counts the planted terms and their characters). */
export function microblogText(terms: readonly string[], length: number, plantEvery: number, seed: number, planted?: { terms: number; chars: number }): string {
  const rnd = mulberry32(seed);
  const chars = charsByFrequency();
  const rank = zipf(chars.length, 1.15, 2, rnd); // prose: the first 1,000 characters ≈ 85 % of draws
  const ch = () => chars[rank()]!;
  const dict = vocabulary(1);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const punct = ["，", "，", "，", "。", "。", "！", "？", "、", "……", "~", "!!", "：", "；"];
  const emoji = ["😀", "😂", "🤣", "👍", "🔥", "❤️", "🙏", "😭", "🐶", "[doge]", "[微笑]", "[哈哈]", "✨", "💰"];
  const latin = ["ok", "OK", "iPhone", "app", "vlog", "bug", "wifi", "DIY", "CEO", "PPT", "KTV", "NBA", "yyds", "emo", "get", "high", "nice", "live"];
  const handle = () => (rnd() < 0.5 ? ch() + ch() + (rnd() < 0.5 ? ch() : "") + (rnd() < 0.3 ? String(int(0, 999)) : "") : pick(latin).toLowerCase() + "_" + int(1, 9999));
  const url = () => "https://t.cn/" + Array.from({ length: 7 }, () => "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"[int(0, 55)]).join("");
  const disguise = (t: string) => {
    const r = rnd();
    if (r < 0.06) return [...t].join(pick([" ", "*", ".", "-", "/"])); // noise between characters
    if (r < 0.09) return t.toUpperCase();
    return t;
  };
  const parts: string[] = [];
  let len = 0;
  let nextPlant = int(1, 2 * plantEvery);
  const push = (s: string) => {
    parts.push(s);
    len += s.length;
    if (len >= nextPlant) {
      const t = disguise(pick(terms));
      parts.push(t);
      len += t.length;
      if (planted) { planted.terms++; planted.chars += t.length; }
      nextPlant = len + int(1, 2 * plantEvery); // uniform gap, mean plantEvery
    }
  };
  while (len < length) {
    // One post: 15–140 characters.
    if (rnd() < 0.2) push("@" + handle() + " ");
    if (rnd() < 0.15) push("#" + (rnd() < 0.5 ? pick(dict) : "") + pick(dict) + "#");
    for (let sentences = int(1, 4); sentences > 0; sentences--) {
      for (let n = int(4, 28); n > 0; ) {
        const r = rnd();
        let s: string;
        if (r < 0.35) s = pick(dict);
        else if (r < 0.93) s = ch();
        else if (r < 0.96) s = pick(latin);
        else if (r < 0.98) s = String(int(0, 2026));
        else s = pick(emoji);
        push(s);
        n -= s.length;
      }
      push(pick(punct));
      if (rnd() < 0.12) push(pick(emoji));
    }
    if (rnd() < 0.08) push(" " + url());
    if (rnd() < 0.1) push(" //@" + handle() + ":");
    push(rnd() < 0.5 ? "\n" : " ");
  }
  return parts.join("").slice(0, length);
}

/** Build one shape's dictionary and texts. `textLength` is per text (the current text is cut to it). */
export function makeShape(name: ShapeName, textLength = 1_000_000): Shape {
  const current = makeBenchData();
  const taken = new Set<string>();
  let terms: string[];
  let describe: string;
  switch (name) {
    case "current":
      terms = current.terms;
      describe = "50,000 terms: 60 % two-to-four CJK characters drawn uniformly from 3,500, 40 % four-to-ten random Latin letters (the original bench)";
      break;
    case "cjk":
      terms = cjkHeavyTerms(65_000, mulberry32(20261207), taken);
      describe = "65,000 terms: 70 % Chinese-only (2–12 characters, mean ≈ 6, Zipf-drawn from 6,763 characters and real words), 25 % Chinese with Latin letters or digits (代开发票qq, V信123), 5 % English";
      break;
    case "latin":
      terms = englishTerms(100_000, mulberry32(20261208), taken);
      describe = "100,000 English terms: 20 % words, 20 % coined words, 60 % two- and three-word phrases";
      break;
    case "scale": {
      const rnd = mulberry32(20261209);
      terms = [...cjkHeavyTerms(120_000, rnd, taken), ...englishTerms(80_000, rnd, taken)];
      describe = "200,000 terms: 120,000 of the CJK-heavy mix, 80,000 English terms";
      break;
    }
  }
  const seed = 20261210 + SHAPE_NAMES.indexOf(name);
  return {
    name,
    describe,
    terms,
    texts: [
      { name: "microblog", text: microblogText(terms, textLength, PLANT_EVERY[name], seed) },
      { name: "current", text: current.text.slice(0, textLength) },
    ],
  };
}

/** The dictionary and one text for quick.ts and ab.ts: `SHAPE=cjk TEXT=microblog` (default: the
 * original bench's dictionary and text). */
export function benchInput(env: Record<string, string | undefined> = process.env): { terms: string[]; text: string } {
  const name = (env.SHAPE ?? "current") as ShapeName;
  if (!SHAPE_NAMES.includes(name)) throw new Error(`SHAPE must be one of ${SHAPE_NAMES.join(", ")}`);
  if (name === "current" && (env.TEXT ?? "current") === "current") return makeBenchData();
  const shape = makeShape(name);
  const text = shape.texts.find((t) => t.name === (env.TEXT ?? "current"));
  if (!text) throw new Error("TEXT must be microblog or current");
  return { terms: shape.terms, text: text.text };
}
