/**
 * One builder function per ONNX op the model families use (opset 17, plus one com.microsoft contrib
 * op for int8). Each infers its output dtype and (symbolic) shape so that models are checked while
 * they are built, not when ONNX Runtime loads them.
 */
import { float, int, ints, type Attr, type DType, type Dim, type Value } from "./ir.js";
import { broadcastShapes, normAxis, sumDims } from "./shape.js";

function sameGraph(values: Value[]): Value["graph"] {
  const g = values[0].graph;
  for (const v of values) if (v.graph !== g) throw new Error("values from different graphs");
  return g;
}

function requireFloat(op: string, v: Value): void {
  if (v.dtype !== "float32" && v.dtype !== "float64")
    throw new Error(`${op}: expects a float tensor, got ${v.dtype}`);
}

function requireSame(op: string, a: Value, b: Value): void {
  if (a.dtype !== b.dtype) throw new Error(`${op}: dtype mismatch ${a.dtype} vs ${b.dtype}`);
}

function binary(op: string, a: Value, b: Value, outType?: DType): Value {
  requireSame(op, a, b);
  const g = sameGraph([a, b]);
  return g.node(op, [a, b], [{ dtype: outType ?? a.dtype, shape: broadcastShapes(a.shape, b.shape) }])[0];
}

function unary(op: string, x: Value, attrs: Record<string, Attr> = {}): Value {
  return x.graph.node(op, [x], [{ dtype: x.dtype, shape: [...x.shape] }], attrs)[0];
}

export const add = (a: Value, b: Value): Value => binary("Add", a, b);
export const sub = (a: Value, b: Value): Value => binary("Sub", a, b);
export const mul = (a: Value, b: Value): Value => binary("Mul", a, b);
export const div = (a: Value, b: Value): Value => binary("Div", a, b);
export const pow = (a: Value, b: Value): Value => binary("Pow", a, b);
export const equal = (a: Value, b: Value): Value => binary("Equal", a, b, "bool");
export const less = (a: Value, b: Value): Value => binary("Less", a, b, "bool");
export const greater = (a: Value, b: Value): Value => binary("Greater", a, b, "bool");
export const and = (a: Value, b: Value): Value => binary("And", a, b, "bool");

export function where(cond: Value, a: Value, b: Value): Value {
  if (cond.dtype !== "bool") throw new Error("Where: condition must be bool");
  requireSame("Where", a, b);
  const g = sameGraph([cond, a, b]);
  const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape), b.shape);
  return g.node("Where", [cond, a, b], [{ dtype: a.dtype, shape }])[0];
}

export const neg = (x: Value): Value => unary("Neg", x);
export const sqrt = (x: Value): Value => unary("Sqrt", x);
export const exp = (x: Value): Value => unary("Exp", x);
export const log = (x: Value): Value => unary("Log", x);
export const tanh = (x: Value): Value => unary("Tanh", x);
export const sigmoid = (x: Value): Value => unary("Sigmoid", x);
export const cos = (x: Value): Value => unary("Cos", x);
export const sin = (x: Value): Value => unary("Sin", x);
export const reciprocal = (x: Value): Value => unary("Reciprocal", x);
export const abs = (x: Value): Value => unary("Abs", x);
export const identity = (x: Value): Value => unary("Identity", x);

/** The raw ONNX Erf (ONNX Runtime's CPU kernel is float32 only; see `erf` in nn.ts for float64). */
export function erfOp(x: Value): Value {
  requireFloat("Erf", x);
  return unary("Erf", x);
}

export function not(x: Value): Value {
  if (x.dtype !== "bool") throw new Error("Not: expects bool");
  return unary("Not", x);
}

const ONNX_CAST_CODES: Record<DType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float64: 11,
};

export function onnxDataType(dtype: DType): number {
  return ONNX_CAST_CODES[dtype];
}

export function cast(x: Value, to: DType): Value {
  if (x.dtype === to) return x;
  return x.graph.node("Cast", [x], [{ dtype: to, shape: [...x.shape] }], { to: int(ONNX_CAST_CODES[to]) })[0];
}

export function matmul(a: Value, b: Value): Value {
  requireSame("MatMul", a, b);
  if (a.shape.length < 2 || b.shape.length < 2) throw new Error("MatMul: both operands need rank >= 2");
  const [m, k1] = a.shape.slice(-2);
  const [k2, n] = b.shape.slice(-2);
  if (typeof k1 === "number" && typeof k2 === "number" && k1 !== k2) {
    throw new Error(`MatMul: inner dimensions differ (${k1} vs ${k2})`);
  }
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return sameGraph([a, b]).node("MatMul", [a, b], [{ dtype: a.dtype, shape: [...batch, m, n] }])[0];
}

export function gather(data: Value, indices: Value, axis = 0): Value {
  if (indices.dtype !== "int64" && indices.dtype !== "int32") throw new Error("Gather: indices must be int");
  const ax = normAxis(axis, data.shape.length);
  const shape = [...data.shape.slice(0, ax), ...indices.shape, ...data.shape.slice(ax + 1)];
  return sameGraph([data, indices]).node("Gather", [data, indices], [{ dtype: data.dtype, shape }], {
    axis: int(ax),
  })[0];
}

/** Reshape to a constant target; 0 copies the input dimension, -1 is inferred. */
export function reshape(x: Value, target: number[]): Value {
  const shape: Dim[] = target.map((t, i) => (t === 0 ? x.shape[i] : t === -1 ? null : t));
  const minus = target.indexOf(-1);
  if (minus >= 0) {
    const known = x.shape.every((d) => typeof d === "number");
    const rest = shape.every((d, i) => i === minus || typeof d === "number");
    if (known && rest) {
      const total = (x.shape as number[]).reduce((a, b) => a * b, 1);
      const part = (shape.filter((_, i) => i !== minus) as number[]).reduce((a, b) => a * b, 1);
      shape[minus] = total / part;
    }
  }
  return x.graph.node("Reshape", [x, x.graph.int64s(target)], [{ dtype: x.dtype, shape }])[0];
}

export function transpose(x: Value, perm: number[]): Value {
  if (perm.length !== x.shape.length) throw new Error(`Transpose: perm ${perm} for rank ${x.shape.length}`);
  return x.graph.node("Transpose", [x], [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]) }], {
    perm: ints(perm),
  })[0];
}

export function unsqueeze(x: Value, axes: number[]): Value {
  const rank = x.shape.length + axes.length;
  const norm = axes.map((a) => normAxis(a, rank)).sort((a, b) => a - b);
  const shape: Dim[] = [];
  let src = 0;
  for (let i = 0; i < rank; i++) shape.push(norm.includes(i) ? 1 : x.shape[src++]);
  return x.graph.node("Unsqueeze", [x, x.graph.int64s(norm)], [{ dtype: x.dtype, shape }])[0];
}

export function squeeze(x: Value, axes: number[]): Value {
  const norm = axes.map((a) => normAxis(a, x.shape.length));
  const shape = x.shape.filter((_, i) => !norm.includes(i));
  return x.graph.node("Squeeze", [x, x.graph.int64s(norm)], [{ dtype: x.dtype, shape }])[0];
}

export function concat(xs: Value[], axis: number): Value {
  const g = sameGraph(xs);
  for (const x of xs) requireSame("Concat", xs[0], x);
  const ax = normAxis(axis, xs[0].shape.length);
  const shape = [...xs[0].shape];
  shape[ax] = sumDims(xs.map((x) => x.shape[ax]));
  return g.node("Concat", xs, [{ dtype: xs[0].dtype, shape }], { axis: int(ax) })[0];
}

/** Slice with constant bounds along the given axes (step 1). */
export function slice(x: Value, axes: number[], starts: number[], ends: number[]): Value {
  const shape = [...x.shape];
  axes.forEach((a, i) => {
    const ax = normAxis(a, shape.length);
    const d = shape[ax];
    if (typeof d === "number") {
      const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
      shape[ax] = Math.max(clamp(ends[i]) - clamp(starts[i]), 0);
    } else shape[ax] = null; // depends on the runtime size of a symbolic dimension
  });
  const g = x.graph;
  return g.node(
    "Slice",
    [x, g.int64s(starts), g.int64s(ends), g.int64s(axes)],
    [{ dtype: x.dtype, shape }],
  )[0];
}

export function softmax(x: Value, axis = -1): Value {
  requireFloat("Softmax", x);
  return unary("Softmax", x, { axis: int(axis) });
}

export function layerNormalization(x: Value, scale: Value, bias: Value, epsilon: number, axis = -1): Value {
  requireFloat("LayerNormalization", x);
  return sameGraph([x, scale, bias]).node(
    "LayerNormalization",
    [x, scale, bias],
    [{ dtype: x.dtype, shape: [...x.shape] }],
    { axis: int(axis), epsilon: float(epsilon) },
  )[0];
}

function reducedShape(x: Value, axes: number[], keepdims: boolean): Dim[] {
  const norm = axes.map((a) => normAxis(a, x.shape.length));
  return keepdims
    ? x.shape.map((d, i) => (norm.includes(i) ? 1 : d))
    : x.shape.filter((_, i) => !norm.includes(i));
}

/** ReduceMean (axes are an attribute up to opset 17). */
export function reduceMean(x: Value, axes: number[], keepdims = true): Value {
  return x.graph.node("ReduceMean", [x], [{ dtype: x.dtype, shape: reducedShape(x, axes, keepdims) }], {
    axes: ints(axes),
    keepdims: int(keepdims ? 1 : 0),
  })[0];
}

export function reduceMax(x: Value, axes: number[], keepdims = true): Value {
  return x.graph.node("ReduceMax", [x], [{ dtype: x.dtype, shape: reducedShape(x, axes, keepdims) }], {
    axes: ints(axes),
    keepdims: int(keepdims ? 1 : 0),
  })[0];
}

/** ReduceSum (axes are an input since opset 13). */
export function reduceSum(x: Value, axes: number[], keepdims = true): Value {
  return x.graph.node(
    "ReduceSum",
    [x, x.graph.int64s(axes)],
    [{ dtype: x.dtype, shape: reducedShape(x, axes, keepdims) }],
    { keepdims: int(keepdims ? 1 : 0) },
  )[0];
}

export function argMax(x: Value, axis: number, keepdims = true): Value {
  return x.graph.node("ArgMax", [x], [{ dtype: "int64", shape: reducedShape(x, [axis], keepdims) }], {
    axis: int(axis),
    keepdims: int(keepdims ? 1 : 0),
  })[0];
}

export function cumSum(x: Value, axis: number): Value {
  return x.graph.node(
    "CumSum",
    [x, x.graph.scalar("int64", axis)],
    [{ dtype: x.dtype, shape: [...x.shape] }],
  )[0];
}

/** The runtime shape of `x` as an int64 vector. */
export function shapeOf(x: Value): Value {
  return x.graph.node("Shape", [x], [{ dtype: "int64", shape: [x.shape.length] }])[0];
}

/** Range(start, limit, delta) over 0-d tensors; `length` names the resulting symbolic dimension. */
export function range(start: Value, limit: Value, delta: Value, length: Dim = null): Value {
  requireSame("Range", start, limit);
  requireSame("Range", start, delta);
  return sameGraph([start, limit, delta]).node(
    "Range",
    [start, limit, delta],
    [{ dtype: start.dtype, shape: [length] }],
  )[0];
}

/**
 * com.microsoft DynamicQuantizeMatMul: quantises `a` to uint8 per call and multiplies by int8 weights
 * with per-column scales; the float output (plus optional bias) replaces MatMul + Add.
 */
export function dynamicQuantizeMatMul(a: Value, b: Value, bScale: Value, bias: Value | null): Value {
  if (a.dtype !== "float32") throw new Error("DynamicQuantizeMatMul: float32 activations only");
  if (b.dtype !== "int8") throw new Error("DynamicQuantizeMatMul: int8 weights expected");
  const n = b.shape[b.shape.length - 1];
  const g = sameGraph([a, b, bScale]);
  return g.node(
    "DynamicQuantizeMatMul",
    [a, b, bScale, null, bias],
    [{ dtype: "float32", shape: [...a.shape.slice(0, -1), n] }],
    {},
    "com.microsoft",
  )[0];
}

/**
 * DynamicQuantizeLinear: `x` to uint8 with a per-call scale and zero point (both scalars) covering
 * its range and 0, the same quantisation that DynamicQuantizeMatMul applies to its input.
 */
export function dynamicQuantizeLinear(x: Value): [Value, Value, Value] {
  if (x.dtype !== "float32") throw new Error("DynamicQuantizeLinear: float32 input expected");
  const [q, scale, zero] = x.graph.node(
    "DynamicQuantizeLinear",
    [x],
    [
      { dtype: "uint8", shape: [...x.shape] },
      { dtype: "float32", shape: [] },
      { dtype: "uint8", shape: [] },
    ],
  );
  return [q, scale, zero];
}

/** LogSoftmax along one axis (numerically stable log-probabilities for contrastive losses). */
export function logSoftmax(x: Value, axis = -1): Value {
  requireFloat("LogSoftmax", x);
  return unary("LogSoftmax", x, { axis: int(axis) });
}

export const sign = (x: Value): Value => unary("Sign", x);

/** Broadcasts `x` to the runtime shape `shape` (an int64 vector); `dims` is the static result shape. */
export function expand(x: Value, shape: Value, dims: Dim[]): Value {
  return sameGraph([x, shape]).node("Expand", [x, shape], [{ dtype: x.dtype, shape: dims }])[0];
}

/** ScatterElements (opset 16+); `reduction: "add"` sums duplicate indices (embedding gradients). */
export function scatterElements(
  data: Value,
  indices: Value,
  updates: Value,
  axis: number,
  reduction: "none" | "add" = "none",
): Value {
  requireSame("ScatterElements", data, updates);
  return sameGraph([data, indices, updates]).node(
    "ScatterElements",
    [data, indices, updates],
    [{ dtype: data.dtype, shape: [...data.shape] }],
    { axis: int(normAxis(axis, data.shape.length)), reduction: { type: "string", value: reduction } },
  )[0];
}

/** Zero padding by constant amounts: `pads` is [begin_0..begin_n, end_0..end_n] as in ONNX Pad. */
export function pad(x: Value, pads: number[]): Value {
  const rank = x.shape.length;
  const shape = x.shape.map((d, i) => (typeof d === "number" ? d + pads[i] + pads[i + rank] : null));
  return x.graph.node("Pad", [x, x.graph.int64s(pads)], [{ dtype: x.dtype, shape }])[0];
}

/** Splits `x` along `axis` into pieces whose sizes come from the int64 vector `sizes` at run time. */
export function split(x: Value, axis: number, sizes: Value, dims: Dim[]): Value[] {
  const ax = normAxis(axis, x.shape.length);
  return sameGraph([x, sizes]).node(
    "Split",
    [x, sizes],
    dims.map((d) => ({ dtype: x.dtype, shape: x.shape.map((s, i) => (i === ax ? d : s)) })),
    { axis: int(ax) },
  );
}
