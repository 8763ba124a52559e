/**
 * Every op builder, serialised by our protobuf writer and run by ONNX Runtime, against a plain
 * TypeScript computation on small random inputs, in float32 and float64 where ORT has kernels.
 */
import { describe, expect, it } from "vitest";
import { Graph, type DType, type TypedData, type Value } from "../../src/graph/ir.js";
import * as op from "../../src/graph/ops.js";
import { erf, gelu, linear, rmsNorm, silu } from "../../src/graph/nn.js";
import { toOnnxBytes } from "../../src/graph/onnx.js";
import { Session, type Tensor } from "../../src/runtime/session.js";
import { rng } from "../../src/util/rng.js";

type Arr = number[];

/** Flat row-major index helpers for broadcasting in the reference computations. */
function strides(shape: number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

function broadcast(a: Arr, as: number[], b: Arr, bs: number[], f: (x: number, y: number) => number): Arr {
  const rank = Math.max(as.length, bs.length);
  const pa = [...new Array<number>(rank - as.length).fill(1), ...as];
  const pb = [...new Array<number>(rank - bs.length).fill(1), ...bs];
  const out = pa.map((d, i) => Math.max(d, pb[i]));
  const so = strides(out);
  const sa = strides(pa);
  const sb = strides(pb);
  const n = out.reduce((x, y) => x * y, 1);
  const r: Arr = [];
  for (let i = 0; i < n; i++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < rank; d++) {
      const c = Math.floor(i / so[d]) % out[d];
      ia += (pa[d] === 1 ? 0 : c) * sa[d];
      ib += (pb[d] === 1 ? 0 : c) * sb[d];
    }
    r.push(f(a[ia], b[ib]));
  }
  return r;
}

/** Applies `f` to every row of length `width` (the last axis). */
function rows(a: Arr, width: number, f: (row: Arr) => Arr): Arr {
  const out: Arr = [];
  for (let i = 0; i < a.length; i += width) out.push(...f(a.slice(i, i + width)));
  return out;
}

function matmulRef(a: Arr, batch: number, m: number, k: number, b: Arr, n: number): Arr {
  const out: Arr = [];
  for (let t = 0; t < batch; t++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let x = 0; x < k; x++) s += a[t * m * k + i * k + x] * b[x * n + j];
        out.push(s);
      }
  return out;
}

function transposeRef(a: Arr, shape: number[], perm: number[]): Arr {
  const outShape = perm.map((p) => shape[p]);
  const si = strides(shape);
  const so = strides(outShape);
  const n = a.length;
  const out: Arr = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let src = 0;
    for (let d = 0; d < perm.length; d++) src += (Math.floor(i / so[d]) % outShape[d]) * si[perm[d]];
    out[i] = a[src];
  }
  return out;
}

function erfRef(x: number): number {
  // Series with positive terms (accurate to ~1e-15 for |x| < 6), independent of the graph's build.
  if (Math.abs(x) > 6) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

function randomArr(n: number, seed: number, lo = -2, hi = 2): Arr {
  const r = rng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
}

const A_SHAPE = [2, 3, 4];
const a = randomArr(24, 1);
const b = randomArr(24, 2);
const c = randomArr(4, 3);
const pos = randomArr(24, 4, 0.1, 3);
const m = randomArr(20, 5);
const idx = [2, 0, 1, 2];

interface Case {
  name: string;
  build: (x: Record<string, Value>) => Value;
  expected: Arr;
  /** Skip the dtype ORT has no kernel for. */
  only?: DType;
  tol?: number;
  /** Expected static output shape. */
  shape?: number[];
}

function cases(): Case[] {
  const ln = (row: Arr, gamma: Arr, beta: Arr, eps: number): Arr => {
    const mean = row.reduce((s, v) => s + v, 0) / row.length;
    const vr = row.reduce((s, v) => s + (v - mean) ** 2, 0) / row.length;
    return row.map((v, i) => ((v - mean) / Math.sqrt(vr + eps)) * gamma[i] + beta[i]);
  };
  return [
    { name: "add", build: (x) => op.add(x.a, x.c), expected: broadcast(a, A_SHAPE, c, [4], (p, q) => p + q) },
    {
      name: "sub",
      build: (x) => op.sub(x.a, x.b),
      expected: broadcast(a, A_SHAPE, b, A_SHAPE, (p, q) => p - q),
    },
    { name: "mul", build: (x) => op.mul(x.a, x.c), expected: broadcast(a, A_SHAPE, c, [4], (p, q) => p * q) },
    { name: "div", build: (x) => op.div(x.a, x.pos), expected: a.map((v, i) => v / pos[i]) },
    { name: "pow", build: (x) => op.pow(x.pos, x.c), expected: broadcast(pos, A_SHAPE, c, [4], Math.pow) },
    { name: "neg", build: (x) => op.neg(x.a), expected: a.map((v) => -v) },
    { name: "sqrt", build: (x) => op.sqrt(x.pos), expected: pos.map(Math.sqrt) },
    { name: "exp", build: (x) => op.exp(x.a), expected: a.map(Math.exp) },
    { name: "log", build: (x) => op.log(x.pos), expected: pos.map(Math.log) },
    { name: "tanh", build: (x) => op.tanh(x.a), expected: a.map(Math.tanh) },
    { name: "sigmoid", build: (x) => op.sigmoid(x.a), expected: a.map((v) => 1 / (1 + Math.exp(-v))) },
    { name: "cos", build: (x) => op.cos(x.a), expected: a.map(Math.cos) },
    { name: "sin", build: (x) => op.sin(x.a), expected: a.map(Math.sin) },
    { name: "reciprocal", build: (x) => op.reciprocal(x.pos), expected: pos.map((v) => 1 / v) },
    { name: "abs", build: (x) => op.abs(x.a), expected: a.map(Math.abs) },
    { name: "identity", build: (x) => op.identity(x.a), expected: a },
    { name: "erfOp", build: (x) => op.erfOp(x.a), expected: a.map(erfRef), only: "float32" },
    {
      name: "erf (series in float64)",
      build: (x) => erf(op.mul(x.a, x.a.graph.scalar(x.a.dtype, 4))),
      expected: a.map((v) => erfRef(4 * v)),
      tol: 1e-13,
      only: "float64",
    },
    { name: "gelu", build: (x) => gelu(x.a), expected: a.map((v) => 0.5 * v * (1 + erfRef(v / Math.SQRT2))) },
    { name: "silu", build: (x) => silu(x.a), expected: a.map((v) => v / (1 + Math.exp(-v))) },
    {
      name: "where/greater/less/and/not",
      build: (x) => {
        const gt = op.greater(x.a, x.b);
        const lt = op.less(x.a, x.c);
        return op.where(op.and(gt, op.not(lt)), x.a, x.b);
      },
      expected: a.map((v, i) => (v > b[i] && !(v < c[i % 4]) ? v : b[i])),
    },
    {
      name: "equal + cast",
      build: (x) => op.cast(op.equal(x.a, x.a), x.a.dtype),
      expected: a.map(() => 1),
    },
    {
      name: "cast to int64 and back",
      build: (x) => op.cast(op.cast(x.pos, "int64"), x.pos.dtype),
      expected: pos.map((v) => Math.trunc(v)),
    },
    {
      name: "matmul",
      build: (x) => op.matmul(x.a, x.m),
      expected: matmulRef(a, 2, 3, 4, m, 5),
      shape: [2, 3, 5],
    },
    {
      name: "linear",
      build: (x) => linear(x.a, x.m, op.slice(x.c, [0], [0], [1])),
      expected: matmulRef(a, 2, 3, 4, m, 5).map((v) => v + c[0]),
    },
    {
      name: "gather",
      build: (x) => op.gather(x.a, x.idx, 1),
      expected: [0, 1].flatMap((t) => idx.flatMap((j) => a.slice(t * 12 + j * 4, t * 12 + j * 4 + 4))),
      shape: [2, 2, 2, 4],
    },
    {
      name: "reshape",
      build: (x) => op.reshape(x.a, [0, -1]),
      expected: a,
      shape: [2, 12],
    },
    {
      name: "transpose",
      build: (x) => op.transpose(x.a, [2, 0, 1]),
      expected: transposeRef(a, A_SHAPE, [2, 0, 1]),
      shape: [4, 2, 3],
    },
    {
      name: "unsqueeze + squeeze",
      build: (x) => op.squeeze(op.unsqueeze(x.a, [1, -1]), [1]),
      expected: a,
      shape: [2, 3, 4, 1],
    },
    {
      name: "concat",
      build: (x) => op.concat([x.a, x.b], 1),
      expected: [0, 1].flatMap((t) => [...a.slice(t * 12, t * 12 + 12), ...b.slice(t * 12, t * 12 + 12)]),
      shape: [2, 6, 4],
    },
    {
      name: "slice",
      build: (x) => op.slice(x.a, [-1, 1], [1, 1], [3, 3]),
      expected: [0, 1].flatMap((t) => [1, 2].flatMap((r) => a.slice(t * 12 + r * 4 + 1, t * 12 + r * 4 + 3))),
      shape: [2, 2, 2],
    },
    {
      name: "softmax",
      build: (x) => op.softmax(x.a, -1),
      expected: rows(a, 4, (r) => {
        const mx = Math.max(...r);
        const e = r.map((v) => Math.exp(v - mx));
        const z = e.reduce((s, v) => s + v, 0);
        return e.map((v) => v / z);
      }),
    },
    {
      name: "layerNormalization",
      build: (x) => op.layerNormalization(x.a, x.c, op.neg(x.c), 1e-5),
      expected: rows(a, 4, (r) =>
        ln(
          r,
          c,
          c.map((v) => -v),
          1e-5,
        ),
      ),
    },
    {
      name: "rmsNorm",
      build: (x) => rmsNorm(x.a, x.c, 1e-6),
      expected: rows(a, 4, (r) => {
        const ms = r.reduce((s, v) => s + v * v, 0) / r.length;
        return r.map((v, i) => (v / Math.sqrt(ms + 1e-6)) * c[i]);
      }),
    },
    {
      name: "reduceMean",
      build: (x) => op.reduceMean(x.a, [-1], false),
      expected: rows(a, 4, (r) => [r.reduce((s, v) => s + v, 0) / 4]),
      shape: [2, 3],
    },
    {
      name: "reduceSum",
      build: (x) => op.reduceSum(x.a, [1], true),
      expected: [0, 1].flatMap((t) =>
        [0, 1, 2, 3].map((j) => a[t * 12 + j] + a[t * 12 + 4 + j] + a[t * 12 + 8 + j]),
      ),
      shape: [2, 1, 4],
    },
    {
      name: "reduceMax",
      build: (x) => op.reduceMax(x.a, [-1], true),
      expected: rows(a, 4, (r) => [Math.max(...r)]),
    },
    {
      name: "argMax",
      build: (x) => op.cast(op.argMax(x.a, -1, false), x.a.dtype),
      expected: rows(a, 4, (r) => [r.indexOf(Math.max(...r))]),
    },
    {
      name: "cumSum",
      build: (x) => op.cumSum(x.a, 2),
      expected: rows(a, 4, (r) => r.map((_, i) => r.slice(0, i + 1).reduce((s, v) => s + v, 0))),
    },
    {
      name: "shapeOf + range",
      build: (x) => {
        const g = x.a.graph;
        const n = op.gather(op.shapeOf(x.a), g.scalar("int64", 2));
        return op.cast(
          op.range(g.scalar("int64", 1), op.add(n, g.scalar("int64", 1)), g.scalar("int64", 1)),
          x.a.dtype,
        );
      },
      expected: [1, 2, 3, 4],
    },
  ];
}

function feed(dtype: DType, data: Arr, shape: number[]): Tensor {
  const arr: TypedData = dtype === "float64" ? Float64Array.from(data) : Float32Array.from(data);
  return { dtype, shape, data: arr };
}

describe.each(["float32", "float64"] as const)("op builders in %s", (dtype) => {
  it("match plain TypeScript computations through ONNX Runtime", async () => {
    const g = new Graph();
    const x: Record<string, Value> = {
      a: g.input("a", dtype, A_SHAPE),
      b: g.input("b", dtype, A_SHAPE),
      c: g.input("c", dtype, [4]),
      pos: g.input("pos", dtype, A_SHAPE),
      m: g.input("m", dtype, [4, 5]),
      idx: g.input("idx", "int64", [2, 2]),
    };
    const list = cases().filter((k) => !k.only || k.only === dtype);
    list.forEach((k, i) => {
      const v = k.build(x);
      if (k.shape) expect(v.shape, k.name).toEqual(k.shape);
      g.output(`out${i}`, v);
    });
    const session = await Session.create(toOnnxBytes(g));
    const out = await session.run({
      a: feed(dtype, a, A_SHAPE),
      b: feed(dtype, b, A_SHAPE),
      c: feed(dtype, c, [4]),
      pos: feed(dtype, pos, A_SHAPE),
      m: feed(dtype, m, [4, 5]),
      idx: { dtype: "int64", shape: [2, 2], data: BigInt64Array.from(idx.map(BigInt)) },
    });
    await session.dispose();
    list.forEach((k, i) => {
      const got = Array.from(out[`out${i}`].data as Float32Array | Float64Array);
      if (k.shape) expect(out[`out${i}`].shape, k.name).toEqual(k.shape);
      expect(got.length, k.name).toBe(k.expected.length);
      const tol = k.tol ?? (dtype === "float64" ? 1e-10 : 2e-5);
      const err = Math.max(
        ...got.map((v, j) => Math.abs(v - k.expected[j]) / Math.max(1, Math.abs(k.expected[j]))),
      );
      expect(err, k.name).toBeLessThan(tol);
    });
  });
});

describe("dynamicQuantizeMatMul", () => {
  it("multiplies by 7-bit int8 weights with per-column scales", async () => {
    const g = new Graph();
    const x = g.input("x", "float32", [3, 4]);
    const q = [12, -64, 5, 0, 64, 64, -3, 9, -50, 37, 1, -1, 30, -30, 60, 2, 0, 0, 0, 64];
    const scales = [0.01, 0.02, 0.005, 0.1, 0.03];
    const w = g.constant("int8", [4, 5], Int8Array.from(q));
    const s = g.constant("float32", [5], Float32Array.from(scales));
    const bias = g.constant("float32", [5], Float32Array.from([1, 2, 3, 4, 5]));
    g.output("y", op.dynamicQuantizeMatMul(x, w, s, bias));
    expect(g.nodes.some((n) => n.domain === "com.microsoft")).toBe(true);
    const xs = randomArr(12, 9);
    const session = await Session.create(toOnnxBytes(g));
    const out = await session.run({ x: feed("float32", xs, [3, 4]) });
    await session.dispose();
    const deq = q.map((v, i) => v * scales[i % 5]);
    const expected = matmulRef(xs, 1, 3, 4, deq, 5).map((v, i) => v + [1, 2, 3, 4, 5][i % 5]);
    // Activations are quantised to uint8 per call (error up to half a step each); the weights are exact.
    const step = (Math.max(...xs, 0) - Math.min(...xs, 0)) / 255;
    const got = Array.from(out.y.data as Float32Array);
    got.forEach((v, i) => {
      const j = i % 5;
      const bound = (step / 2) * [0, 1, 2, 3].reduce((acc, k) => acc + Math.abs(deq[k * 5 + j]), 0);
      expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(bound + 1e-5);
    });
  });
});
