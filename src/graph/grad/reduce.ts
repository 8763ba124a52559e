/** Gradients of ReduceSum and ReduceMean (ops.ts): the output gradient spread back over the axes. */
import { int, type Node, type Value } from "../ir.js";
import { cast, div, gather, shapeOf, unsqueeze } from "../ops.js";
import { inp, type GradRule } from "./rule.js";
import { attrInt, attrInts, constantInts, expandLike } from "./util.js";

function reducedAxes(node: Node, axes: number[] | undefined): number[] {
  const rank = inp(node, 0).shape.length;
  if (!axes || !axes.length) return [...Array(rank).keys()];
  return axes.map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q);
}

/** The output gradient with the reduced axes restored as size 1, broadcast to the input's shape. */
function spread(node: Node, g: Value, axes: number[]): Value {
  const keep = attrInt(node.attrs, "keepdims", 1) === 1;
  return expandLike(keep ? g : unsqueeze(g, axes), inp(node, 0));
}

/** How many elements each output averages: static when known, else from the runtime shape. */
function count(x: Value, axes: number[]): Value {
  const dims = axes.map((a) => x.shape[a]);
  if (dims.every((d) => typeof d === "number")) {
    return x.graph.scalar(
      x.dtype,
      (dims as number[]).reduce((p, q) => p * q, 1),
    );
  }
  const sizes = cast(gather(shapeOf(x), x.graph.int64s(axes)), x.dtype);
  return x.graph.node("ReduceProd", [sizes], [{ dtype: x.dtype, shape: [] }], { keepdims: int(0) })[0];
}

export const reduceRules: Record<string, GradRule> = {
  ReduceSum: ({ node, dy, needs }) => {
    const g = dy[0];
    if (!g || !needs[0]) return [null, null];
    return [spread(node, g, reducedAxes(node, constantInts(node.inputs[1] ?? null, "ReduceSum axes"))), null];
  },
  ReduceMean: ({ node, dy, needs }) => {
    const g = dy[0];
    if (!g || !needs[0]) return [null];
    const axes = reducedAxes(node, attrInts(node.attrs, "axes"));
    return [div(spread(node, g, axes), count(inp(node, 0), axes))];
  },
};
