/**
 * The labelled corpus of `npm run bench:stories`, generated from fixed seeds (no real posts):
 *
 * - `TOPICS` topics, each with its own pool of 40 topic words (real words from pinyin-pro's
 *   dictionaries); `BASES_PER_TOPIC` base texts per topic, 60–400 characters in sentences of
 *   8–30 characters, a third of whose words come from the topic's pool (so texts on one topic
 *   share vocabulary the way reports about one event do);
 * - for every base text, one copy per edit kind (EDIT_KINDS);
 * - the base texts of one topic are each other's "same-topic unrelated" texts.
 */
import * as OpenCC from "opencc-js";
import { charsByFrequency, dictWords } from "../engine/shapes";
import { mulberry32 } from "../engine/data";

export const TOPICS = 20;
export const BASES_PER_TOPIC = 12;

export const EDIT_KINDS = [
  "prefix_suffix",
  "punctuation_emoji",
  "noise",
  "traditional",
  "changed_10",
  "changed_20",
  "changed_30",
  "reordered",
  "mixed",
] as const;
export type EditKind = (typeof EDIT_KINDS)[number];

export interface Base {
  id: number;
  topic: number;
  text: string;
}
export interface Copy {
  base: number;
  kind: EditKind;
  text: string;
}

const PUNCT = "，。！？、；：“”（）…—～·《》";
const EMOJI = ["😂", "🔥", "❗", "👍", "🙏", "😱", "💯", "⚠️", "👉", "🤔"];
const NOISE = ["★", "·", " ", "\u200b", "|", "*", "~", "/", "_", "。", "丶"];
const PREFIXES = ["转发：", "转：", "#突发新闻#", "【紧急扩散】", "#热点话题# 转发：", "速看！"];
const SUFFIXES = [" //@路人甲: 转发微博", " 请大家互相转告！", " https://t.cn/A6xYz9Q", " #辟谣#", " @新闻哥 看看这个", "（转自网络）"];

const toTraditional = OpenCC.Converter({ from: "cn", to: "tw" });

export function buildCorpus(seed = 20261206): { bases: Base[]; copies: Copy[] } {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const words = dictWords();
  const chars = charsByFrequency();
  // A general vocabulary weighted to the front (frequent words first in the dictionaries' order is
  // not frequency, so draw a squared index to favour a common core).
  const general = () => words[Math.floor(rnd() * rnd() * words.length)]!;
  const bases: Base[] = [];
  for (let t = 0; t < TOPICS; t++) {
    const pool = Array.from({ length: 40 }, () => pick(words));
    for (let b = 0; b < BASES_PER_TOPIC; b++) {
      const target = 60 + Math.floor(rnd() * 340);
      let text = "";
      while (text.length < target) {
        let sentence = "";
        const len = 8 + Math.floor(rnd() * 22);
        while (sentence.length < len) {
          const r = rnd();
          sentence += r < 0.33 ? pick(pool) : r < 0.45 ? chars[Math.floor(rnd() * 60)]! : general();
        }
        text += sentence + pick(["。", "，", "！", "？", "。"]);
      }
      bases.push({ id: bases.length, topic: t, text });
    }
  }

  const isHan = (c: string) => /\p{Script=Han}/u.test(c);
  const sprinkle = (text: string, every: number, items: readonly string[]) =>
    [...text].map((c) => (rnd() < 1 / every ? c + pick(items) : c)).join("");
  const change = (text: string, share: number) => {
    const cs = [...text];
    const han = cs.flatMap((c, i) => (isHan(c) ? [i] : []));
    const n = Math.round(han.length * share);
    // Distinct positions: `share` of the Han characters, each replaced by another character.
    for (let k = han.length - 1; k > 0; k--) {
      const j = Math.floor(rnd() * (k + 1));
      [han[k], han[j]] = [han[j]!, han[k]!];
    }
    for (const i of han.slice(0, n)) {
      let c: string;
      do c = chars[Math.floor(rnd() * 3000)]!;
      while (c === cs[i]);
      cs[i] = c;
    }
    return cs.join("");
  };
  const reorder = (text: string) => {
    const sentences = text.match(/[^。！？，]+[。！？，]/gu) ?? [text];
    for (let k = sentences.length - 1; k > 0; k--) {
      const j = Math.floor(rnd() * (k + 1));
      [sentences[k], sentences[j]] = [sentences[j]!, sentences[k]!];
    }
    return sentences.join("");
  };
  const edit = (text: string, kind: EditKind): string => {
    switch (kind) {
      case "prefix_suffix":
        return pick(PREFIXES) + text + pick(SUFFIXES);
      case "punctuation_emoji":
        return sprinkle(text, 6, [...PUNCT, ...EMOJI]);
      case "noise":
        return sprinkle(text, 3, NOISE);
      case "traditional":
        return toTraditional(text);
      case "changed_10":
        return change(text, 0.1);
      case "changed_20":
        return change(text, 0.2);
      case "changed_30":
        return change(text, 0.3);
      case "reordered":
        return reorder(text);
      case "mixed":
        return pick(PREFIXES) + sprinkle(toTraditional(change(text, 0.1)), 8, [...EMOJI, ...NOISE]) + pick(SUFFIXES);
    }
  };
  const copies: Copy[] = [];
  for (const b of bases) for (const kind of EDIT_KINDS) copies.push({ base: b.id, kind, text: edit(b.text, kind) });
  return { bases, copies };
}

/** A 1 KB (UTF-8) post of the same kind of prose, for timing. */
export function kilobytePosts(count: number, seed = 7): string[] {
  const { bases } = buildCorpus(seed);
  const enc = new TextEncoder();
  const all = bases.map((b) => b.text).join("");
  const rnd = mulberry32(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const start = Math.floor(rnd() * (all.length - 400));
    let s = all.slice(start, start + 400);
    while (enc.encode(s).length > 1024) s = s.slice(0, -1);
    out.push(s);
  }
  return out;
}
