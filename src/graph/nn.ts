/**
 * Composite building blocks written as op patterns that ONNX Runtime's graph optimiser recognises
 * (Erf-GELU, MatMul + Add, Pow/ReduceMean RMSNorm), so that they run as fused kernels.
 */
import type { Value } from "./ir.js";
import {
  abs,
  add,
  div,
  erfOp,
  exp,
  greater,
  layerNormalization,
  matmul,
  mul,
  neg,
  pow,
  reciprocal,
  reduceMean,
  sigmoid,
  sqrt,
  where,
} from "./ops.js";

/** Terms of the float64 erf series; enough for 1e-16 relative accuracy on |x| <= 6. */
const ERF_SERIES_TERMS = 100;
const ERF_CLAMP = 6;

/**
 * erf for any float dtype. float32 uses the ONNX op; ONNX Runtime has no float64 Erf kernel, so
 * float64 evaluates erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n (2x^2)^n x / (2n+1)!!, a series of
 * positive terms (no cancellation), and saturates beyond |x| = 6 where erf is 1 to double precision.
 */
export function erf(x: Value): Value {
  if (x.dtype === "float32") return erfOp(x);
  if (x.dtype !== "float64") throw new Error(`erf: float tensor expected, got ${x.dtype}`);
  const g = x.graph;
  const c = (v: number): Value => g.scalar("float64", v);
  const z = mul(mul(x, x), c(2));
  // Nested form 1 + z/3 (1 + z/5 (1 + ...)): every constant is a small integer. (Coefficients
  // 1/(2n+1)!! underflow float32, and ORT's common-subexpression pass merges float64 constants that
  // look equal in float32, which silently corrupted an earlier version of this series.)
  let acc = c(1);
  for (let n = ERF_SERIES_TERMS - 1; n >= 1; n--) acc = add(div(mul(acc, z), c(2 * n + 1)), c(1));
  const series = mul(mul(mul(acc, x), exp(neg(mul(x, x)))), c(2 / Math.sqrt(Math.PI)));
  const sign = div(x, add(abs(x), c(Number.MIN_VALUE)));
  return where(greater(abs(x), c(ERF_CLAMP)), sign, series);
}

/** Exact GELU, x * 0.5 * (1 + erf(x / sqrt 2)), in the op order ORT's GeluFusion matches. */
export function gelu(x: Value): Value {
  const g = x.graph;
  const c = (v: number): Value => g.scalar(x.dtype, v);
  return mul(mul(x, add(erf(div(x, c(Math.SQRT2))), c(1))), c(0.5));
}

/**
 * SiLU, x * sigmoid(x). float64 spells it x / (1 + exp(-x)): ORT fuses x * Sigmoid(x) into its
 * QuickGelu kernel, which exists for float32 only, so the float64 graph would not load.
 */
export function silu(x: Value): Value {
  if (x.dtype === "float64") return div(x, add(x.graph.scalar("float64", 1), exp(neg(x))));
  return mul(x, sigmoid(x));
}

/** x @ w (+ b), with w stored [in, out]. */
export function linear(x: Value, w: Value, b?: Value): Value {
  const y = matmul(x, w);
  return b ? add(y, b) : y;
}

export function layerNorm(x: Value, weight: Value, bias: Value, eps: number): Value {
  return layerNormalization(x, weight, bias, eps, -1);
}

/**
 * RMSNorm as HF computes it: x / sqrt(mean(x^2) + eps) * weight. In float32 this is the op chain ORT
 * fuses into SimplifiedLayerNormalization; that fused kernel keeps its statistics in float32 even for
 * float64 inputs, so float64 multiplies by the reciprocal instead, a chain the fusion does not match.
 */
export function rmsNorm(x: Value, weight: Value, eps: number): Value {
  const g = x.graph;
  const variance = reduceMean(pow(x, g.scalar(x.dtype, 2)), [-1], true);
  const rms = sqrt(add(variance, g.scalar(x.dtype, eps)));
  return mul(x.dtype === "float64" ? mul(x, reciprocal(rms)) : div(x, rms), weight);
}
