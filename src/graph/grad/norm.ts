/**
 * Gradients of the normalising ops: Softmax and LogSoftmax (ops.ts) and LayerNormalization
 * (nn.ts `layerNorm`). RMSNorm is built from element-wise ops and a ReduceMean, so it needs no rule
 * of its own.
 */
import type { Value } from "../ir.js";
import { add, exp, mul, reciprocal, reduceMean, reduceSum, sqrt, sub } from "../ops.js";
import { inp, type GradRule } from "./rule.js";
import { attrInt, scalarOf, unbroadcast } from "./util.js";

function axisOf(attrs: Parameters<typeof attrInt>[0], rank: number, fallback: number): number {
  const a = attrInt(attrs, "axis", fallback);
  return a < 0 ? a + rank : a;
}

export const normRules: Record<string, GradRule> = {
  // dx = y * (dy - sum(dy * y)) along the softmax axis.
  Softmax: ({ node, dy, needs }) => {
    const g = dy[0];
    if (!g || !needs[0]) return [null];
    const y = node.outputs[0];
    const axis = axisOf(node.attrs, y.shape.length, -1);
    return [mul(y, sub(g, reduceSum(mul(g, y), [axis], true)))];
  },
  // dx = dy - softmax(x) * sum(dy), with softmax(x) = exp(y).
  LogSoftmax: ({ node, dy, needs }) => {
    const g = dy[0];
    if (!g || !needs[0]) return [null];
    const y = node.outputs[0];
    const axis = axisOf(node.attrs, y.shape.length, -1);
    return [sub(g, mul(exp(y), reduceSum(g, [axis], true)))];
  },
  /**
   * Normalisation statistics are recomputed from x (the forward op's optional mean and inverse
   * deviation outputs are not exposed by the builder). With xhat = (x - mean) * inv and gs = dy * scale:
   * dx = inv * (gs - mean(gs) - xhat * mean(gs * xhat)), dscale = sum(dy * xhat), dbias = sum(dy).
   */
  LayerNormalization: ({ node, dy, needs }) => {
    const g = dy[0];
    if (!g) return [null, null, null];
    const x = inp(node, 0);
    const scale = inp(node, 1);
    const rank = x.shape.length;
    const first = axisOf(node.attrs, rank, -1);
    const axes = [...Array(rank - first).keys()].map((i) => i + first);
    const epsAttr = node.attrs["epsilon"];
    const eps = epsAttr?.type === "float" ? epsAttr.value : 1e-5;
    const xc = sub(x, reduceMean(x, axes, true));
    const inv = reciprocal(sqrt(add(reduceMean(mul(xc, xc), axes, true), scalarOf(x, eps))));
    const xhat = mul(xc, inv);
    let dx: Value | null = null;
    if (needs[0]) {
      const gs = mul(g, scale);
      const centred = sub(
        sub(gs, reduceMean(gs, axes, true)),
        mul(xhat, reduceMean(mul(gs, xhat), axes, true)),
      );
      dx = mul(inv, centred);
    }
    const bias = node.inputs[2];
    return [
      dx,
      needs[1] ? unbroadcast(mul(g, xhat), scale) : null,
      needs[2] && bias ? unbroadcast(g, bias) : null,
    ];
  },
};
