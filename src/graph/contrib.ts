/**
 * ONNX Runtime's com.microsoft fused transformer kernels that its stock CPU build runs. They are for
 * inference graphs only: no gradient exists for them, so graphs that training differentiates keep to
 * the standard ops in ops.ts. All return float32 and take float32 activations, except QAttention,
 * which reads an input already quantised to uint8.
 */
import { float, int, type Value } from "./ir.js";

const MS = "com.microsoft";

function requireF32(op: string, ...values: (Value | null)[]): void {
  for (const v of values) {
    if (v && v.dtype !== "float32") throw new Error(`${op}: float32 expected, got ${v.dtype}`);
  }
}

/**
 * Bidirectional self-attention with the Q/K/V projection inside: x [b, s, in] times the packed
 * weights [in, 3h] plus bias [3h], scaled dot product per head with keys masked where the int32 mask
 * [b, s] is 0, heads merged back to [b, s, h]. `maskFilter` is the additive bias of masked keys.
 */
export function fusedSelfAttention(
  x: Value,
  weights: Value,
  bias: Value,
  mask: Value,
  heads: number,
  maskFilter: number,
): Value {
  requireF32("Attention", x, weights, bias);
  return packedAttention("Attention", [x, weights, bias, mask], mask, heads, maskFilter);
}

/** An attention kernel over packed Q|K|V weights (inputs[1], [in, 3h]) of x (inputs[0]): [b, s, h]. */
function packedAttention(op: string, inputs: Value[], mask: Value, heads: number, maskFilter: number): Value {
  const [x, weights] = inputs;
  if (mask.dtype !== "int32") throw new Error(`${op}: the mask must be int32`);
  const h = weights.shape[1];
  const width = typeof h === "number" ? h / 3 : null;
  return x.graph.node(
    op,
    inputs,
    [{ dtype: "float32", shape: [x.shape[0], x.shape[1], width] }],
    { num_heads: int(heads), mask_filter_value: float(maskFilter) },
    MS,
  )[0];
}

/**
 * fusedSelfAttention with int8 weights: `xq` [b, s, in] is x quantised to uint8 (DynamicQuantizeLinear:
 * scale and zero point are scalars), `weights` [in, 3h] int8 with per-column `weightScale` [3h].
 * One kernel replaces DynamicQuantizeMatMul + Slice + MultiHeadAttention: its GEMMs write Q, K and
 * V straight into per-head layout, so no split or head transpose follows.
 */
export function quantizedSelfAttention(
  xq: Value,
  weights: Value,
  bias: Value,
  xScale: Value,
  weightScale: Value,
  mask: Value,
  xZero: Value,
  heads: number,
  maskFilter: number,
): Value {
  if (xq.dtype !== "uint8" || xZero.dtype !== "uint8") throw new Error("QAttention: uint8 input expected");
  if (weights.dtype !== "int8") throw new Error("QAttention: int8 weights expected");
  requireF32("QAttention", bias, xScale, weightScale);
  const inputs = [xq, weights, bias, xScale, weightScale, mask, xZero];
  return packedAttention("QAttention", inputs, mask, heads, maskFilter);
}

/**
 * Attention over already projected q [b, sq, h] and k, v [b, sk, h] (heads split inside), with an
 * optional int32 key-padding mask [b, sk] and an optional additive bias [b or 1, 1, sq, sk].
 */
export function multiHeadAttention(
  q: Value,
  k: Value,
  v: Value,
  heads: number,
  keyMask: Value | null,
  attentionBias: Value | null,
  maskFilter: number,
): Value {
  requireF32("MultiHeadAttention", q, k, v, attentionBias);
  if (keyMask && keyMask.dtype !== "int32") throw new Error("MultiHeadAttention: the mask must be int32");
  return q.graph.node(
    "MultiHeadAttention",
    [q, k, v, null, keyMask, attentionBias],
    [{ dtype: "float32", shape: [q.shape[0], q.shape[1], v.shape[2]] }],
    { num_heads: int(heads), mask_filter_value: float(maskFilter) },
    MS,
  )[0];
}

/** LayerNorm(x + skip (+ bias)) over the last axis: a residual add, a bias add and a LayerNorm. */
export function skipLayerNorm(
  x: Value,
  skip: Value,
  gamma: Value,
  beta: Value,
  bias: Value | null,
  epsilon: number,
): Value {
  requireF32("SkipLayerNormalization", x, skip, gamma, beta, bias);
  const inputs = bias ? [x, skip, gamma, beta, bias] : [x, skip, gamma, beta];
  return x.graph.node(
    "SkipLayerNormalization",
    inputs,
    [{ dtype: "float32", shape: [...x.shape] }],
    { epsilon: float(epsilon) },
    MS,
  )[0];
}

/** Exact (erf) GELU of x + bias, bias broadcast over the last axis. */
export function biasGelu(x: Value, bias: Value): Value {
  requireF32("BiasGelu", x, bias);
  return x.graph.node("BiasGelu", [x, bias], [{ dtype: "float32", shape: [...x.shape] }], {}, MS)[0];
}
