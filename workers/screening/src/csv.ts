/**
 * A strict RFC 4180 CSV reader: quoted fields, doubled quotes, CRLF or LF, optional BOM.
 * Strict where being lenient would change the data: a quote inside an unquoted field
 * (`ab"c`), text after a closing quote (`"ab"c`) and an unclosed quoted field make their
 * record an error instead of being read as `abc`.
 */
export interface CsvRecord {
  cells: string[];
  /** The 1-based line the record starts on (a quoted field may span lines). */
  line: number;
  /** Why the record is malformed, if it is. */
  error?: string;
}

export function parseCsv(input: string): CsvRecord[] {
  const s = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  let row: string[] = [];
  let field = "";
  // start: nothing of the field read yet; bare: inside an unquoted field; quoted: inside quotes;
  // closed: after the closing quote (only a comma or a line end may follow).
  let state: "start" | "bare" | "quoted" | "closed" = "start";
  let line = 1;
  let recordLine = 1;
  let error: string | undefined;
  const endField = () => {
    row.push(field);
    field = "";
    state = "start";
  };
  const endRecord = () => {
    endField();
    // Blank lines carry no record.
    if (error || !(row.length === 1 && row[0] === "")) records.push({ cells: row, line: recordLine, ...(error ? { error } : {}) });
    row = [];
    error = undefined;
  };
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (state === "quoted") {
      if (c === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i += 2;
        } else {
          state = "closed";
          i++;
        }
        continue;
      }
      if (c === "\n" || (c === "\r" && s[i + 1] !== "\n")) line++;
      field += c;
      i++;
      continue;
    }
    if (c === ",") {
      endField();
      i++;
    } else if (c === "\n" || c === "\r") {
      endRecord();
      i += c === "\r" && s[i + 1] === "\n" ? 2 : 1;
      recordLine = ++line;
    } else {
      if (c === '"' && state === "start") state = "quoted";
      else {
        if (state === "closed") error ??= "Text follows a closing quote; quote the whole field and double quotes inside it.";
        else if (c === '"') error ??= 'A quote inside an unquoted field; quote the whole field and double quotes inside it ("ab""c").';
        else state = "bare";
        field += c;
      }
      i++;
    }
  }
  if (state === "quoted") error ??= "A quoted field is not closed before the end of the input.";
  if (state !== "start" || field.length > 0 || row.length > 0) endRecord();
  return records;
}
