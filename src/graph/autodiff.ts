/**
 * Reverse-mode differentiation over the graph IR. `gradients` appends to a graph the nodes that
 * compute d(loss)/d(value) for chosen values (usually the trainable graph inputs), using the rules of
 * grad/ and standard ONNX ops only, so the training graph runs on stock ONNX Runtime.
 */
import type { Graph, Node, Value } from "./ir.js";
import { add } from "./ops.js";
import { GRAD_RULES } from "./grad/index.js";
import { expandLike, zerosLike } from "./grad/util.js";

const FLOAT = new Set(["float32", "float64"]);

/**
 * Gradients of the scalar (or any-shape, summed) `loss` with respect to each of `wrt`, keyed by value
 * name. Only nodes on a path from some `wrt` value to the loss are differentiated; a value the loss
 * does not depend on gets zeros.
 */
export function gradients(graph: Graph, loss: Value, wrt: readonly Value[]): Map<string, Value> {
  if (!FLOAT.has(loss.dtype)) throw new Error(`autodiff: loss ${loss.name} is ${loss.dtype}, not float`);
  const active = new Set(wrt.map((v) => v.name));
  const onPath: Node[] = [];
  for (const node of graph.nodes) {
    if (!node.inputs.some((i) => i && active.has(i.name))) continue;
    const floats = node.outputs.filter((o) => FLOAT.has(o.dtype));
    for (const o of floats) active.add(o.name);
    if (floats.length) onPath.push(node);
  }
  if (!active.has(loss.name))
    throw new Error(`autodiff: loss ${loss.name} does not depend on any trainable value`);

  // Restrict to nodes whose outputs reach the loss.
  const reaches = new Set([loss.name]);
  const needed: Node[] = [];
  for (let i = onPath.length - 1; i >= 0; i--) {
    const node = onPath[i];
    if (!node.outputs.some((o) => reaches.has(o.name))) continue;
    needed.push(node);
    for (const input of node.inputs) if (input && active.has(input.name)) reaches.add(input.name);
  }

  const grads = new Map<string, Value>();
  const accumulate = (v: Value, g: Value): void => {
    const prev = grads.get(v.name);
    grads.set(v.name, prev ? add(prev, g) : g);
  };
  grads.set(
    loss.name,
    loss.shape.length === 0 ? graph.scalar(loss.dtype, 1) : expandLike(graph.scalar(loss.dtype, 1), loss),
  );
  for (const node of needed) {
    const dy = node.outputs.map((o) => grads.get(o.name) ?? null);
    if (dy.every((g) => g === null)) continue;
    const rule = GRAD_RULES[node.op];
    if (!rule || node.domain !== "") {
      throw new Error(
        `autodiff: no gradient rule for ${node.domain ? node.domain + "." : ""}${node.op} (${node.name})`,
      );
    }
    const needs = node.inputs.map((i) => !!i && reaches.has(i.name) && active.has(i.name));
    const dx = rule({ node, dy, needs });
    node.inputs.forEach((input, i) => {
      const g = dx[i];
      if (input && needs[i] && g) accumulate(input, g);
    });
  }
  return new Map(wrt.map((v) => [v.name, grads.get(v.name) ?? zerosLike(v)]));
}
