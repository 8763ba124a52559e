/**
 * Plain float64 building blocks for the reference forward passes. They exist only so that the ONNX
 * graphs can be checked against something written independently, straight from the HF modeling code;
 * clarity beats speed here.
 */
import type { TensorSource } from "../../src/weights/source.js";

export type Config = Record<string, unknown>;

export function num(config: Config, key: string, fallback?: number): number {
  const v = config[key];
  if (typeof v === "number") return v;
  if (fallback !== undefined) return fallback;
  throw new Error(`reference: config.${key} missing`);
}

/**
 * Weight lookup tolerant of the prefixes HF adds when a base model is saved inside a task head
 * (`bert.`, `model.`, `new.`): the reference names tensors as the base model does.
 */
export class Weights {
  private readonly prefix: string;
  constructor(
    private readonly src: TensorSource,
    probe: string,
    prefixes: string[],
  ) {
    const found = ["", ...prefixes].find((p) => src.has(p + probe));
    if (found === undefined) throw new Error(`reference: no tensor "${probe}" under prefixes ${prefixes}`);
    this.prefix = found;
  }
  has(name: string): boolean {
    return this.src.has(this.prefix + name);
  }
  get(name: string): Float32Array {
    return this.src.float32(this.prefix + name);
  }
}

/** y = W x + b with W stored [out, in] as torch.nn.Linear keeps it. */
export function linear(x: Float64Array, w: Float32Array, b?: Float32Array): Float64Array {
  const inDim = x.length;
  const outDim = w.length / inDim;
  const y = new Float64Array(outDim);
  for (let o = 0; o < outDim; o++) {
    let s = b ? b[o] : 0;
    const row = o * inDim;
    for (let i = 0; i < inDim; i++) s += w[row + i] * x[i];
    y[o] = s;
  }
  return y;
}

export function layerNorm(x: Float64Array, g: Float32Array, b: Float32Array, eps: number): Float64Array {
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length;
  let varSum = 0;
  for (const v of x) varSum += (v - mean) * (v - mean);
  const inv = 1 / Math.sqrt(varSum / x.length + eps);
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = (x[i] - mean) * inv * g[i] + b[i];
  return y;
}

export function rmsNorm(x: Float64Array, g: Float32Array, eps: number): Float64Array {
  let ms = 0;
  for (const v of x) ms += v * v;
  const inv = 1 / Math.sqrt(ms / x.length + eps);
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i] * inv * g[i];
  return y;
}

/** erf for exact GELU (JS has none): Maclaurin series near 0, erfc continued fraction beyond; ~1e-14. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  let r: number;
  if (ax < 2.5) {
    // Maclaurin series: converges fast for small |x|.
    let term = ax;
    let sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // Continued fraction for erfc, evaluated bottom-up.
    let f = 0;
    for (let n = 60; n >= 1; n--) f = n / 2 / (ax + f);
    r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  }
  return x < 0 ? -r : r;
}

export function activation(name: string): (x: number) => number {
  switch (name) {
    case "gelu":
      return (x) => 0.5 * x * (1 + erf(x / Math.SQRT2));
    case "gelu_new":
    case "gelu_pytorch_tanh":
      return (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    case "relu":
      return (x) => Math.max(0, x);
    case "tanh":
      return (x) => Math.tanh(x);
    case "silu":
    case "swish":
      return (x) => x / (1 + Math.exp(-x));
    default:
      throw new Error(`reference: activation ${name} not supported`);
  }
}

export function add(a: Float64Array, b: Float64Array): Float64Array {
  const y = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) y[i] = a[i] + b[i];
  return y;
}

export function row(table: Float32Array, width: number, index: number): Float64Array {
  return Float64Array.from(table.subarray(index * width, (index + 1) * width));
}

/** Rotary tables as HF builds them: frequencies i = 0..d/2-1 duplicated to d, rotate_half pairing. */
export function applyRope(v: Float64Array, pos: number, invFreq: Float64Array): Float64Array {
  const d = v.length;
  const half = d / 2;
  const y = new Float64Array(d);
  for (let i = 0; i < half; i++) {
    const a = pos * invFreq[i];
    const c = Math.cos(a);
    const s = Math.sin(a);
    y[i] = v[i] * c - v[i + half] * s;
    y[i + half] = v[i + half] * c + v[i] * s;
  }
  return y;
}

export function ropeInvFreq(dim: number, theta: number): Float64Array {
  const f = new Float64Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) f[i] = 1 / Math.pow(theta, (2 * i) / dim);
  return f;
}

/**
 * Scaled dot-product attention for one head over one sequence. `allowed(i, j)` says whether query i
 * may see key j; disallowed scores get HF's additive mask (the dtype's lowest value), so a row with no
 * allowed key degrades to a uniform average rather than NaN, as in HF.
 */
export function attend(
  q: Float64Array[],
  k: Float64Array[],
  v: Float64Array[],
  allowed: (i: number, j: number) => boolean,
  scale: number,
): Float64Array[] {
  const n = q.length;
  const out: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const scores = new Float64Array(n);
    let max = -Infinity;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < q[i].length; t++) s += q[i][t] * k[j][t];
      s = s * scale + (allowed(i, j) ? 0 : -3.4028234663852886e38);
      scores[j] = s;
      if (s > max) max = s;
    }
    let z = 0;
    for (let j = 0; j < n; j++) {
      scores[j] = Math.exp(scores[j] - max);
      z += scores[j];
    }
    const o = new Float64Array(v[0].length);
    for (let j = 0; j < n; j++) {
      const p = scores[j] / z;
      for (let t = 0; t < o.length; t++) o[t] += p * v[j][t];
    }
    out.push(o);
  }
  return out;
}

/** Splits a [heads*headDim] vector into per-head views. */
export function heads(x: Float64Array, count: number, dim: number): Float64Array[] {
  const r: Float64Array[] = [];
  for (let h = 0; h < count; h++) r.push(x.slice(h * dim, (h + 1) * dim));
  return r;
}

export function toFloat32(hidden: Float64Array[][]): Float32Array[][] {
  return hidden.map((seq) => seq.map((t) => Float32Array.from(t)));
}
