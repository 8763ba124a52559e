/**
 * The two CARE objectives as graph builders over pooled embeddings. Both read embeddings the way the
 * embedders do at inference: cut to the shared width (the query encoder's), then L2-normalised.
 */
import type { Value } from "../graph/ir.js";
import { add, mul, slice } from "../graph/ops.js";
import { infoNce, l2Normalize, squaredDistance } from "../train/losses.js";

/** The first `dim` columns of [rows, hidden] embeddings, L2-normalised. */
export function cutNormalize(emb: Value, dim: number): Value {
  const hidden = emb.shape[emb.shape.length - 1];
  return l2Normalize(hidden === dim ? emb : slice(emb, [-1], [0], [dim]));
}

export interface AlignmentLossOptions {
  temperature: number;
  mseWeight: number;
}

/**
 * Stage I: `query` [B, D] from the learning query encoder and `target` [B, D] the frozen document
 * encoder's embeddings of the same B texts (already cut and normalised). InfoNCE over the batch, with
 * the same text on the other side as the positive, plus the squared distance between the two
 * embeddings summed over dimensions and averaged over the batch, as the released code computes it.
 */
export function alignmentLoss(query: Value, target: Value, o: AlignmentLossOptions): Value {
  const nce = infoNce(query, target, { temperature: o.temperature });
  if (o.mseWeight === 0) return nce;
  return add(nce, mul(squaredDistance(query, target), query.graph.scalar(query.dtype, o.mseWeight)));
}

export interface ContrastiveLossOptions {
  temperature: number;
  groupSize: number;
  /** [B, B*G] additive bias that removes labelled positives of a query from its negatives (see pairMask). */
  mask?: Value;
}

/** Stage II: InfoNCE of each query over its group (positive first) and every other query's group. */
export function contrastiveLoss(query: Value, docs: Value, o: ContrastiveLossOptions): Value {
  return infoNce(query, docs, {
    temperature: o.temperature,
    groupSize: o.groupSize,
    inBatch: true,
    mask: o.mask,
  });
}

/**
 * Matryoshka contrastive loss: the mean of `contrastiveLoss` over the embeddings cut to each width and
 * normalised, so that a prefix of the embedding (the width a CARE query encoder reads) is an embedding
 * in its own right. `query` and `docs` are the raw pooled rows.
 */
export function matryoshkaContrastiveLoss(
  query: Value,
  docs: Value,
  widths: readonly number[],
  o: ContrastiveLossOptions,
): Value {
  if (!widths.length) throw new Error("matryoshka: no widths");
  let total: Value | undefined;
  for (const w of widths) {
    const term = contrastiveLoss(cutNormalize(query, w), cutNormalize(docs, w), o);
    total = total ? add(total, term) : term;
  }
  return mul(total!, query.graph.scalar(query.dtype, 1 / widths.length));
}
