import type { Doc } from "../core/doc.js";
import type { Embedder, TaskHint } from "../core/embedder.js";
import { exactTopK, type PackedRows } from "../store/exact.js";
import type { Progress } from "../util/progress.js";
import type { BenchModel } from "../core/bench-model.js";
import type { Query } from "../core/task.js";

export interface DenseModelOptions {
  /** Texts per encoder call. */
  batchSize?: number;
}

/**
 * A dense embedder as a BenchModel: retrieval scores the whole corpus exactly (blocked inner products
 * with a bounded top-k), reranking takes the cosine of the query with each candidate, and STS and
 * clustering encode with the query side, as MTEB encodes them with the query prompt.
 */
export function denseModel(embedder: Embedder, options: DenseModelOptions = {}): BenchModel {
  const batchSize = Math.max(1, options.batchSize ?? 32);

  async function encode<T>(
    items: readonly T[],
    run: (batch: T[]) => Promise<Float32Array[]>,
    progress?: Progress,
  ): Promise<PackedRows> {
    let data = new Float32Array(0);
    let dim = embedder.dim;
    for (let i = 0; i < items.length; i += batchSize) {
      const batch = items.slice(i, i + batchSize);
      const rows = await run(batch);
      if (rows.length !== batch.length)
        throw new Error(`${embedder.name} returned ${rows.length} vectors for ${batch.length} texts`);
      if (i === 0) {
        dim = rows[0]?.length ?? dim;
        data = new Float32Array(items.length * dim);
      }
      rows.forEach((r, j) => {
        if (r.length !== dim)
          throw new Error(`${embedder.name} returned a ${r.length}-wide vector, expected ${dim}`);
        data.set(r, (i + j) * dim);
      });
      progress?.tick(batch.length);
    }
    return { data, rows: items.length, dim };
  }
  const encodeQueries = (texts: readonly string[], task: TaskHint, progress?: Progress) =>
    encode(texts, (b) => embedder.encodeQueries(b, task), progress);
  const encodeDocs = (docs: readonly Doc[], task: TaskHint, progress?: Progress) =>
    encode(docs, (b) => embedder.encodeCorpus(b, task), progress);

  return {
    name: embedder.name,

    async retrieve(queries: Query[], corpus: Doc[], topK: number, task: TaskHint, progress?: Progress) {
      const q = await encodeQueries(
        queries.map((x) => x.text),
        task,
        progress,
      );
      const c = await encodeDocs(corpus, task, progress);
      return exactTopK(
        q,
        c,
        corpus.map((d) => d.id),
        topK,
      );
    },

    async scoreCandidates(queries: Query[], candidates: Doc[][], task: TaskHint, progress?: Progress) {
      const q = await encodeQueries(
        queries.map((x) => x.text),
        task,
        progress,
      );
      // A document shared by several candidate lists is encoded once.
      const unique = new Map<string, Doc>();
      for (const list of candidates) for (const d of list) if (!unique.has(d.id)) unique.set(d.id, d);
      const docs = [...unique.values()];
      const c = await encodeDocs(docs, task, progress);
      const row = new Map(docs.map((d, i) => [d.id, i]));
      return candidates.map((list, qi) =>
        list.map((d) => cosine(q.data, qi * q.dim, c.data, row.get(d.id)! * c.dim, q.dim)),
      );
    },

    async similarity(a: string[], b: string[], task: TaskHint, progress?: Progress) {
      const x = await encodeQueries(a, task, progress);
      const y = await encodeQueries(b, task, progress);
      return a.map((_, i) => cosine(x.data, i * x.dim, y.data, i * y.dim, x.dim));
    },

    async vectors(texts: string[], task: TaskHint, progress?: Progress) {
      const v = await encodeQueries(texts, task, progress);
      return texts.map((_, i) => v.data.slice(i * v.dim, (i + 1) * v.dim));
    },

    describe: embedder.describe ? () => embedder.describe!() : undefined,
    encoding: embedder.encoding ? (task?: TaskHint) => embedder.encoding!(task) : undefined,
    close: embedder.close ? () => embedder.close!() : undefined,
  };
}

/** Cosine of two packed rows; a zero vector has no direction, so its similarity is 0. */
function cosine(a: Float32Array, ai: number, b: Float32Array, bi: number, dim: number): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let j = 0; j < dim; j++) {
    dot += a[ai + j] * b[bi + j];
    na += a[ai + j] * a[ai + j];
    nb += b[bi + j] * b[bi + j];
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}
