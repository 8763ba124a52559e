/** Helpers shared by the gradient rules: undoing broadcasting, reading constant inputs, zeros. */
import type { Attr, TypedData, Value } from "../ir.js";
import { expand, reduceSum, shapeOf, squeeze } from "../ops.js";

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
  const summed = reduceSum(grad, axes, true);
  return lead > 0 ? squeeze(summed, axes.slice(0, lead)) : summed;
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
