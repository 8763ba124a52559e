/**
 * Transformer pieces shared by the families: masks, rotary positions, (grouped-query) attention and
 * pooling. Everything works on dynamic [batch, seq] inputs without Shape-dependent Expand ops.
 */
import type { Value } from "../graph/ir.js";
import {
  add,
  and,
  cast,
  concat,
  cos,
  cumSum,
  equal,
  gather,
  greater,
  matmul,
  mul,
  neg,
  not,
  range,
  reduceMax,
  reduceSum,
  reshape,
  shapeOf,
  sin,
  slice,
  softmax,
  sub,
  transpose,
  unsqueeze,
  where,
  div,
  sqrt,
} from "../graph/ops.js";

/** A large finite negative bias: -inf would turn fully masked rows (left padding) into NaN. */
export const MASKED = -1e9;

/**
 * How hidden states become one vector: sentence-transformers' pooling modes ("last" is its
 * "lasttoken", "mean_sqrt_len" its "mean_sqrt_len_tokens").
 */
export type Pooling = "cls" | "mean" | "max" | "last" | "weightedmean" | "mean_sqrt_len";
export const POOLINGS: readonly Pooling[] = ["cls", "mean", "max", "last", "weightedmean", "mean_sqrt_len"];

/** Token positions 0..seq-1 as an int64 [seq] vector. */
export function positionRange(inputIds: Value, offset = 0): Value {
  const g = inputIds.graph;
  const seq = gather(shapeOf(inputIds), g.scalar("int64", 1));
  const start = g.scalar("int64", offset);
  return range(start, add(seq, start), g.scalar("int64", 1), inputIds.shape[1]);
}

/**
 * Per-row positions counted over real tokens only (cumsum(mask) - 1), so a left-padded sequence gets
 * the same positions as the unpadded one. Padding positions are irrelevant (masked out).
 */
export function positionsFromMask(mask: Value): Value {
  return sub(cumSum(mask, 1), mask.graph.scalar("int64", 1));
}

/** Additive key-padding bias [batch, 1, 1, seq]. */
export function paddingBias(mask: Value, dtype: Value["dtype"]): Value {
  const g = mask.graph;
  const m = cast(unsqueeze(mask, [1, 2]), dtype);
  return mul(sub(g.scalar(dtype, 1), m), g.scalar(dtype, MASKED));
}

/** Additive causal + key-padding bias [batch, 1, seq, seq]. */
export function causalBias(mask: Value, dtype: Value["dtype"]): Value {
  const g = mask.graph;
  const pos = positionRange(mask);
  const future = greater(unsqueeze(pos, [0]), unsqueeze(pos, [1])); // [seq(query), seq(key)]: key after query
  const keyValid = equal(unsqueeze(mask, [1, 2]), g.scalar("int64", 1)); // [b,1,1,s]
  const allowed = and(not(future), keyValid);
  return where(allowed, g.scalar(dtype, 0), g.scalar(dtype, MASKED));
}

export interface Rotary {
  cos: Value;
  sin: Value;
}

/** HF rotary inverse frequencies 1 / theta^(2i/d). */
export function ropeInvFreq(theta: number, dim: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < dim; i += 2) out.push(1 / Math.pow(theta, i / dim));
  return out;
}

/**
 * cos/sin tables [batch, seq, 1, dim] for int64 positions [batch, seq], laid out as HF's
 * cat(freqs, freqs) so that rotate_half applies.
 */
export function rotaryTables(positions: Value, invFreq: number[], dtype: Value["dtype"]): Rotary {
  const g = positions.graph;
  // Angles are formed in float32 like HF (positions * inv_freq in float32), then widened if needed.
  const inv = g.constant("float32", [1, invFreq.length], Float32Array.from(invFreq), "inv_freq");
  const pos = cast(unsqueeze(positions, [2]), "float32"); // [b,s,1]
  const freqs = matmul(pos, inv); // [b,s,half]
  const emb = unsqueeze(concat([freqs, freqs], -1), [2]); // [b,s,1,dim]
  return { cos: cast(cos(emb), dtype), sin: cast(sin(emb), dtype) };
}

/** x * cos + rotate_half(x) * sin on [batch, seq, heads, dim]. */
export function applyRotary(x: Value, rot: Rotary, dim: number): Value {
  const half = dim / 2;
  const x1 = slice(x, [-1], [0], [half]);
  const x2 = slice(x, [-1], [half], [dim]);
  const rotated = concat([neg(x2), x1], -1);
  return add(mul(x, rot.cos), mul(rotated, rot.sin));
}

export interface AttentionShape {
  heads: number;
  kvHeads: number;
  headDim: number;
  /** Training: dropout on the attention weights (equal-heads layout only). */
  probsDropout?: (probs: Value) => Value;
}

/**
 * Scaled dot-product attention over q [b,s,heads,d] and k, v [b,s,kvHeads,d] with an additive bias
 * ([b,1,1,s] or [b,1,s,s]); returns [b, s, heads*d]. Grouped-query attention broadcasts k/v over the
 * query groups in a 5-d layout instead of materialising repeated heads.
 */
export function attention(q: Value, k: Value, v: Value, bias: Value, shape: AttentionShape): Value {
  const { heads, kvHeads, headDim } = shape;
  const g = q.graph;
  const scale = g.scalar(q.dtype, 1 / Math.sqrt(headDim));
  if (heads === kvHeads) {
    const qh = transpose(q, [0, 2, 1, 3]);
    const kh = transpose(k, [0, 2, 3, 1]);
    const vh = transpose(v, [0, 2, 1, 3]);
    const soft = softmax(add(mul(matmul(qh, kh), scale), bias), -1);
    const probs = shape.probsDropout ? shape.probsDropout(soft) : soft;
    return reshape(transpose(matmul(probs, vh), [0, 2, 1, 3]), [0, 0, heads * headDim]);
  }
  const groups = heads / kvHeads;
  const qh = transpose(reshape(q, [0, 0, kvHeads, groups, headDim]), [0, 2, 3, 1, 4]); // [b,kv,g,s,d]
  const kh = transpose(reshape(k, [0, 0, kvHeads, 1, headDim]), [0, 2, 3, 4, 1]); // [b,kv,1,d,s]
  const vh = transpose(reshape(v, [0, 0, kvHeads, 1, headDim]), [0, 2, 3, 1, 4]); // [b,kv,1,s,d]
  const probs = softmax(add(mul(matmul(qh, kh), scale), unsqueeze(bias, [1])), -1);
  return reshape(transpose(matmul(probs, vh), [0, 3, 1, 2, 4]), [0, 0, heads * headDim]);
}

/** Splits [.., heads*dim] into [.., heads, dim]. */
export function splitHeads(x: Value, heads: number, dim: number): Value {
  return reshape(x, [0, 0, heads, dim]);
}

/**
 * Pools [b, s, h] hidden states to [b, h] over the positions where `mask` is 1, as
 * sentence-transformers' Pooling module does with right padding. "last" takes, per row, the last
 * position whose mask is 1, so left and right padding give the same result; "weightedmean" weights
 * the k-th real token by k (sentence-transformers weights by padded position, the same on right
 * padding); "max" is written as a selection (the maxima's hidden states, averaged over ties) so that
 * gradients flow through it without a ReduceMax rule.
 */
export function pool(hidden: Value, mask: Value, mode: Pooling, width: number): Value {
  const g = hidden.graph;
  const dtype = hidden.dtype;
  if (mode === "cls") return gather(hidden, g.scalar("int64", 0), 1);
  const m = cast(mask, dtype); // [b, s]
  const weighted = (weights: Value): Value => reshape(matmul(unsqueeze(weights, [1]), hidden), [0, width]);
  switch (mode) {
    case "mean":
      return weighted(div(m, reduceSum(m, [1], true)));
    case "mean_sqrt_len":
      return weighted(div(m, sqrt(reduceSum(m, [1], true))));
    case "weightedmean": {
      const rank = mul(cast(cumSum(mask, 1), dtype), m); // 1, 2, … over real tokens, 0 on padding
      return weighted(div(rank, reduceSum(rank, [1], true)));
    }
    case "last": {
      const rank = cast(mul(mask, positionRange(mask, 1)), dtype); // 1-based positions of real tokens
      return weighted(cast(equal(rank, reduceMax(rank, [1], true)), dtype));
    }
    case "max": {
      const real = unsqueeze(m, [2]); // [b, s, 1]
      const masked = add(mul(hidden, real), mul(sub(g.scalar(dtype, 1), real), g.scalar(dtype, MASKED)));
      const top = mul(cast(equal(masked, reduceMax(masked, [1], true)), dtype), real);
      return div(reduceSum(mul(hidden, top), [1], false), reduceSum(top, [1], false));
    }
  }
}
