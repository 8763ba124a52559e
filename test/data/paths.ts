import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The shared data folder, next to the repository (as the data README asks: read in place, never copied). */
export const DATA = resolve(dirname(fileURLToPath(import.meta.url)), "../../../shared/data");

export const dataFile = (rel: string): string => join(DATA, rel);

/** Writes a fixture file into a fresh temporary folder and returns its path. */
export function fixture(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), "care-data-"));
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

export async function collect<T>(gen: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}
