/**
 * Embedding heads for the reference path: pooling over hidden states, then optional Matryoshka
 * truncation and L2 normalisation, as sentence-transformers and Qwen3-Embedding do them.
 */
export type Pooling = "cls" | "mean" | "last";

export function poolReference(hidden: Float32Array[][], mask: number[][], pooling: Pooling): Float32Array[] {
  return hidden.map((seq, b) => {
    const m = mask[b];
    if (pooling === "cls") return Float32Array.from(seq[0]);
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
