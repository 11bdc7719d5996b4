/**
 * Contact and advert detection: phone numbers, QQ and WeChat ids, e-mail addresses and
 * URLs (with or without a scheme), including common disguises: full-width characters,
 * the ideographic full stop, separators between digits, "(at)" for "@".
 * Pure: offsets are UTF-16 offsets into the original text.
 */
import { hostOf } from "./domains";

export const CONTACT_KINDS = ["phone", "qq", "wechat", "email", "url"] as const;
export type ContactKind = (typeof CONTACT_KINDS)[number];

export interface ContactHit {
  kind: ContactKind;
  start: number;
  end: number;
  /** The host of a URL or e-mail hit (lower case), for blocked-domain checks. */
  host?: string;
}

/**
 * Maps full-width ASCII (U+FF01–FF5E), the ideographic space and full stops to ASCII,
 * one UTF-16 unit for one, so offsets in the folded text are offsets in the original.
 */
export function foldForContacts(text: string): string {
  let out = "";
  let changed = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let r = c;
    if (c >= 0xff01 && c <= 0xff5e) r = c - 0xfee0;
    else if (c === 0x3000) r = 0x20;
    else if (c === 0x3002 || c === 0xff61) r = 0x2e;
    if (r !== c) changed = true;
    out += String.fromCharCode(r);
  }
  return changed ? out : text;
}

// A digit optionally preceded by one or two separators ("138 1234-5678").
const D = String.raw`[\s.\-]{0,2}\d`;
const PATTERNS: { kind: ContactKind; re: RegExp }[] = [
  // E-mail first: its host must not also count as a bare-domain URL.
  { kind: "email", re: /(?<![\w.+-])[a-z0-9][a-z0-9._%+-]{0,63}\s*(?:@|\(at\)|\[at\])\s*((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})(?![a-z0-9-])/giu },
  { kind: "url", re: /\bhttps?:\/\/[^\s<>"'，、（）()\[\]{}]+/giu },
  { kind: "url", re: /(?<![\w@.\-])www\.(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}(?![\w-])(?:[/?#][^\s<>"'，、（）()]*)?/giu },
  {
    kind: "url",
    re: /(?<![\w@.\-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:com|net|org|cn|io|me|info|top|xyz|cc|tv|co|app|dev|biz|vip|club|site|online|shop|link|ly|gl|hk|tw|jp|uk|ru|de|us|to|in|ws)(?![\w-])(?:[/?#][^\s<>"'，、（）()]*)?/giu,
  },
  { kind: "qq", re: new RegExp(String.raw`(?:(?<![a-z])qq|扣扣|企鹅|q号|球球)\s*(?:号码?)?\s*[:：]?\s*[1-9](?:${D}){4,10}(?!\d)`, "giu") },
  {
    kind: "wechat",
    re: /(?:微信|威信|薇信|徽信|v信|(?<![a-z])(?:wechat|weixin|vx|wx))\s*(?:号)?\s*[:：]?\s*(?:[a-z][a-z0-9_-]{5,19}|1[3-9]\d{9})(?![a-z0-9_-])/giu,
  },
  // Mainland mobile numbers, optionally with +86 / 0086.
  { kind: "phone", re: new RegExp(String.raw`(?<![\w])(?:(?:\+|00)\s*86[\s.\-]{0,2})?1[3-9](?:${D}){9}(?!\d)`, "gu") },
  // Landlines with an area code: 010-12345678, 0755 1234 5678.
  { kind: "phone", re: new RegExp(String.raw`(?<![\w])0\d{2,3}[\s\-]{1,2}\d{3,4}[\s\-]?\d{4}(?!\d)`, "gu") },
  // Other international numbers in E.164 form.
  { kind: "phone", re: new RegExp(String.raw`(?<![\w+])\+[1-9]\d{0,2}(?:${D}){6,13}(?!\d)`, "gu") },
];

/** Every contact or advert in `text`, sorted by start; a hit inside a longer one is dropped. */
export function detectContacts(text: string, folded = foldForContacts(text)): ContactHit[] {
  const raw: ContactHit[] = [];
  for (const { kind, re } of PATTERNS) {
    re.lastIndex = 0;
    for (let m = re.exec(folded); m; m = re.exec(folded)) {
      const start = m.index;
      const end = start + m[0].length;
      const hit: ContactHit = { kind, start, end };
      if (kind === "email") hit.host = m[1]!.toLowerCase();
      else if (kind === "url") {
        const h = hostOf(m[0].replace(/[.,;:!?]+$/, ""));
        if (h) hit.host = h;
      }
      raw.push(hit);
    }
  }
  raw.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: ContactHit[] = [];
  let coveredTo = -1;
  for (const h of raw) {
    if (h.end <= coveredTo) continue; // inside an earlier, longer hit (e.g. digits in a URL)
    out.push(h);
    coveredTo = Math.max(coveredTo, h.end);
  }
  return out;
}
