/**
 * Dropout whose mask is a pure function of (seed input, element index, salt): a resumed run fed the
 * same seed for the same step draws the same mask, which ONNX Runtime's stateful random ops cannot
 * promise. The mask comes from three rounds of a 31-bit linear congruential hash in int64 ops.
 */
import { int, type Value } from "./ir.js";
import { add, cast, div, greater, mul, range, shapeOf } from "./ops.js";

const MODULUS = 2 ** 31;

export function dropout(x: Value, p: number, seed: Value, salt: number): Value {
  if (p <= 0) return x;
  if (p >= 1) throw new Error(`dropout probability ${p} must be below 1`);
  const g = x.graph;
  const i64 = (v: number): Value => g.scalar("int64", v);
  const shape = shapeOf(x);
  const count = g.node("ReduceProd", [shape], [{ dtype: "int64", shape: [] }], { keepdims: int(0) })[0];
  const index = g.node(
    "Reshape",
    [range(i64(0), count, i64(1)), shape],
    [{ dtype: "int64", shape: [...x.shape] }],
  )[0];
  const mod = (v: Value): Value =>
    g.node("Mod", [v, i64(MODULUS)], [{ dtype: "int64", shape: [...v.shape] }], { fmod: int(0) })[0];
  let h = mod(add(add(mul(index, i64(1103515245)), mul(seed, i64(7919))), i64(salt * 104729 + 1)));
  for (let round = 0; round < 2; round++) h = mod(add(mul(h, i64(1103515245)), i64(12345)));
  const u = div(cast(h, x.dtype), g.scalar(x.dtype, MODULUS));
  const keep = cast(greater(u, g.scalar(x.dtype, p)), x.dtype);
  return mul(x, mul(keep, g.scalar(x.dtype, 1 / (1 - p))));
}
