/** Helpers shared by the gradient rules: undoing broadcasting, reading constant inputs, zeros. */
import type { Attr, TypedData, Value } from "../ir.js";
import { concat, expand, matmul, reduceSum, reshape, shapeOf, slice, squeeze } from "../ops.js";

/**
 * Sums `grad` (shaped like a broadcast result) back to `target`'s shape: over the leading axes
 * `target` lacks, and over every axis where `target` has size 1 and the result does not.
 * Static shapes decide which axes; a target dimension of unknown size is taken as not broadcast.
 */
export function unbroadcast(grad: Value, target: Value): Value {
  const n = grad.shape.length;
  const m = target.shape.length;
  const lead = n - m;
  const axes: number[] = [];
  for (let i = 0; i < lead; i++) axes.push(i);
  for (let i = 0; i < m; i++) if (target.shape[i] === 1 && grad.shape[i + lead] !== 1) axes.push(i + lead);
  if (!axes.length) return grad;
  const byRows = sumLeadingRows(grad, target, axes);
  if (byRows) return byRows;
  const summed = reduceSum(grad, axes, true);
  return lead > 0 ? squeeze(summed, axes.slice(0, lead)) : summed;
}

/**
 * A sum over leading axes (a bias or norm-scale gradient over batch and sequence) as one
 * ones[rows] @ grad[rows, width] product: ONNX Runtime's ReduceSum over the outer axes of a
 * [batch, seq, width] tensor runs about 2-3 times slower than the GEMM. Undefined when the summed axes
 * are not a prefix or the kept width is not static.
 */
function sumLeadingRows(grad: Value, target: Value, axes: number[]): Value | undefined {
  const k = axes.length;
  if (axes.some((a, i) => a !== i) || k === grad.shape.length) return undefined;
  const rest = grad.shape.slice(k);
  const shape = target.shape;
  if (![...rest, ...shape].every((d) => typeof d === "number")) return undefined;
  const width = (rest as number[]).reduce((a, b) => a * b, 1);
  const gr = grad.graph;
  const rows = reshape(grad, [-1, width]);
  const onesShape = concat([gr.int64s([1]), slice(shapeOf(rows), [0], [0], [1])], 0);
  const ones = expand(gr.scalar(grad.dtype, 1), onesShape, [1, rows.shape[0]]);
  return reshape(matmul(ones, rows), shape as number[]);
}

/** Broadcasts `grad` (shaped like `x` with some axes reduced to 1) back to `x`'s runtime shape. */
export function expandLike(grad: Value, x: Value): Value {
  return expand(grad, shapeOf(x), [...x.shape]);
}

/** Zeros with `x`'s runtime shape and dtype. */
export function zerosLike(x: Value): Value {
  return expandLike(x.graph.scalar(x.dtype, 0), x);
}

/** The numbers of a constant (initializer) input such as the axes of ReduceSum or Slice's bounds. */
export function constantInts(v: Value | null, what: string): number[] | undefined {
  if (!v) return undefined;
  const init = v.graph.initializers.get(v.name);
  if (!init) throw new Error(`autodiff: ${what} must be a constant, got computed value ${v.name}`);
  const data: TypedData = typeof init.data === "function" ? init.data() : init.data;
  return Array.from(data as ArrayLike<number | bigint>, (x) => Number(x));
}

export function attrInt(attrs: Readonly<Record<string, Attr>>, name: string, fallback: number): number {
  const a = attrs[name];
  return a?.type === "int" ? a.value : fallback;
}

export function attrInts(attrs: Readonly<Record<string, Attr>>, name: string): number[] | undefined {
  const a = attrs[name];
  return a?.type === "ints" ? a.value : undefined;
}

/** A float scalar of `like`'s dtype. */
export function scalarOf(like: Value, value: number): Value {
  return like.graph.scalar(like.dtype, value);
}
