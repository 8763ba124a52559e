/**
 * Gradients of the element-wise ops in ops.ts (Add, Sub, Mul, Div, Pow, Where and the unary math
 * ops). Binary ops broadcast, so each input's gradient is summed back to its own shape.
 */
import type { Value } from "../ir.js";
import { cast, cos, div, exp, log, mul, neg, pow, sign, sin, sub, where } from "../ops.js";
import { inp, type GradArgs, type GradRule } from "./rule.js";
import { scalarOf, unbroadcast } from "./util.js";

/** Applies `f` to the single output gradient, for unary ops. */
function unaryRule(f: (dy: Value, x: Value, y: Value) => Value): GradRule {
  return ({ node, dy, needs }) => [needs[0] && dy[0] ? f(dy[0], inp(node, 0), node.outputs[0]) : null];
}

function binaryRule(
  da: (dy: Value, a: Value, b: Value, y: Value) => Value,
  db: (dy: Value, a: Value, b: Value, y: Value) => Value,
): GradRule {
  return ({ node, dy, needs }: GradArgs) => {
    const g = dy[0];
    if (!g) return [null, null];
    const a = inp(node, 0);
    const b = inp(node, 1);
    const y = node.outputs[0];
    return [
      needs[0] ? unbroadcast(da(g, a, b, y), a) : null,
      needs[1] ? unbroadcast(db(g, a, b, y), b) : null,
    ];
  };
}

export const elementwiseRules: Record<string, GradRule> = {
  Add: binaryRule(
    (g) => g,
    (g) => g,
  ),
  Sub: binaryRule(
    (g) => g,
    (g) => neg(g),
  ),
  Mul: binaryRule(
    (g, _a, b) => mul(g, b),
    (g, a) => mul(g, a),
  ),
  // d(a/b)/db = -a/b^2 = -y/b.
  Div: binaryRule(
    (g, _a, b) => div(g, b),
    (g, _a, b, y) => neg(div(mul(g, y), b)),
  ),
  Pow: binaryRule(
    (g, a, b) => mul(mul(g, b), pow(a, sub(b, scalarOf(b, 1)))),
    (g, a, _b, y) => mul(mul(g, y), log(a)),
  ),
  Where: ({ node, dy, needs }) => {
    const g = dy[0];
    if (!g) return [null, null, null];
    const cond = inp(node, 0);
    const zero = scalarOf(g, 0);
    return [
      null,
      needs[1] ? unbroadcast(where(cond, g, zero), inp(node, 1)) : null,
      needs[2] ? unbroadcast(where(cond, zero, g), inp(node, 2)) : null,
    ];
  },
  Identity: unaryRule((g) => g),
  Neg: unaryRule((g) => neg(g)),
  // d sqrt(x) = 1 / (2 sqrt(x)): reuses the forward output.
  Sqrt: unaryRule((g, _x, y) => div(g, mul(y, scalarOf(y, 2)))),
  Exp: unaryRule((g, _x, y) => mul(g, y)),
  Log: unaryRule((g, x) => div(g, x)),
  Abs: unaryRule((g, x) => mul(g, sign(x))),
  Reciprocal: unaryRule((g, _x, y) => neg(mul(g, mul(y, y)))),
  Tanh: unaryRule((g, _x, y) => mul(g, sub(scalarOf(y, 1), mul(y, y)))),
  Sigmoid: unaryRule((g, _x, y) => mul(g, mul(y, sub(scalarOf(y, 1), y)))),
  Sin: unaryRule((g, x) => mul(g, cos(x))),
  Cos: unaryRule((g, x) => neg(mul(g, sin(x)))),
  // d erf(x) = 2/sqrt(pi) exp(-x^2).
  Erf: unaryRule((g, x) => mul(g, mul(exp(neg(mul(x, x))), scalarOf(x, 2 / Math.sqrt(Math.PI))))),
  // Only float-to-float casts carry gradients (the autodiff pass never reaches integer ones).
  Cast: unaryRule((g, x) => cast(g, x.dtype)),
};
