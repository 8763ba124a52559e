import { tokenFeeds } from "../runtime/token-feeds.js";
import type { Tensor } from "../runtime/session.js";
import { padBatch } from "../tokenize/tokenizer.js";

export interface PadOptions {
  padId?: number;
  /** Round the padded length up to a multiple of this (default 8). */
  multiple?: number;
  /** Qwen-style last-token pooling works with either; the default is right padding. */
  side?: "right" | "left";
}

/**
 * Token rows as the feeds of a training step, padded to a multiple of 8 (steadier kernel shapes, and
 * fewer distinct graph shapes across steps).
 */
export function trainingFeeds(
  rows: readonly (readonly number[])[],
  o: PadOptions = {},
): Record<"input_ids" | "attention_mask", Tensor> {
  return tokenFeeds(padBatch(rows, o.padId ?? 0, o.side ?? "right", o.multiple ?? 8));
}
