/**
 * Checkpoint tensors as graph initializers: resolves HF names (optional prefixes such as `bert.` or
 * `model.`, legacy gamma/beta), checks every shape against what config.json implies, and defers the
 * read (and any transpose, float64 widening or int8 quantisation) until the graph is serialised.
 */
import type { Graph, TypedData, Value } from "../graph/ir.js";
import { add, dynamicQuantizeMatMul, matmul } from "../graph/ops.js";
import type { TensorSource } from "../weights/source.js";
import { CareError } from "../core/errors.js";

export type FloatDType = "float32" | "float64";

const LEGACY_SUFFIXES: [string, string][] = [
  [".weight", ".gamma"],
  [".bias", ".beta"],
];

export class GraphWeights {
  private prefix = "";

  constructor(
    readonly graph: Graph,
    readonly source: TensorSource,
    readonly dtype: FloatDType,
    readonly quantize: "int8" | undefined,
    /** Prefixes a checkpoint may put before every name (e.g. "bert.", "model."); "" is always tried. */
    private readonly prefixes: string[],
    /** A tensor every checkpoint of the family has, used to detect the prefix. */
    anchor: string,
  ) {
    const found = ["", ...prefixes].find((p) => source.has(p + anchor));
    if (found === undefined) {
      const tried = ["", ...prefixes].map((p) => `"${p}${anchor}"`).join(", ");
      throw new CareError(`checkpoint has no tensor ${tried}; is this the right model family?`);
    }
    this.prefix = found;
  }

  /** The checkpoint name of a logical tensor, or undefined when absent. */
  resolve(name: string): string | undefined {
    const full = this.prefix + name;
    if (this.source.has(full)) return full;
    for (const [modern, legacy] of LEGACY_SUFFIXES) {
      if (full.endsWith(modern)) {
        const alt = full.slice(0, -modern.length) + legacy;
        if (this.source.has(alt)) return alt;
      }
    }
    return undefined;
  }

  has(name: string): boolean {
    return this.resolve(name) !== undefined;
  }

  private checked(name: string, shape: number[]): string {
    const full = this.resolve(name);
    if (!full) throw new CareError(`checkpoint is missing tensor "${this.prefix}${name}"`);
    const actual = this.source.shape(full);
    if (actual.length !== shape.length || actual.some((d, i) => d !== shape[i])) {
      throw new CareError(
        `tensor "${full}" has shape [${actual.join(", ")}] but config.json implies [${shape.join(", ")}]`,
      );
    }
    return full;
  }

  private widen(data: Float32Array): TypedData {
    return this.dtype === "float64" ? Float64Array.from(data) : data;
  }

  /** A tensor used as stored (embeddings, norms, biases). */
  tensor(name: string, shape: number[]): Value {
    const full = this.checked(name, shape);
    return this.graph.initializer(full, this.dtype, shape, () => this.widen(this.source.float32(full)), {
      tensor: full,
      transform: "none",
    });
  }

  /**
   * The [in, Σout] right operand of MatMul for HF Linears `names` (each stored [out, in]) placed side
   * by side, as a fused QKV projection needs; a single Linear keeps its checkpoint name.
   */
  private readWeights(
    names: string[],
    outs: number[],
    inp: number,
  ): { name: string; read: () => Float32Array } {
    const fulls = names.map((n, i) => this.checked(`${n}.weight`, [outs[i], inp]));
    const total = outs.reduce((a, b) => a + b, 0);
    const read = (): Float32Array => {
      if (fulls.length === 1) return transpose(this.source.float32(fulls[0]), total, inp);
      const out = new Float32Array(inp * total);
      let col = 0;
      fulls.forEach((full, i) => {
        const w = this.source.float32(full); // [outs[i], inp]
        for (let o = 0; o < outs[i]; o++) {
          for (let r = 0; r < inp; r++) out[r * total + col + o] = w[o * inp + r];
        }
        col += outs[i];
      });
      return out;
    };
    return { name: fulls.join("+"), read };
  }

  /** Float weights of `names` side by side ([in, Σout]); see readWeights. */
  weights(names: string[], outs: number[], inp: number): Value {
    const { name, read } = this.readWeights(names, outs, inp);
    const total = outs.reduce((a, b) => a + b, 0);
    // Only an unfused single Linear maps back to one checkpoint tensor (what training exports).
    const origin = names.length === 1 ? { tensor: name, transform: "transpose" as const } : undefined;
    return this.graph.initializer(name, this.dtype, [inp, total], () => this.widen(read()), origin);
  }

  /** Biases of HF Linears `names`, concatenated in the same order as `weights`. */
  biases(names: string[], outs: number[]): Value {
    if (names.length === 1) return this.tensor(`${names[0]}.bias`, [outs[0]]);
    const fulls = names.map((n, i) => this.checked(`${n}.bias`, [outs[i]]));
    const total = outs.reduce((a, b) => a + b, 0);
    return this.graph.initializer(fulls.join("+"), this.dtype, [total], () => {
      const out = new Float32Array(total);
      let at = 0;
      for (const full of fulls) {
        const b = this.source.float32(full);
        out.set(b, at);
        at += b.length;
      }
      return this.widen(out);
    });
  }

  /**
   * The weights of HF Linears `names` side by side ([in, Σout]) as int8 with one scale per output
   * column ([Σout]); see quantizeColumns.
   */
  int8Weights(names: string[], outs: number[], inp: number): { weights: Value; scales: Value } {
    const { name, read } = this.readWeights(names, outs, inp);
    const total = outs.reduce((a, b) => a + b, 0);
    const single = names.length === 1;
    const q = quantizeColumns(read, inp, total);
    const weights = this.graph.initializer(
      `${name}.int8`,
      "int8",
      [inp, total],
      q.weights,
      single ? { tensor: name, transform: "int8-columns" } : undefined,
    );
    const scales = this.graph.initializer(
      `${name}.scale`,
      "float32",
      [total],
      q.scales,
      single ? { tensor: name, transform: "int8-scales" } : undefined,
    );
    return { weights, scales };
  }

  /**
   * x times the weights of HF Linears `names` side by side, plus `bias` when given. With int8
   * quantisation the weights become int8 with one scale per output column, multiplied by ORT's
   * DynamicQuantizeMatMul.
   */
  project(x: Value, names: string[], outs: number[], inp: number, bias: Value | null = null): Value {
    if (this.quantize === "int8" && this.dtype === "float32") {
      const { weights, scales } = this.int8Weights(names, outs, inp);
      return dynamicQuantizeMatMul(x, weights, scales, bias);
    }
    const y = matmul(x, this.weights(names, outs, inp));
    return bias ? add(y, bias) : y;
  }

  /**
   * y = x W^T + b for an HF Linear `name` (`name.weight`, and `name.bias` when `bias` says so or
   * when the checkpoint has one and `bias` is "optional").
   */
  linear(x: Value, name: string, out: number, inp: number, bias: boolean | "optional"): Value {
    const wantBias = bias === "optional" ? this.has(`${name}.bias`) : bias;
    this.checked(`${name}.weight`, [out, inp]); // a weight mismatch is reported before a bias one
    return this.project(x, [name], [out], inp, wantBias ? this.tensor(`${name}.bias`, [out]) : null);
  }
}

/** [rows, cols] row-major → [cols, rows]. */
export function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[base + c];
  }
  return out;
}

/**
 * Largest int8 weight magnitude. ORT's x86 AVX2 int8 GEMM (no VNNI) sums pairs of uint8 x int8
 * products in saturating int16, so full-range weights (2 * 255 * 127 > 32767) corrupt results; 7-bit
 * weights (2 * 255 * 64 = 32640) cannot overflow. This is onnxruntime's "reduce_range".
 */
export const INT8_WEIGHT_MAX = 64;

/**
 * Symmetric int8 quantisation of a [rows, cols] matrix with one scale per column. Both thunks share
 * one pass over the weights, which is dropped once both halves have been read.
 */
export function quantizeColumns(
  read: () => Float32Array,
  rows: number,
  cols: number,
): { weights: () => Int8Array; scales: () => Float32Array } {
  let cache: { q: Int8Array; s: Float32Array; taken: number } | undefined;
  const compute = (): { q: Int8Array; s: Float32Array; taken: number } => {
    if (cache) return cache;
    const w = read();
    const s = new Float32Array(cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) s[c] = Math.max(s[c], Math.abs(w[r * cols + c]));
    }
    for (let c = 0; c < cols; c++) s[c] = s[c] > 0 ? s[c] / INT8_WEIGHT_MAX : 1;
    const q = new Int8Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) q[r * cols + c] = Math.round(w[r * cols + c] / s[c]);
    }
    cache = { q, s, taken: 0 };
    return cache;
  };
  const take = <T>(pick: (c: { q: Int8Array; s: Float32Array }) => T): T => {
    const c = compute();
    const v = pick(c);
    if (++c.taken === 2) cache = undefined;
    return v;
  };
  return { weights: () => take((c) => c.q), scales: () => take((c) => c.s) };
}
