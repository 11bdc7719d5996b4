/**
 * Deterministic benchmark data: a 50,000-term dictionary (60% two-to-four CJK
 * characters, 40% four-to-ten Latin letters) and ~1,000,000 characters of mixed
 * text (Chinese runs, Latin words, punctuation, digits, emoji) with dictionary
 * terms embedded every few hundred characters, some disguised.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BenchData {
  terms: string[];
  text: string;
}

export function makeBenchData(termCount = 50_000, textLength = 1_000_000, seed = 20261130): BenchData {
  const rnd = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  // ~3,500 "common" CJK characters: a realistic alphabet for a Chinese word list.
  const cjkPool: string[] = [];
  const seen = new Set<number>();
  while (cjkPool.length < 3500) {
    const cp = int(0x4e00, 0x9fa5);
    if (!seen.has(cp)) { seen.add(cp); cjkPool.push(String.fromCodePoint(cp)); }
  }
  const letters = "abcdefghijklmnopqrstuvwxyz";
  const latinWord = (lo: number, hi: number) => { let w = ""; for (let n = int(lo, hi); n > 0; n--) w += letters[int(0, 25)]; return w; };
  const cjkWord = (lo: number, hi: number) => { let w = ""; for (let n = int(lo, hi); n > 0; n--) w += pick(cjkPool); return w; };

  const termSet = new Set<string>();
  while (termSet.size < termCount) termSet.add(rnd() < 0.6 ? cjkWord(2, 4) : latinWord(4, 10));
  const terms = [...termSet];

  const punct = ["，", "。", "！", "？", "、", ",", ".", "!", "?", ";", ":", "-", "(", ")", "\"", "…"];
  const emoji = ["😀", "👍", "🔥", "❤️", "🙏", "😂"];
  const disguise = (t: string) => {
    const r = rnd();
    if (r < 0.2) return [...t].join(pick(["-", " ", "*", "."]));
    if (r < 0.3) return t.toUpperCase();
    if (r < 0.4) return [...t].map((c) => (c >= "a" && c <= "z" ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join("");
    return t;
  };
  const parts: string[] = [];
  let len = 0;
  let sinceTerm = 0;
  while (len < textLength) {
    let s: string;
    const r = rnd();
    if (sinceTerm > 250) { s = disguise(pick(terms)); sinceTerm = 0; }
    else if (r < 0.45) s = cjkWord(3, 25) + pick(punct);
    else if (r < 0.9) { s = latinWord(1, 9); if (rnd() < 0.1) s = s[0]!.toUpperCase() + s.slice(1); }
    else if (r < 0.94) s = String(int(0, 99999));
    else if (r < 0.97) s = pick(emoji);
    else s = pick(punct);
    s += " ";
    parts.push(s);
    len += s.length;
    sinceTerm += s.length;
  }
  return { terms, text: parts.join("").slice(0, textLength) };
}

/** Order-sensitive checksum of a match list (quick.ts, ab.ts): equal checksums mean the same matches. */
export function matchChecksum(matches: readonly { termId: number; start: number; end: number }[]): number {
  let h = 0;
  for (const r of matches) h = (Math.imul(h, 31) + r.termId * 7 + r.start * 13 + r.end) | 0;
  return h;
}
