import { createHash } from "node:crypto";
import { CareError } from "../core/errors.js";

/**
 * A stable id for a text: a prefix and the first 64 bits of its SHA-1 in hex. The same text gets the
 * same id in every run and on every machine, so qrels, run files and caches stay comparable.
 */
export function contentId(prefix: string, text: string): string {
  return prefix + createHash("sha1").update(text, "utf8").digest("hex").slice(0, 16);
}

/** Maps texts to content ids and refuses two different texts under one id (a 64-bit collision). */
export class IdTable {
  private readonly texts = new Map<string, string>();
  constructor(private readonly prefix: string) {}

  id(text: string): string {
    const id = contentId(this.prefix, text);
    const prev = this.texts.get(id);
    if (prev === undefined) this.texts.set(id, text);
    else if (prev !== text) throw new CareError(`content id collision on ${id}: two texts share it`);
    return id;
  }
}
