/**
 * A strict RFC 4180 reader for tests: CRLF records, quoted fields with doubled quotes; throws on
 * a malformed file (a stray quote, an unterminated field) instead of guessing.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  for (;;) {
    let field = "";
    if (text[i] === '"') {
      i += 1;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error(`unterminated quoted field at ${i}`);
        field += text.slice(i, q);
        i = q + 1;
        if (text[i] === '"') {
          field += '"';
          i += 1;
        } else break;
      }
    } else {
      const ends = [text.indexOf(",", i), text.indexOf("\r\n", i)].filter((n) => n >= 0);
      const end = ends.length ? Math.min(...ends) : text.length;
      field = text.slice(i, end);
      if (field.includes('"')) throw new Error(`quote in an unquoted field at ${i}`);
      i = end;
    }
    row.push(field);
    if (text[i] === ",") {
      i += 1;
      continue;
    }
    if (text.startsWith("\r\n", i)) {
      rows.push(row);
      row = [];
      i += 2;
      if (i >= text.length) return rows;
      continue;
    }
    if (i >= text.length) {
      rows.push(row);
      return rows;
    }
    throw new Error(`unexpected character at ${i}`);
  }
}
