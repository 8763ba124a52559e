import type { Dim, Graph, Value } from "../graph/ir.js";

/**
 * Renames the symbolic dimensions of a freshly built graph ("batch" → "d.batch"). Two encoders imported
 * into one training graph would otherwise share the names "batch" and "seq", and ONNX Runtime takes
 * equal names for equal sizes — false when the document batch is G times the query batch — which
 * defeats its buffer planning (and floods the log with shape-mismatch warnings). Only for graphs the
 * caller built and owns: it rewrites their values in place before anything reads them.
 */
export function prefixDims(graph: Graph, prefix: string): Graph {
  const rename = (v: Value): void => {
    const shape = v.shape.map((d: Dim) => (typeof d === "string" ? prefix + d : d));
    (v as { shape: readonly Dim[] }).shape = shape;
  };
  graph.inputs.forEach(rename);
  for (const node of graph.nodes) node.outputs.forEach(rename);
  return graph;
}
