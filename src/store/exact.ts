import type { Hit } from "../core/bench-model.js";
import { TopK } from "./top-k.js";

/** Rows packed one after another: row i is data[i*dim .. (i+1)*dim). */
export interface PackedRows {
  data: Float32Array;
  rows: number;
  dim: number;
}

export type Rows = readonly Float32Array[] | PackedRows;

export interface ExactTopKOptions {
  /** Queries scored together against one corpus block. */
  queryBlock?: number;
  /** Corpus rows copied into one contiguous block; bounds the working set to queryBlock × corpusBlock. */
  corpusBlock?: number;
  /** Called after each corpus block with the number of corpus rows done for the current query block. */
  onProgress?: (queriesDone: number, corpusDone: number) => void;
}

export function packRows(rows: Rows): PackedRows {
  if (!Array.isArray(rows)) return rows as PackedRows;
  const list = rows as readonly Float32Array[];
  const dim = list.length ? list[0].length : 0;
  const data = new Float32Array(list.length * dim);
  list.forEach((r, i) => {
    if (r.length !== dim) throw new Error(`row ${i} has ${r.length} dimensions, expected ${dim}`);
    data.set(r, i * dim);
  });
  return { data, rows: list.length, dim };
}

/**
 * Exact inner-product top-k of every query over the whole corpus (cosine for normalised rows). The
 * corpus is scanned in blocks against blocks of queries so no full score matrix is ever held: memory
 * is the blocks plus one bounded heap of k entries per query. Ties rank the larger document id first
 * (trec_eval's order), so the result equals a full sort of all scores. Each score is summed over the
 * dimensions in order in double precision, identical to a brute-force loop.
 */
export function exactTopK(
  queries: Rows,
  corpus: Rows,
  ids: readonly string[],
  k: number,
  options: ExactTopKOptions = {},
): Hit[][] {
  const q = packRows(queries);
  const c = packRows(corpus);
  if (ids.length !== c.rows) throw new Error(`exactTopK: ${ids.length} ids for ${c.rows} corpus rows`);
  if (q.rows > 0 && c.rows > 0 && q.dim !== c.dim)
    throw new Error(`exactTopK: query dimension ${q.dim} differs from corpus dimension ${c.dim}`);
  const dim = c.dim;
  const keep = Math.min(k, c.rows);
  const qBlock = Math.max(1, options.queryBlock ?? 256);
  const cBlock = Math.max(1, options.corpusBlock ?? 4096);
  const results: Hit[][] = [];
  for (let q0 = 0; q0 < q.rows; q0 += qBlock) {
    const q1 = Math.min(q0 + qBlock, q.rows);
    const heaps = Array.from({ length: q1 - q0 }, () => new TopK(keep, ids));
    for (let c0 = 0; c0 < c.rows; c0 += cBlock) {
      const c1 = Math.min(c0 + cBlock, c.rows);
      const block = c.data.subarray(c0 * dim, c1 * dim);
      for (let qi = q0; qi < q1; qi++) {
        const qv = q.data.subarray(qi * dim, (qi + 1) * dim);
        const heap = heaps[qi - q0];
        const rows = c1 - c0;
        let r = 0;
        // Four corpus rows per pass share each load of the query; every score still sums its own
        // products in dimension order, so it is bit-identical to a one-row loop.
        for (; r + 4 <= rows; r += 4) {
          const o0 = r * dim;
          const o1 = o0 + dim;
          const o2 = o1 + dim;
          const o3 = o2 + dim;
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          for (let j = 0; j < dim; j++) {
            const x = qv[j];
            s0 += x * block[o0 + j];
            s1 += x * block[o1 + j];
            s2 += x * block[o2 + j];
            s3 += x * block[o3 + j];
          }
          heap.offer(c0 + r, s0);
          heap.offer(c0 + r + 1, s1);
          heap.offer(c0 + r + 2, s2);
          heap.offer(c0 + r + 3, s3);
        }
        for (; r < rows; r++) {
          const off = r * dim;
          let s = 0;
          for (let j = 0; j < dim; j++) s += qv[j] * block[off + j];
          heap.offer(c0 + r, s);
        }
      }
      options.onProgress?.(q1, c1);
    }
    for (const h of heaps) results.push(h.sorted());
  }
  return results;
}
