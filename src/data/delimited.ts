import { CareError, type SkipLog } from "../core/errors.js";
import { readLines } from "../util/jsonl.js";

/** One record of a delimited file, with the physical line it starts on (1-based). */
export interface DelimitedRecord {
  line: number;
  fields: string[];
}

export interface DelimitedOptions {
  delimiter: string;
  /**
   * RFC 4180 quoting: a field that starts with `"` runs to the next lone `"`, may contain the delimiter
   * and newlines, and writes a literal quote as `""`. A quote inside an unquoted field is literal text
   * (several sources have them). Off for plain TSV, where a leading quote is data.
   */
  quoted: boolean;
  /**
   * A quoted field still open after this many physical lines is taken to be a stray quote: the record
   * is reported and skipped and parsing restarts on the line after it, so one bad quote cannot swallow
   * the rest of the file.
   */
  maxRecordLines?: number;
}

/**
 * Streams the records of a CSV or TSV file with their line numbers. Records the parser cannot read
 * (a quoted field closed by something other than a delimiter or line end, a quote never closed) go to
 * `skips` with file and line; the stream goes on after them. Empty lines between records are not records.
 */
export async function* readDelimited(
  file: string,
  options: DelimitedOptions,
  skips: SkipLog,
): AsyncGenerator<DelimitedRecord> {
  const { delimiter, quoted } = options;
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === "\n")
    throw new CareError(`bad delimiter ${JSON.stringify(delimiter)}`);
  const maxLines = options.maxRecordLines ?? 200;
  if (!quoted) {
    for await (const { line, text } of readLines(file))
      if (text !== "") yield { line, fields: text.split(delimiter) };
    return;
  }
  const parser = new RecordParser(delimiter);
  // Lines of the record in progress, kept so that parsing can restart after a stray quote.
  let pending: { line: number; text: string }[] = [];
  const feed = function* (entry: { line: number; text: string }): Generator<DelimitedRecord> {
    if (pending.length === 0 && entry.text === "") return;
    pending.push(entry);
    const r = parser.push(entry.text);
    if (r.kind === "open") {
      if (pending.length < maxLines) return;
      skips.add(file, pending[0].line, `quoted field not closed within ${maxLines} lines`);
    } else if (r.kind === "error") {
      skips.add(file, pending[0].line, r.reason);
    } else {
      yield { line: pending[0].line, fields: r.fields };
      pending = [];
      return;
    }
    // Skip the first line of the bad record only and re-read the rest: they may be good records.
    const replay = pending.slice(1);
    pending = [];
    parser.reset();
    for (const e of replay) yield* feed(e);
  };
  for await (const entry of readLines(file)) yield* feed(entry);
  while (pending.length > 0) {
    // End of file inside a quoted field.
    skips.add(file, pending[0].line, "quoted field not closed before end of file");
    const replay = pending.slice(1);
    pending = [];
    parser.reset();
    for (const e of replay) yield* feed(e);
  }
}

type PushResult = { kind: "record"; fields: string[] } | { kind: "open" } | { kind: "error"; reason: string };

/** An RFC 4180 state machine fed one physical line at a time (line breaks already removed). */
class RecordParser {
  private fields: string[] = [];
  private field = "";
  private inQuotes = false;

  constructor(private readonly delimiter: string) {}

  reset(): void {
    this.fields = [];
    this.field = "";
    this.inQuotes = false;
  }

  push(text: string): PushResult {
    let i = 0;
    // A line break inside a quoted field is part of the field.
    if (this.inQuotes) this.field += "\n";
    const n = text.length;
    while (i < n) {
      if (this.inQuotes) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          this.field += text.slice(i);
          return { kind: "open" };
        }
        this.field += text.slice(i, q);
        if (text[q + 1] === '"') {
          this.field += '"';
          i = q + 2;
          continue;
        }
        this.inQuotes = false;
        i = q + 1;
        if (i < n && text[i] !== this.delimiter) {
          const reason = `unexpected ${JSON.stringify(text[i])} after a closing quote (field ${this.fields.length + 1})`;
          this.reset();
          return { kind: "error", reason };
        }
        continue;
      }
      const ch = text[i];
      if (ch === this.delimiter) {
        this.fields.push(this.field);
        this.field = "";
        i++;
        // A quote opens a quoted field only at the start of a field.
        if (text[i] === '"') {
          this.inQuotes = true;
          i++;
        }
        continue;
      }
      if (ch === '"' && i === 0 && this.fields.length === 0 && this.field === "") {
        this.inQuotes = true;
        i++;
        continue;
      }
      const d = text.indexOf(this.delimiter, i);
      const end = d < 0 ? n : d;
      this.field += text.slice(i, end);
      i = end;
    }
    if (this.inQuotes) return { kind: "open" };
    this.fields.push(this.field);
    const fields = this.fields;
    this.reset();
    return { kind: "record", fields };
  }
}
