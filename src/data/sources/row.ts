import { CareError, type SkipLog } from "../../core/errors.js";
import { readDelimited, type DelimitedRecord } from "../delimited.js";

/**
 * The fields of a record, trimmed, when it has exactly `count` of them and none of the `required`
 * ones (0-based) is empty; otherwise the record is reported to `skips` and undefined comes back.
 */
export function takeFields(
  file: string,
  record: DelimitedRecord,
  count: number,
  required: number[],
  skips: SkipLog,
): string[] | undefined {
  if (record.fields.length !== count) {
    skips.add(file, record.line, `expected ${count} fields, found ${record.fields.length}`);
    return undefined;
  }
  const fields = record.fields.map((f) => f.trim());
  for (const i of required) {
    if (fields[i] === "") {
      skips.add(file, record.line, `field ${i + 1} is empty`);
      return undefined;
    }
  }
  return fields;
}

/** A label from a fixed set (e.g. "0".."2"), as a number; anything else is reported and skipped. */
export function takeLabel(
  file: string,
  line: number,
  value: string,
  allowed: readonly number[],
  skips: SkipLog,
): number | undefined {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!allowed.includes(n)) {
    skips.add(
      file,
      line,
      value === "" ? "missing label" : `label ${JSON.stringify(value)} not in ${allowed}`,
    );
    return undefined;
  }
  return n;
}

/** Checks a CSV header row; a different header means a different file than the one expected. */
function headerMatches(record: DelimitedRecord, expected: readonly string[]): boolean {
  return record.fields.length === expected.length && record.fields.every((f, i) => f.trim() === expected[i]);
}

/** The records of a quoted CSV file after its header row, which must be `header`. */
export async function* readHeadedCsv(
  file: string,
  header: readonly string[],
  skips: SkipLog,
): AsyncGenerator<DelimitedRecord> {
  let first = true;
  for await (const rec of readDelimited(file, { delimiter: ",", quoted: true }, skips)) {
    if (first) {
      first = false;
      if (!headerMatches(rec, header))
        throw new CareError(`expected the header "${header.join(",")}"`, file, rec.line);
      continue;
    }
    yield rec;
  }
}
