/**
 * Contrastive and regression losses as pure graph builders: each takes graph values and returns a
 * scalar loss value, ready for `gradients`.
 */
import type { Value } from "../graph/ir.js";
import {
  add,
  cast,
  div,
  equal,
  gather,
  logSoftmax,
  matmul,
  mul,
  neg,
  range,
  reduceMean,
  reduceSum,
  shapeOf,
  slice,
  sqrt,
  sub,
  transpose,
  unsqueeze,
  where,
} from "../graph/ops.js";

/** Rows scaled to unit L2 norm (eps keeps an all-zero row finite). */
export function l2Normalize(x: Value, eps = 1e-12): Value {
  const g = x.graph;
  return div(x, sqrt(add(reduceSum(mul(x, x), [-1], true), g.scalar(x.dtype, eps))));
}

export interface InfoNceOptions {
  /** Softmax temperature (CARE: 0.1 in stage I, 0.02 in stage II). */
  temperature: number;
  /**
   * Documents per query: docs are laid out [q0 pos, q0 neg 1.. q0 neg G-1, q1 pos, ...]. With 1, the
   * other queries' positives are the only negatives (in-batch).
   */
  groupSize?: number;
  /** Whether the other queries' documents also count as negatives (default true). */
  inBatch?: boolean;
  /**
   * [B, B * G] additive logit bias, 0 where a document counts and a large negative number where it must
   * not (a labelled positive of the query sitting in another query's group is no negative of it).
   */
  mask?: Value;
}

/**
 * InfoNCE: -mean_i log softmax(q_i . d_j / t)[pos(i)] over the candidate documents j. Inputs are used as
 * given (normalise first for cosine similarities). queries [B, D], docs [B * G, D].
 */
export function infoNce(queries: Value, docs: Value, o: InfoNceOptions): Value {
  const g = queries.graph;
  const G = o.groupSize ?? 1;
  const i64 = (v: number): Value => g.scalar("int64", v);
  const scores = div(matmul(queries, transpose(docs, [1, 0])), g.scalar(queries.dtype, o.temperature));
  const rows = range(i64(0), gather(shapeOf(queries), i64(0)), i64(1), queries.shape[0]);
  const cols = range(i64(0), gather(shapeOf(docs), i64(0)), i64(1), docs.shape[0]);
  const rowsG = unsqueeze(mul(rows, i64(G)), [1]); // [B, 1]: each query's positive column
  const colsR = unsqueeze(cols, [0]); // [1, B*G]
  const target = cast(equal(rowsG, colsR), queries.dtype);
  let logits = o.mask ? add(scores, o.mask) : scores;
  if (o.inBatch === false) {
    // Columns of other queries' groups get a large negative score, leaving only the query's own group.
    const own = equal(rowsG, mul(div(colsR, i64(G)), i64(G)));
    logits = where(own, logits, g.scalar(queries.dtype, -1e4));
  }
  const picked = reduceSum(mul(target, logSoftmax(logits, -1)), [1], false);
  return neg(reduceMean(picked, [0], false));
}

/** Mean squared error over every element. */
export function mse(a: Value, b: Value): Value {
  const d = sub(a, b);
  return reduceMean(mul(d, d), [...a.shape.keys()], false);
}

/**
 * Squared distance of [B, D] rows, summed over dimensions and averaged over rows (CARE's released
 * stage-I MSE term: D times `mse`, so its pull does not fade as the width grows).
 */
export function squaredDistance(a: Value, b: Value): Value {
  const d = sub(a, b);
  return reduceMean(reduceSum(mul(d, d), [-1], false), [0], false);
}

/** Mean of 1 - cos(a_i, b_i) over rows. */
export function cosineLoss(a: Value, b: Value): Value {
  const cos = reduceSum(mul(l2Normalize(a), l2Normalize(b)), [-1], false);
  return reduceMean(sub(a.graph.scalar(a.dtype, 1), cos), [0], false);
}

/**
 * Matryoshka: the mean (or weighted mean) of `loss` applied to the first `w` dimensions of the
 * embeddings, for every width w.
 */
export function matryoshka(
  loss: (...cut: Value[]) => Value,
  embeddings: Value[],
  widths: number[],
  weights?: number[],
): Value {
  if (!widths.length) throw new Error("matryoshka: no widths");
  const ws = weights ?? widths.map(() => 1 / widths.length);
  let total: Value | undefined;
  widths.forEach((w, i) => {
    const cut = embeddings.map((e) => slice(e, [-1], [0], [w]));
    const term = mul(loss(...cut), embeddings[0].graph.scalar(embeddings[0].dtype, ws[i]));
    total = total ? add(total, term) : term;
  });
  return total!;
}
