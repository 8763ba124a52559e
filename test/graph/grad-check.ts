/**
 * Central finite differences against the gradients autodiff emits, run by ONNX Runtime in float64.
 * A check perturbs single coordinates and random directions of every trainable input and compares
 * (L(p + eps u) - L(p - eps u)) / 2 eps with <grad, u>.
 */
import { expect } from "vitest";
import { gradients } from "../../src/graph/autodiff.js";
import { Graph, type Value } from "../../src/graph/ir.js";
import { mul, reduceSum } from "../../src/graph/ops.js";
import { toOnnxBytes } from "../../src/graph/onnx.js";
import { Session, type Tensor } from "../../src/runtime/session.js";
import { rng } from "../../src/util/rng.js";

export interface CheckOptions {
  /** Single coordinates tested per trainable input (default: all, up to 40). */
  coords?: number;
  /** Random whole-input directions (default 2). */
  directions?: number;
  eps?: number;
  /** Allowed |fd - analytic| relative to max(1, |analytic|) (default 1e-6). */
  tol?: number;
  seed?: number;
}

export function randomData(n: number, seed: number, scale = 1): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}

/**
 * Compares the gradient of `loss` with respect to `params` (graph inputs of `graph`) with central
 * differences at the point `feeds`. The graph must not yet have outputs.
 */
export async function checkGradients(
  graph: Graph,
  loss: Value,
  params: Value[],
  feeds: Record<string, Tensor>,
  o: CheckOptions = {},
): Promise<void> {
  const grads = gradients(graph, loss, params);
  graph.output("loss", loss);
  for (const p of params) graph.output(`grad.${p.name}`, grads.get(p.name)!);
  const session = await Session.create(toOnnxBytes(graph), { threads: 1 });
  try {
    const analytic = await session.run(feeds);
    const eps = o.eps ?? 1e-6;
    const tol = o.tol ?? 1e-6;
    const r = rng(o.seed ?? 7);
    const lossAt = async (name: string, dir: Float64Array, sign: number): Promise<number> => {
      const base = feeds[name].data as Float64Array | Float32Array;
      const moved = base.slice().map((x, i) => x + sign * eps * dir[i]);
      const out = await session.run({ ...feeds, [name]: { ...feeds[name], data: moved } }, ["loss"]);
      return Number(out["loss"].data[0]);
    };
    for (const p of params) {
      const g = analytic[`grad.${p.name}`].data as Float64Array | Float32Array;
      const n = g.length;
      expect(analytic[`grad.${p.name}`].shape).toEqual(feeds[p.name].shape);
      const dirs: Float64Array[] = [];
      const coords = Math.min(n, o.coords ?? 40);
      for (let c = 0; c < coords; c++) {
        const d = new Float64Array(n);
        d[coords === n ? c : Math.floor(r() * n)] = 1;
        dirs.push(d);
      }
      for (let k = 0; k < (o.directions ?? 2); k++)
        dirs.push(Float64Array.from({ length: n }, () => r() * 2 - 1));
      for (const d of dirs) {
        const fd = ((await lossAt(p.name, d, 1)) - (await lossAt(p.name, d, -1))) / (2 * eps);
        let dot = 0;
        for (let i = 0; i < n; i++) dot += g[i] * d[i];
        const err = Math.abs(fd - dot) / Math.max(1, Math.abs(dot));
        if (err > tol)
          throw new Error(`${p.name}: finite difference ${fd} vs autodiff ${dot} (rel err ${err})`);
      }
    }
  } finally {
    await session.dispose();
  }
}

/** A graph input with its random feed (float64 unless asked). */
export function param(
  g: Graph,
  feeds: Record<string, Tensor>,
  name: string,
  shape: number[],
  seed: number,
  o: { scale?: number; offset?: number; dtype?: "float32" | "float64" } = {},
): Value {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = randomData(n, seed, o.scale ?? 1).map((x) => x + (o.offset ?? 0));
  const dtype = o.dtype ?? "float64";
  feeds[name] = { dtype, shape, data: dtype === "float32" ? Float32Array.from(values) : values };
  return g.input(name, dtype, shape);
}

/** sum(y * R) with a fixed random R, so every output element carries a distinct weight. */
export function weightedSum(y: Value, seed = 99, runtimeShape?: number[]): Value {
  const shape = runtimeShape ?? (y.shape as number[]);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = randomData(n, seed);
  const probe = y.graph.constant(
    y.dtype,
    shape,
    y.dtype === "float32" ? Float32Array.from(data) : data,
    "probe",
  );
  return reduceSum(mul(y, probe), [...shape.keys()], false);
}
