/**
 * Embedding heads for the reference path: pooling over hidden states, then optional Matryoshka
 * truncation and L2 normalisation, as sentence-transformers and Qwen3-Embedding do them.
 */
export type Pooling = "cls" | "mean" | "max" | "last" | "weightedmean" | "mean_sqrt_len";

/**
 * sentence-transformers' Pooling module on right-padded rows: masked max, position-weighted mean
 * (weights 1..n by padded position), mean divided by sqrt(n). `skip[b]` leading real tokens are left
 * out (include_prompt false).
 */
export function poolReference(
  hidden: Float32Array[][],
  mask: number[][],
  pooling: Pooling,
  skip: number[] = [],
): Float32Array[] {
  return hidden.map((seq, b) => {
    let seen = 0;
    const m = mask[b].map((v) => (v === 1 && ++seen > (skip[b] ?? 0) ? 1 : 0));
    if (pooling === "cls") return Float32Array.from(seq[0]);
    if (pooling === "max") {
      const out = new Float64Array(seq[0].length).fill(-Infinity);
      seq.forEach((t, i) => {
        if (m[i] === 1) for (let j = 0; j < t.length; j++) out[j] = Math.max(out[j], t[j]);
      });
      return Float32Array.from(out);
    }
    if (pooling === "weightedmean" || pooling === "mean_sqrt_len") {
      const out = new Float64Array(seq[0].length);
      let total = 0;
      seq.forEach((t, i) => {
        if (m[i] !== 1) return;
        const w = pooling === "weightedmean" ? i + 1 : 1;
        total += w;
        for (let j = 0; j < t.length; j++) out[j] += w * t[j];
      });
      const div = pooling === "weightedmean" ? total : Math.sqrt(total);
      return Float32Array.from(out, (v) => v / div);
    }
    if (pooling === "last") {
      // The last attended position: works for left and right padding alike.
      let last = -1;
      for (let i = 0; i < m.length; i++) if (m[i] === 1) last = i;
      return Float32Array.from(seq[last]);
    }
    const out = new Float64Array(seq[0].length);
    let n = 0;
    seq.forEach((t, i) => {
      if (m[i] !== 1) return;
      n++;
      for (let j = 0; j < t.length; j++) out[j] += t[j];
    });
    return Float32Array.from(out, (v) => v / Math.max(n, 1));
  });
}

export function truncateNormalize(v: Float32Array, dim?: number): Float32Array {
  const cut = Float64Array.from(dim ? v.subarray(0, dim) : v);
  const n = Math.sqrt(cut.reduce((s, x) => s + x * x, 0));
  return Float32Array.from(cut, (x) => (n > 0 ? x / n : 0));
}

/** A sentence-transformers Dense module: act(W x + b), W stored [out, in]. */
export interface DenseReference {
  weight: Float32Array;
  bias?: Float32Array;
  activation: (x: number) => number;
}

export function denseReference(x: Float32Array, d: DenseReference): Float32Array {
  const inDim = x.length;
  const outDim = d.weight.length / inDim;
  const y = new Float32Array(outDim);
  for (let o = 0; o < outDim; o++) {
    let s = d.bias ? d.bias[o] : 0;
    for (let i = 0; i < inDim; i++) s += d.weight[o * inDim + i] * x[i];
    y[o] = d.activation(s);
  }
  return y;
}
