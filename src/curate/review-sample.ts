import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { writeJsonlAtomic } from "../util/atomic.js";
import { CareError } from "../core/errors.js";
import { readJsonl, stringField } from "../util/jsonl.js";
import type { VotedPair } from "./aggregate.js";
import type { Pair } from "./pair.js";

/** A pair put before the experts, with the pipeline's decision kept for the agreement (never shown). */
export interface ReviewItem extends Pick<Pair, "pair_id" | "task" | "query_id" | "doc_id" | "query" | "doc"> {
  pipeline: "positive" | "negative";
}

export const SAMPLE_FILE = "sample.jsonl";
export const LABELS_FILE = "labels.jsonl";

/**
 * A seeded uniform sample of the pairs the pipeline decided (positive or negative): those are the labels
 * a benchmark ships, so those are what clinicians check. Order is by a hash of seed and pair id, which is
 * also the order shown, so positives and negatives come mixed and unpredictable.
 */
export function sampleForReview(voted: readonly VotedPair[], n: number, seed: string): ReviewItem[] {
  const key = (id: string) => createHash("sha256").update(`${seed}\0${id}`).digest("hex");
  return voted
    .filter((v) => v.decision !== "unsure")
    .map((v) => ({ v, k: key(v.pair.pair_id) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .slice(0, n)
    .map(({ v }) => ({
      pair_id: v.pair.pair_id,
      task: v.pair.task,
      query_id: v.pair.query_id,
      doc_id: v.pair.doc_id,
      query: v.pair.query,
      doc: v.pair.doc,
      pipeline: v.decision as "positive" | "negative",
    }));
}

export function writeReviewSample(dir: string, items: readonly ReviewItem[]): void {
  writeJsonlAtomic(join(dir, SAMPLE_FILE), items);
}

export async function readReviewSample(dir: string): Promise<ReviewItem[]> {
  const file = join(dir, SAMPLE_FILE);
  if (!existsSync(file))
    throw new CareError("no review sample here (run care curate review with --pairs)", file);
  const items: ReviewItem[] = [];
  for await (const { line, value } of readJsonl(file)) {
    const pipeline = stringField(value, "pipeline", file, line);
    if (pipeline !== "positive" && pipeline !== "negative") {
      throw new CareError('field "pipeline" must be "positive" or "negative"', file, line);
    }
    items.push({
      pair_id: stringField(value, "pair_id", file, line),
      task: stringField(value, "task", file, line),
      query_id: stringField(value, "query_id", file, line),
      doc_id: stringField(value, "doc_id", file, line),
      query: stringField(value, "query", file, line),
      doc: stringField(value, "doc", file, line),
      pipeline,
    });
  }
  return items;
}
