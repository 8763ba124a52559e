import { docText, type Doc } from "../core/doc.js";
import { type TaskHint } from "../core/embedder.js";
import type { BenchModel } from "../core/bench-model.js";
import type { Task } from "../core/task.js";
import { Progress } from "../util/progress.js";
import { makePair, type Pair } from "./pair.js";

/** The source name of labelled positives in a pair's `sources`. */
export const QRELS_SOURCE = "qrels";

export interface PoolCounts {
  task: string;
  queries: number;
  pairs: number;
  /** Pairs each retriever contributed (a pair found by two counts for both). */
  by_source: Record<string, number>;
  labelled: number;
  /** Labelled positives that no retriever ranked in its top k: how far the pool's recall falls short. */
  labelled_missed_by_retrievers: number;
}

export interface NamedRetriever {
  /** The spec string, recorded in each pair's `sources`. */
  spec: string;
  model: BenchModel;
}

/**
 * The candidate pool of one ranking task: per query, the union of every retriever's top k and every
 * labelled positive (qrels ≥ 1), deduplicated, in a fixed order (retrievers in the order given, each in
 * rank order, then the labelled positives no retriever found). Every pair says which sources found it
 * and whether the task labels it relevant, which the false-negative audit needs.
 */
export async function poolRankingTask(
  task: Extract<Task, { data: unknown }>,
  retrievers: readonly NamedRetriever[],
  topK: number,
  emit: (p: Pair) => void,
): Promise<PoolCounts> {
  const { meta, data } = task;
  const hint: TaskHint = { name: meta.name, type: meta.type, queryInstruction: meta.query_instruction };
  const docs = new Map<string, Doc>(data.corpus.map((d) => [d.id, d]));
  // query index → doc id → sources, insertion-ordered
  const pooled = data.queries.map(() => new Map<string, string[]>());
  const counts: PoolCounts = {
    task: meta.name,
    queries: data.queries.length,
    pairs: 0,
    by_source: {},
    labelled: 0,
    labelled_missed_by_retrievers: 0,
  };
  for (const r of retrievers) {
    const progress = new Progress(
      `pool ${meta.name} · ${r.spec}`,
      data.queries.length + data.corpus.length,
      "texts",
    );
    const hits = await r.model.retrieve(data.queries, data.corpus, topK, hint, progress);
    progress.finish();
    hits.forEach((list, qi) => {
      for (const h of list.slice(0, topK)) {
        const sources = pooled[qi].get(h.id) ?? [];
        if (!sources.includes(r.spec)) sources.push(r.spec);
        pooled[qi].set(h.id, sources);
      }
    });
  }
  data.queries.forEach((q, qi) => {
    const labelled = new Set(
      [...(data.qrels.get(q.id) ?? new Map<string, number>())].filter(([, s]) => s >= 1).map(([id]) => id),
    );
    for (const id of labelled) {
      const sources = pooled[qi].get(id);
      if (sources) sources.push(QRELS_SOURCE);
      else {
        counts.labelled_missed_by_retrievers++;
        pooled[qi].set(id, [QRELS_SOURCE]);
      }
    }
    for (const [docId, sources] of pooled[qi]) {
      const doc = docs.get(docId);
      // Retrievers return corpus ids and the loader validated the qrels, so this only guards the invariant.
      if (!doc) throw new Error(`pool: document ${docId} is not in the corpus of ${meta.name}`);
      for (const s of sources) counts.by_source[s] = (counts.by_source[s] ?? 0) + 1;
      if (labelled.has(docId)) counts.labelled++;
      counts.pairs++;
      emit(
        makePair({
          task: meta.name,
          query_id: q.id,
          doc_id: docId,
          query: q.text,
          doc: docText(doc),
          sources,
          labelled: labelled.has(docId),
        }),
      );
    }
  });
  return counts;
}

/**
 * An STS task has no pool to draw: its pairs are the candidates. Ids are the pair's line position
 * (s1, s2, ...), stable as long as the file is.
 */
export function poolStsTask(task: Extract<Task, { pairs: unknown }>, emit: (p: Pair) => void): PoolCounts {
  task.pairs.forEach((p, i) =>
    emit(
      makePair({
        task: task.meta.name,
        query_id: `s${i + 1}`,
        doc_id: `s${i + 1}`,
        query: p.sentence1,
        doc: p.sentence2,
        sources: ["sts"],
      }),
    ),
  );
  return {
    task: task.meta.name,
    queries: task.pairs.length,
    pairs: task.pairs.length,
    by_source: { sts: task.pairs.length },
    labelled: 0,
    labelled_missed_by_retrievers: 0,
  };
}
