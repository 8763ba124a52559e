/**
 * Every gradient rule against central finite differences, through ONNX Runtime: float64 where ORT
 * has kernels, float32 with a looser tolerance for Erf (no float64 kernel) and float casts.
 */
import { describe, it } from "vitest";
import { Graph, typedOf, type Value } from "../../src/graph/ir.js";
import { erf, gelu, linear, rmsNorm, silu } from "../../src/graph/nn.js";
import * as op from "../../src/graph/ops.js";
import type { Tensor } from "../../src/runtime/session.js";
import { checkGradients, param, weightedSum, type CheckOptions } from "./grad-check.js";

type Build = (g: Graph, feeds: Record<string, Tensor>) => { y: Value; params: Value[] };

async function check(build: Build, o: CheckOptions = {}): Promise<void> {
  const g = new Graph("gradcheck");
  const feeds: Record<string, Tensor> = {};
  const { y, params } = build(g, feeds);
  await checkGradients(g, y.shape.length === 0 ? y : weightedSum(y), params, feeds, o);
}

/** y = f(a, b) for inputs of the given shapes (b positive when `positiveB`). */
function binary(f: (a: Value, b: Value) => Value, as: number[], bs: number[], positiveB = false): Build {
  return (g, feeds) => {
    const a = param(g, feeds, "a", as, 1);
    const b = param(g, feeds, "b", bs, 2, positiveB ? { scale: 0.5, offset: 1.5 } : {});
    return { y: f(a, b), params: [a, b] };
  };
}

function unary(f: (x: Value) => Value, shape = [2, 3], o: { scale?: number; offset?: number } = {}): Build {
  return (g, feeds) => {
    const x = param(g, feeds, "x", shape, 3, o);
    return { y: f(x), params: [x] };
  };
}

describe("element-wise rules", () => {
  it("Add, Sub, Mul broadcast both ways and sum back; fan-out sums", async () => {
    await check(binary(op.add, [2, 3, 4], [4]));
    await check(binary(op.sub, [2, 1, 4], [3, 1]));
    await check(binary(op.mul, [3, 1], [2, 1, 4]));
    // One value used twice: both contributions must be summed.
    await check(unary((x) => op.mul(op.exp(x), x)));
  });
  it("Div and Pow with respect to both operands", async () => {
    await check(binary(op.div, [2, 3], [3], true));
    await check(binary((a, b) => op.pow(b, a), [2, 3], [2, 3], true));
    await check(unary((x) => op.pow(x, x.graph.scalar("float64", 2))));
    await check(unary((x) => op.pow(x, x.graph.scalar("float64", 1.5)), [4], { scale: 0.5, offset: 1 }));
  });
  it("Where routes the gradient by the condition, with broadcasting", async () => {
    await check((g, feeds) => {
      const a = param(g, feeds, "a", [2, 3], 1);
      const b = param(g, feeds, "b", [3], 2);
      const cond = g.constant("bool", [2, 3], typedOf("bool", [1, 0, 1, 0, 0, 1]));
      return { y: op.where(cond, a, b), params: [a, b] };
    });
  });
  it("unary math ops", async () => {
    for (const f of [op.neg, op.exp, op.tanh, op.sigmoid, op.sin, op.cos, op.abs, op.identity])
      await check(unary(f));
    await check(unary(op.sqrt, [2, 3], { scale: 0.5, offset: 1 }));
    await check(unary(op.log, [2, 3], { scale: 0.5, offset: 1 }));
    await check(unary(op.reciprocal, [2, 3], { scale: 0.5, offset: 1.5 }));
  });
  it("Erf and float casts in float32", async () => {
    const f32: CheckOptions = { eps: 1e-2, tol: 2e-3, directions: 1 };
    await check((g, feeds) => {
      const x = param(g, feeds, "x", [2, 3], 3, { dtype: "float32" });
      return { y: op.erfOp(x), params: [x] };
    }, f32);
    await check((g, feeds) => {
      const x = param(g, feeds, "x", [2, 3], 3);
      return { y: op.cast(op.mul(op.cast(x, "float32"), g.scalar("float32", 3)), "float64"), params: [x] };
    }, f32);
  });
});

describe("linear algebra and normalisation rules", () => {
  it("MatMul: plain, batched, shared weight, broadcast batch, grouped-query 5-d", async () => {
    await check(binary(op.matmul, [3, 4], [4, 5]));
    await check(binary(op.matmul, [2, 3, 4], [4, 5]));
    await check(binary(op.matmul, [2, 3, 4], [2, 4, 5]));
    await check(binary(op.matmul, [2, 1, 3, 4], [3, 4, 2]));
    await check(binary(op.matmul, [1, 2, 2, 3, 4], [1, 2, 1, 4, 3]));
  });
  it("Softmax and LogSoftmax on inner and outer axes", async () => {
    await check(unary((x) => op.softmax(x, -1), [2, 3, 4]));
    await check(unary((x) => op.softmax(x, 1), [2, 3, 4]));
    await check(unary((x) => op.logSoftmax(x, -1), [3, 5]));
  });
  it("LayerNormalization with respect to input, scale and bias", async () => {
    await check((g, feeds) => {
      const x = param(g, feeds, "x", [2, 3, 6], 1);
      const s = param(g, feeds, "s", [6], 2, { offset: 1 });
      const b = param(g, feeds, "b", [6], 3);
      return { y: op.layerNormalization(x, s, b, 1e-5), params: [x, s, b] };
    });
  });
  it("nn composites: float64 erf, GELU, SiLU, RMSNorm, linear", async () => {
    await check(unary(erf, [3, 4], { scale: 3 }));
    await check(unary(gelu, [3, 4], { scale: 3 }));
    await check(unary(silu, [3, 4], { scale: 3 }));
    await check((g, feeds) => {
      const x = param(g, feeds, "x", [2, 3, 4], 1);
      const w = param(g, feeds, "w", [4], 2, { offset: 1 });
      return { y: rmsNorm(x, w, 1e-6), params: [x, w] };
    });
    await check((g, feeds) => {
      const x = param(g, feeds, "x", [2, 3, 4], 1);
      const w = param(g, feeds, "w", [4, 5], 2);
      const b = param(g, feeds, "b", [5], 3);
      return { y: linear(x, w, b), params: [x, w, b] };
    });
  });
});

describe("reduction rules", () => {
  it("ReduceSum and ReduceMean, with and without keepdims", async () => {
    await check(unary((x) => op.reduceSum(x, [1], true), [2, 3, 4]));
    await check(unary((x) => op.reduceSum(x, [0, 2], false), [2, 3, 4]));
    await check(unary((x) => op.reduceMean(x, [-1], true), [2, 3, 4]));
    await check(unary((x) => op.reduceMean(x, [0, 1, 2], false), [2, 3, 4]));
  });
  it("ReduceMean over a dimension known only at run time", async () => {
    const g = new Graph("dyn");
    const x = g.input("x", "float64", ["b", 3]);
    const feeds: Record<string, Tensor> = {
      x: { dtype: "float64", shape: [4, 3], data: Float64Array.from({ length: 12 }, (_, i) => i / 7 - 0.5) },
    };
    await checkGradients(g, op.reduceMean(op.mul(x, x), [0, 1], false), [x], feeds);
  });
});

describe("data-movement rules", () => {
  it("Reshape, Transpose, Unsqueeze, Squeeze, Expand", async () => {
    await check(unary((x) => op.reshape(x, [3, -1]), [2, 3, 2]));
    await check(unary((x) => op.transpose(x, [2, 0, 1]), [2, 3, 4]));
    await check(unary((x) => op.unsqueeze(x, [0, 2]), [2, 3]));
    await check(unary((x) => op.squeeze(x, [1]), [2, 1, 3]));
    await check(unary((x) => op.expand(x, x.graph.int64s([2, 3, 4]), [2, 3, 4]), [3, 1]));
  });
  it("Slice (rotary halves, negative bounds) and Concat (static and run-time extents)", async () => {
    await check(
      unary(
        (x) => op.concat([op.neg(op.slice(x, [-1], [2], [4])), op.slice(x, [-1], [0], [2])], -1),
        [2, 3, 4],
      ),
    );
    await check(unary((x) => op.slice(x, [0, 1], [1, -3], [2, 100]), [3, 4]));
    const g = new Graph("dyn");
    const a = g.input("a", "float64", ["n", 2]);
    const b = g.input("b", "float64", ["m", 2]);
    const w = g.constant("float64", [1, 2], Float64Array.from([0.3, -1.2]));
    const loss = op.reduceSum(
      op.mul(op.mul(op.concat([a, b, a], 0), w), op.concat([b, a, a], 0)),
      [0, 1],
      false,
    );
    const feeds: Record<string, Tensor> = {
      a: { dtype: "float64", shape: [3, 2], data: Float64Array.from([1, 2, 3, 4, 5, 6]) },
      b: { dtype: "float64", shape: [3, 2], data: Float64Array.from([-1, 0.5, 2, -3, 0.25, 1]) },
    };
    await checkGradients(g, loss, [a, b], feeds);
  });
  it("Gather: embedding rows with repeated ids sum; a scalar index on axis 1 (CLS pooling)", async () => {
    await check((g, feeds) => {
      const table = param(g, feeds, "table", [5, 3], 1);
      const ids = g.constant("int64", [2, 3], typedOf("int64", [1, 4, 1, 0, 1, 4]));
      return { y: op.gather(table, ids), params: [table] };
    });
    await check((g, feeds) => {
      const h = param(g, feeds, "h", [2, 4, 3], 1);
      return { y: op.gather(h, g.scalar("int64", 0), 1), params: [h] };
    });
    await check((g, feeds) => {
      const h = param(g, feeds, "h", [2, 4, 3], 1);
      const idx = g.constant("int64", [3], typedOf("int64", [2, -1, 0]));
      return { y: op.gather(h, idx, 2), params: [h] };
    });
  });
});
