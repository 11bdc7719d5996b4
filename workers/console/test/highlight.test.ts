import { describe, expect, it } from "vitest";
import { segments, spansOf } from "../src/highlight";

describe("highlights at screening's offsets", () => {
  it("cuts the text at each span, keeping every character once", () => {
    const text = "据说 谣-言-测-试 正在流传";
    const spans = spansOf([{ code: "term_match", category: "rumour", start: 3, end: 10 }], "text");
    const out = segments(text, spans);
    expect(out).toEqual([{ text: "据说 " }, { text: "谣-言-测-试", category: "rumour" }, { text: " 正在流传" }]);
    expect(out.map((s) => s.text).join("")).toBe(text);
  });

  it("merges overlaps into the first span, clips spans past the end, and skips other fields", () => {
    const text = "abcdefghij";
    const spans = spansOf(
      [
        { category: "fraud", start: 1, end: 5 },
        { category: "violence", start: 3, end: 7 },
        { category: "rumour", start: 8, end: 99 },
        { category: "porn", start: 0, end: 2, field: "title" },
        { code: "contact", start: 5 },
      ],
      "text",
    );
    expect(segments(text, spans)).toEqual([
      { text: "a" },
      { text: "bcde", category: "fraud" },
      { text: "fg", category: "violence" },
      { text: "h" },
      { text: "ij", category: "rumour" },
    ]);
  });
});
