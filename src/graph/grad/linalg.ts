/** Gradient of MatMul (ops.ts `matmul`), batched and broadcast over leading axes. */
import type { Value } from "../ir.js";
import { matmul, reshape, transpose } from "../ops.js";
import { inp, type GradRule } from "./rule.js";
import { unbroadcast } from "./util.js";

/** Swaps the last two axes (ORT fuses a Transpose feeding MatMul into one FusedMatMul kernel). */
function transposeLast(x: Value): Value {
  const r = x.shape.length;
  const perm = [...Array(r).keys()];
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return transpose(x, perm);
}

export const linalgRules: Record<string, GradRule> = {
  // y = a @ b: da = dy @ b^T, db = a^T @ dy, each summed over the batch axes its operand broadcast.
  MatMul: ({ node, dy, needs }) => {
    const g = dy[0];
    if (!g) return [null, null];
    const a = inp(node, 0);
    const b = inp(node, 1);
    const da = needs[0] ? unbroadcast(matmul(g, transposeLast(b)), a) : null;
    let db: Value | null = null;
    if (needs[1]) {
      const [k, n] = b.shape;
      if (b.shape.length === 2 && a.shape.length > 2 && typeof k === "number" && typeof n === "number") {
        // A shared weight: fold every batch axis into the rows, one [k, rows] @ [rows, n] product
        // instead of a batched product followed by a sum.
        db = matmul(transpose(reshape(a, [-1, k]), [1, 0]), reshape(g, [-1, n]));
      } else db = unbroadcast(matmul(transposeLast(a), g), b);
    }
    return [da, db];
  },
};
