/**
 * Encoder pieces built from ONNX Runtime's fused inference kernels (see graph/contrib.ts), shared by
 * the encoder families when a graph is built for inference only.
 */
import {
  biasGelu,
  fusedSelfAttention,
  multiHeadAttention,
  quantizedSelfAttention,
  skipLayerNorm,
} from "../graph/contrib.js";
import type { Value } from "../graph/ir.js";
import { dynamicQuantizeLinear, slice } from "../graph/ops.js";
import type { GraphWeights } from "./graph-weights.js";
import { MASKED } from "./layers.js";

/**
 * Bidirectional self-attention of x [b, s, H] through the HF Linears `qkv` (query, key, value, each
 * [H, H] with bias), keys masked by the int32 mask [b, s]; returns the merged heads [b, s, H].
 * float32 runs one Attention kernel; int8 quantises x once and runs one QAttention kernel, which gives
 * the same numbers as DynamicQuantizeMatMul + Split + MultiHeadAttention without the Split and the
 * head transposes (about 2% of a 16-token bert-base call).
 */
export function selfAttention(
  ck: GraphWeights,
  x: Value,
  qkv: string[],
  width: number,
  heads: number,
  mask32: Value,
): Value {
  const outs = [width, width, width];
  const bias = ck.biases(qkv, outs);
  if (!ck.quantize) return fusedSelfAttention(x, ck.weights(qkv, outs, width), bias, mask32, heads, MASKED);
  const { weights, scales } = ck.int8Weights(qkv, outs, width);
  const [xq, xScale, xZero] = dynamicQuantizeLinear(x);
  return quantizedSelfAttention(xq, weights, bias, xScale, scales, mask32, xZero, heads, MASKED);
}

/**
 * Attention for the first token only (what CLS pooling reads from the last layer): keys and values
 * from every position of x [b, s, H], the query from position 0. Returns the merged heads [b, 1, H]
 * and x's first row [b, 1, H] (the residual).
 */
export function firstTokenAttention(
  ck: GraphWeights,
  x: Value,
  qkv: string[],
  width: number,
  heads: number,
  mask32: Value,
): { ctx: Value; first: Value } {
  const first = slice(x, [1], [0], [1]);
  const q = ck.project(first, [qkv[0]], [width], width, ck.biases([qkv[0]], [width]));
  const kvNames = qkv.slice(1);
  const kv = ck.project(x, kvNames, [width, width], width, ck.biases(kvNames, [width, width]));
  const k = slice(kv, [-1], [0], [width]);
  const v = slice(kv, [-1], [width], [2 * width]);
  return { ctx: multiHeadAttention(q, k, v, heads, mask32, null, MASKED), first };
}

/** LayerNorm(residual + x W^T + b) for the HF Linear `name` ([width, inp]) with a LayerNorm's (γ, β). */
export function denseAddNorm(
  ck: GraphWeights,
  x: Value,
  name: string,
  inp: number,
  residual: Value,
  [gamma, beta]: [Value, Value],
  eps: number,
): Value {
  const width = gamma.shape[0] as number;
  const y = ck.project(x, [name], [width], inp);
  return skipLayerNorm(y, residual, gamma, beta, ck.biases([name], [width]), eps);
}

/** Exact GELU(x W^T + b) for the HF Linear `name` ([out, inp]). */
export function denseBiasGelu(ck: GraphWeights, x: Value, name: string, out: number, inp: number): Value {
  return biasGelu(ck.project(x, [name], [out], inp), ck.biases([name], [out]));
}

/**
 * x through several HF Linears ([outs[i], inp]) that read the same input. Inference graphs (`packed`)
 * run one MatMul over their weights side by side and slice the result; training graphs keep one
 * MatMul per Linear so that every weight is its own checkpoint tensor.
 */
export function projectEach(
  ck: GraphWeights,
  x: Value,
  names: string[],
  outs: number[],
  inp: number,
  bias: boolean,
  packed: boolean,
): Value[] {
  if (!packed) return names.map((n, i) => ck.linear(x, n, outs[i], inp, bias));
  const y = ck.project(x, names, outs, inp, bias ? ck.biases(names, outs) : null);
  let at = 0;
  return outs.map((w) => slice(y, [-1], [at], [(at += w)]));
}
