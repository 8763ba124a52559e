/**
 * AdamW in TypeScript, updating parameters and moments in place (no allocation per step), with
 * global-norm gradient clipping. The in-graph version (train-graph.ts) computes the same update.
 */
import type { FloatData } from "./params.js";

export interface AdamWConfig {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** Clip the global gradient norm to this value (after averaging micro-batches); none when absent. */
  clipNorm?: number;
}

export const ADAMW_DEFAULTS = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };

/** Moments of one parameter. */
export interface Moments {
  m: FloatData;
  v: FloatData;
}

/** sqrt(sum of squares) over all gradients, each scaled by `scale`. */
export function globalNorm(grads: readonly FloatData[], scale = 1): number {
  let sum = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) sum += g[i] * g[i];
  return Math.sqrt(sum) * Math.abs(scale);
}

/** The factor that brings a gradient of norm `norm` within `clip` (1 when already within). */
export function clipFactor(norm: number, clip: number | undefined): number {
  return clip !== undefined && norm > clip ? clip / (norm + 1e-6) : 1;
}

/**
 * One AdamW step at 1-based step `t`: g = grad * gradScale * clip; m, v moving averages; bias
 * corrected; p -= lr * (m_hat / (sqrt(v_hat) + eps) + wd * p) for decayed parameters.
 * Returns the gradient norm before clipping.
 */
export function adamwStep(
  params: readonly FloatData[],
  grads: readonly FloatData[],
  moments: readonly Moments[],
  decay: readonly boolean[],
  lr: number,
  t: number,
  config: AdamWConfig,
  gradScale = 1,
): number {
  const { beta1, beta2, eps, weightDecay } = { ...ADAMW_DEFAULTS, ...config };
  const norm = globalNorm(grads, gradScale);
  const scale = gradScale * clipFactor(norm, config.clipNorm);
  // lr * (m / bc1) / (sqrt(v / bc2) + eps) = (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps): the bias
  // corrections become scalars, leaving one square root and one division per element (about 1.5x
  // faster over the 3.8M parameters of the 2x256 BERT).
  const stepSize = lr / (1 - Math.pow(beta1, t));
  const invSqrtBc2 = 1 / Math.sqrt(1 - Math.pow(beta2, t));
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  for (let k = 0; k < params.length; k++) {
    const p = params[k];
    const g = grads[k];
    const { m, v } = moments[k];
    const keep = 1 - (decay[k] ? lr * weightDecay : 0);
    const n = p.length;
    for (let i = 0; i < n; i++) {
      const gi = g[i] * scale;
      const mi = beta1 * m[i] + c1 * gi;
      const vi = beta2 * v[i] + c2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] = p[i] * keep - (stepSize * mi) / (Math.sqrt(vi) * invSqrtBc2 + eps);
    }
  }
  return norm;
}
