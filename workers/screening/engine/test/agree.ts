/** The check the property tests share: the engine agrees with the naive reference. */
import { expect } from "vitest";
import { compile, load, type CompileOptions, type TermEntry } from "../index.js";
import { referenceFindAll } from "./reference.js";

/** findAll of the compiled and of the loaded (serialized) matcher, and test(), on every text. */
export function expectAgreesWithReference(dict: TermEntry[], options: CompileOptions, texts: string[]): void {
  const m = compile(dict, options);
  const loaded = load(m.serialize());
  for (const text of texts) {
    const want = referenceFindAll(dict, options, text);
    expect(m.findAll(text)).toEqual(want);
    expect(loaded.findAll(text)).toEqual(want);
    expect(m.test(text)).toBe(want.length > 0);
  }
}
