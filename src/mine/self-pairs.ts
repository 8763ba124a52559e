import { createHash } from "node:crypto";
import { AtomicJsonlWriter } from "../util/jsonl-writer.js";
import { overlapKey } from "../data/splits.js";
import { readJsonl } from "../util/jsonl.js";
import type { Stage1Row } from "./records.js";

/**
 * A set of texts kept as 52-bit hashes of their overlapKey: a number per text instead of the text, so
 * the distinct texts of millions of rows fit in memory. Two different texts share a key with odds of
 * about n² / 2^53 (one in ten thousand at a million texts), and the cost of that is one self-pair missing.
 */
export class TextHashSet {
  private readonly keys = new Set<number>();

  /** Adds the text; false when an equal (by overlapKey) text was added before. */
  add(text: string): boolean {
    const h = createHash("sha1").update(overlapKey(text), "utf8").digest();
    const key = h.readUInt32BE(0) * 2 ** 20 + (h.readUInt32BE(4) >>> 12);
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    return true;
  }

  get size(): number {
    return this.keys.size;
  }
}

export function stage1Row(text: string): Stage1Row {
  return { query: text, pos: [text], neg: [] };
}

/**
 * Stage-I self-pairs from stage-II rows: every distinct text among the queries, positives and
 * negatives, once each, in first-seen order (a row's query, then its positives, then its negatives).
 * Stage I aligns the query encoder to the document encoder on text alone, so both sides' texts serve.
 * Streams `stage2File` and writes `out` atomically; returns the number of texts written.
 */
export async function writeStage1(stage2File: string, out: string): Promise<number> {
  const seen = new TextHashSet();
  const w = new AtomicJsonlWriter(out);
  try {
    for await (const { value } of readJsonl<{ query: string; pos: string[]; neg: string[] }>(stage2File)) {
      for (const t of [value.query, ...value.pos, ...value.neg]) if (seen.add(t)) w.write(stage1Row(t));
    }
    w.commit();
  } catch (e) {
    w.abort();
    throw e;
  }
  return w.count;
}
