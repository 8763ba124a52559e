import { createReadStream, existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { CareError } from "../core/errors.js";

/** Lines of a text file with their 1-based numbers, streamed so large files never sit in memory. */
export async function* readLines(file: string): AsyncGenerator<{ line: number; text: string }> {
  if (!existsSync(file)) throw new CareError("file not found", file);
  const rl = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  let line = 0;
  for await (const raw of rl) {
    line++;
    // A UTF-8 byte-order mark on the first line is not part of the data.
    yield { line, text: line === 1 ? raw.replace(/^\uFEFF/, "") : raw };
  }
}

/** JSON objects of a JSONL file; blank lines are allowed, a malformed line is an error naming file and line. */
export async function* readJsonl<T = Record<string, unknown>>(
  file: string,
): AsyncGenerator<{ line: number; value: T }> {
  for await (const { line, text } of readLines(file)) {
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new CareError(`malformed JSON: ${(e as Error).message}`, file, line);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new CareError("expected a JSON object on this line", file, line);
    }
    yield { line, value: value as T };
  }
}

/** Reads a required string field, or throws naming the file, line and field. */
export function stringField(obj: Record<string, unknown>, field: string, file: string, line: number): string {
  const v = obj[field];
  if (typeof v === "number") return String(v);
  if (typeof v !== "string") throw new CareError(`field "${field}" must be a string`, file, line);
  return v;
}
