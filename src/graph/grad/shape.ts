/**
 * Gradients of the data-movement ops in ops.ts: Reshape, Transpose, Unsqueeze, Squeeze, Expand,
 * Slice, Concat and Gather (the embedding lookup, whose gradient scatter-adds rows so that repeated
 * token ids sum).
 */
import type { Dim, Value } from "../ir.js";
import {
  concat,
  expand,
  gather,
  pad,
  reshape,
  scatterElements,
  shapeOf,
  slice,
  split,
  transpose,
} from "../ops.js";
import { normAxis } from "../shape.js";
import { inp, type GradRule } from "./rule.js";
import { attrInt, attrInts, constantInts, unbroadcast, zerosLike } from "./util.js";

/** The gradient reshaped back to the input's runtime shape (Reshape, Unsqueeze, Squeeze). */
const backToInputShape: GradRule = ({ node, dy, needs }) => {
  const g = dy[0];
  const x = inp(node, 0);
  const out: (Value | null)[] = node.inputs.map(() => null);
  if (g && needs[0])
    out[0] = x.graph.node("Reshape", [g, shapeOf(x)], [{ dtype: g.dtype, shape: [...x.shape] }])[0];
  return out;
};

/** A slice of an int64 shape vector, [from, to) (to = Infinity for the end). */
function dims(shape: Value, from: number, to: number): Value {
  return slice(shape, [0], [from], [Number.isFinite(to) ? to : 2 ** 62]);
}

export const shapeRules: Record<string, GradRule> = {
  Reshape: backToInputShape,
  Unsqueeze: backToInputShape,
  Squeeze: backToInputShape,
  Transpose: ({ node, dy, needs }) => {
    const g = dy[0];
    if (!g || !needs[0]) return [null];
    const perm = attrInts(node.attrs, "perm") ?? [...Array(g.shape.length).keys()].reverse();
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => (inverse[p] = i));
    return [transpose(g, inverse)];
  },
  Expand: ({ node, dy, needs }) => [dy[0] && needs[0] ? unbroadcast(dy[0], inp(node, 0)) : null, null],
  /**
   * Constant-bound, unit-step slices: the gradient is dy zero-padded back to the input's extent. On an
   * axis of symbolic size (first-token pruning slices the sequence axis) the pads are computed at run
   * time from the input's shape, which needs non-negative bounds.
   */
  Slice: ({ node, dy, needs }) => {
    const g = dy[0];
    const none = node.inputs.map(() => null);
    if (!g || !needs[0]) return none;
    const x = inp(node, 0);
    const gr = x.graph;
    const rank = x.shape.length;
    const starts = constantInts(node.inputs[1], "Slice starts")!;
    const ends = constantInts(node.inputs[2], "Slice ends")!;
    const axes = constantInts(node.inputs[3] ?? null, "Slice axes") ?? starts.map((_, i) => i);
    const steps = constantInts(node.inputs[4] ?? null, "Slice steps");
    if (steps?.some((s) => s !== 1)) throw new Error(`autodiff: ${node.name} has a step other than 1`);
    const pads: (number | Value)[] = new Array<number>(2 * rank).fill(0);
    axes.forEach((a, i) => {
      const ax = normAxis(a, rank);
      const d = x.shape[ax];
      if (typeof d === "number") {
        const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
        pads[ax] = clamp(starts[i]);
        pads[ax + rank] = d - Math.max(clamp(ends[i]), clamp(starts[i]));
        return;
      }
      if (starts[i] < 0 || ends[i] < 0) {
        throw new Error(`autodiff: ${node.name} slices axis ${ax} of symbolic size from the end`);
      }
      // begin = min(start, d); end = d - max(min(end, d), begin).
      const size = gather(shapeOf(x), gr.int64s([ax]));
      const i64 = (op: string, p: Value, q: Value): Value =>
        gr.node(op, [p, q], [{ dtype: "int64", shape: [1] }])[0];
      const begin = i64("Min", gr.int64s([starts[i]]), size);
      pads[ax] = begin;
      pads[ax + rank] = i64("Sub", size, i64("Max", i64("Min", gr.int64s([ends[i]]), size), begin));
    });
    if (pads.every((p) => typeof p === "number")) return [pad(g, pads as number[]), ...none.slice(1)];
    const padVec = concat(
      pads.map((p) => (typeof p === "number" ? gr.int64s([p]) : p)),
      0,
    );
    // Padding restores exactly the input's extent.
    return [gr.node("Pad", [g, padVec], [{ dtype: g.dtype, shape: [...x.shape] }])[0], ...none.slice(1)];
  },
  // Splits dy at the inputs' runtime extents along the axis.
  Concat: ({ node, dy, needs }) => {
    const g = dy[0];
    if (!g) return node.inputs.map(() => null);
    const xs = node.inputs.map((x, i) => inp(node, i));
    const axis = normAxis(attrInt(node.attrs, "axis", 0), g.shape.length);
    const extents = xs.map((x) => x.shape[axis]);
    const sizes = extents.every((d) => typeof d === "number")
      ? g.graph.int64s(extents as number[])
      : concat(
          xs.map((x) => gather(shapeOf(x), g.graph.int64s([axis]))),
          0,
        );
    const parts = split(g, axis, sizes, extents);
    return parts.map((p, i) => (needs[i] ? p : null));
  },
  /**
   * Gather(data, indices, axis): dy has shape data[:axis] + indices.shape + data[axis+1:], scatter-added
   * into zeros so that duplicate indices (a token repeated in a batch) accumulate. Along axis 0 (the
   * embedding lookup) ScatterND adds whole rows from an [n, 1] index column; other axes broadcast the
   * indices along the remaining axes for ScatterElements, an index tensor as large as dy.
   */
  Gather: ({ node, dy, needs }) => {
    const g = dy[0];
    if (!g || !needs[0]) return [null, null];
    const data = inp(node, 0);
    const indices = inp(node, 1);
    const rank = data.shape.length;
    const axis = normAxis(attrInt(node.attrs, "axis", 0), rank);
    const gr = g.graph;
    const shape = shapeOf(data);
    const pieces: Value[] = [];
    if (axis > 0) pieces.push(dims(shape, 0, axis));
    pieces.push(gr.int64s([-1]));
    if (axis < rank - 1) pieces.push(dims(shape, axis + 1, Infinity));
    const updShape = pieces.length === 1 ? pieces[0] : concat(pieces, 0);
    const updDims: Dim[] = data.shape.map((d, i) => (i === axis ? null : d));
    const updates = gr.node("Reshape", [g, updShape], [{ dtype: g.dtype, shape: updDims }])[0];
    if (axis === 0) {
      const column = reshape(indices, [-1, 1]);
      const dx = gr.node(
        "ScatterND",
        [zerosLike(data), column, updates],
        [{ dtype: g.dtype, shape: [...data.shape] }],
        {
          reduction: { type: "string", value: "add" },
        },
      )[0];
      return [dx, null];
    }
    const lined = reshape(
      indices,
      data.shape.map((_, i) => (i === axis ? -1 : 1)),
    );
    const idx = expand(lined, shapeOf(updates), updDims);
    return [scatterElements(zerosLike(data), idx, updates, axis, "add"), null];
  },
};
