import { mulberry32 } from "../data.js";
import { compile, load, NO_FAST_PATHS } from "../../../workers/screening/engine/index.js";
import { referenceFindAll } from "../../../workers/screening/engine/test/reference.js";
const rnd = mulberry32(9);
const letters = [..."abcdefghijklmnopqrstuvwxyz", ...Array.from({ length: 32 }, (_, i) => String.fromCharCode(0x430 + i)), ...Array.from({ length: 24 }, (_, i) => String.fromCharCode(0x3b1 + i)), ...Array.from({ length: 20 }, (_, i) => String.fromCharCode(0x561 + i)), ...Array.from({ length: 20 }, (_, i) => String.fromCharCode(0x10d0 + i)), ..."가나다라마바사아자차카타파하ก ขคงจฉชซ".replace(/ /g, "")];
const pick = () => letters[Math.min(letters.length - 1, Math.floor(letters.length * rnd() ** 1.7))]!;
const w = (lo: number, hi: number) => Array.from({ length: lo + Math.floor(rnd() * (hi - lo + 1)) }, pick).join("");
for (let round = 0; round < 5; round++) {
  const terms = new Set<string>(); while (terms.size < 3000) terms.add(w(2, 6));
  const list = [...terms];
  const entries = list.map((pattern, i) => ({ id: i + 1, pattern, category: "x", severity: 1, flags: { wholeWord: rnd() < 0.7, repeats: rnd() < 0.5 } }));
  const m = compile(entries);
  const parts: string[] = []; for (let i = 0; i < 600; i++) parts.push(rnd() < 0.3 ? list[Math.floor(rnd() * list.length)]! : w(1, 5), [" ", "", "-", "，"][Math.floor(rnd() * 4)]!);
  const text = parts.join("");
  const want = referenceFindAll(entries, {}, text);
  const got = m.findAll(text), off = compile(entries, { fastPaths: NO_FAST_PATHS }).findAll(text), loaded = load(m.serialize()).findAll(text);
  console.log("round", round, "dense classes", (m as any).tables.denseClasses, "matches", want.length, "engine==ref", JSON.stringify(got) === JSON.stringify(want), "off==ref", JSON.stringify(off) === JSON.stringify(want), "loaded==ref", JSON.stringify(loaded) === JSON.stringify(want));
}
