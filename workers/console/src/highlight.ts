/** A run of text, either plain or a match of one category (screening's offsets, UTF-16 units). */
export interface Segment {
  text: string;
  category?: string;
}

export interface Span {
  start: number;
  end: number;
  category: string;
}

/** Screening reasons with offsets into `field` (`text` when a reason names no field). */
export function spansOf(reasons: Record<string, unknown>[], field: "text" | "title"): Span[] {
  const spans: Span[] = [];
  for (const r of reasons) {
    const f = typeof r.field === "string" ? r.field : "text";
    if (f !== field || typeof r.start !== "number" || typeof r.end !== "number" || r.end <= r.start) continue;
    spans.push({ start: r.start, end: r.end, category: typeof r.category === "string" ? r.category : String(r.code ?? "match") });
  }
  return spans;
}

/**
 * Cuts `text` at the spans' offsets. Overlapping spans are merged into the first one's
 * category (the text shows each character once); spans past the end are clipped.
 */
export function segments(text: string, spans: Span[]): Segment[] {
  const sorted = spans
    .map((s) => ({ ...s, start: Math.max(0, s.start), end: Math.min(text.length, s.end) }))
    .filter((s) => s.end > s.start)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Segment[] = [];
  let at = 0;
  for (const s of sorted) {
    if (s.end <= at) continue;
    const start = Math.max(s.start, at);
    if (start > at) out.push({ text: text.slice(at, start) });
    out.push({ text: text.slice(start, s.end), category: s.category });
    at = s.end;
  }
  if (at < text.length) out.push({ text: text.slice(at) });
  return out;
}

/** A stable colour slot (0–7) per category, so one category looks the same on every page. */
export function categorySlot(category: string): number {
  let h = 0;
  for (let i = 0; i < category.length; i++) h = (h * 31 + category.charCodeAt(i)) >>> 0;
  return h % 8;
}
