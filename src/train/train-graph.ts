/**
 * Turns a forward graph with a scalar loss into a training graph: gradients by autodiff, optional
 * accumulation across micro-batches, and optionally the whole AdamW step (global-norm clipping, bias
 * correction, decoupled weight decay) so one ONNX Runtime call does forward, backward and update.
 *
 * Names: output `loss`; gradient mode outputs `grad.<p>` (inputs `acc.<p>` when accumulating); AdamW
 * mode takes `m.<p>`, `v.<p>`, scalar `lr`, `step` (1-based) and `grad_scale`, and outputs `new.<p>`,
 * `new_m.<p>`, `new_v.<p>` and `grad_norm` (before clipping).
 */
import { gradients } from "../graph/autodiff.js";
import { int, type Graph, type Value } from "../graph/ir.js";
import { add, div, greater, mul, pow, sqrt, sub, where } from "../graph/ops.js";
import { ADAMW_DEFAULTS, type AdamWConfig } from "./adamw.js";
import type { Param } from "./params.js";

export interface TrainGraphOptions {
  /** Gradients are added to `acc.<p>` inputs (micro-batch accumulation). */
  accumulate?: boolean;
  /** Run AdamW in the graph; `decay` picks the parameters that get weight decay. */
  adamw?: AdamWConfig & { decay: (p: Param) => boolean };
}

export function buildTrainGraph(
  graph: Graph,
  loss: Value,
  params: readonly Param[],
  o: TrainGraphOptions = {},
): void {
  const grads = gradients(
    graph,
    loss,
    params.map((p) => p.value),
  );
  graph.output("loss", loss);
  const dtype = loss.dtype;
  const total = params.map((p) => {
    const g = grads.get(p.name)!;
    return o.accumulate ? add(graph.input(`acc.${p.name}`, dtype, [...p.shape]), g) : g;
  });
  if (!o.adamw) {
    params.forEach((p, i) => graph.output(`grad.${p.name}`, total[i]));
    return;
  }
  const cfg = { ...ADAMW_DEFAULTS, ...o.adamw };
  const c = (v: number): Value => graph.scalar(dtype, v);
  const lr = graph.input("lr", dtype, []);
  const step = graph.input("step", dtype, []);
  const gradScale = graph.input("grad_scale", dtype, []);
  // The global norm of the scaled gradients, from the unscaled ones (one ReduceSumSquare pass each).
  let sumSq: Value | undefined;
  for (const g of total) {
    const s = graph.node("ReduceSumSquare", [g], [{ dtype, shape: [] }], { keepdims: int(0) })[0];
    sumSq = sumSq ? add(sumSq, s) : s;
  }
  const norm = mul(sqrt(sumSq!), gradScale);
  graph.output("grad_norm", norm);
  const clip = o.adamw.clipNorm;
  const factor =
    clip === undefined ? c(1) : where(greater(norm, c(clip)), div(c(clip), add(norm, c(1e-6))), c(1));
  // Every per-element factor is folded into scalars first, so each parameter costs few full passes:
  // lr * (m / bc1) / (sqrt(v / bc2) + eps) = [lr sqrt(bc2) / bc1] * m / (sqrt(v) + eps sqrt(bc2)).
  const scale = mul(gradScale, factor);
  const bc1 = sub(c(1), pow(c(cfg.beta1), step));
  const rootBc2 = sqrt(sub(c(1), pow(c(cfg.beta2), step)));
  const stepSize = div(mul(lr, rootBc2), bc1);
  const epsHat = mul(c(cfg.eps), rootBc2);
  params.forEach((p, i) => {
    const g = mul(total[i], scale);
    const m = graph.input(`m.${p.name}`, dtype, [...p.shape]);
    const v = graph.input(`v.${p.name}`, dtype, [...p.shape]);
    const m2 = add(mul(m, c(cfg.beta1)), mul(g, c(1 - cfg.beta1)));
    const v2 = add(mul(v, c(cfg.beta2)), mul(mul(g, g), c(1 - cfg.beta2)));
    const update = mul(div(m2, add(sqrt(v2), epsHat)), stepSize);
    const decayed =
      o.adamw!.decay(p) && cfg.weightDecay ? mul(p.value, sub(c(1), mul(lr, c(cfg.weightDecay)))) : p.value;
    graph.output(`new.${p.name}`, sub(decayed, update));
    graph.output(`new_m.${p.name}`, m2);
    graph.output(`new_v.${p.name}`, v2);
  });
}

/** The default weight-decay choice: matrices decay; biases and norm scales (rank 1) do not. */
export const decayMatrices = (p: Param): boolean => p.shape.length >= 2;
