import type { BenchModel, Hit, ProgressSink } from "../core/bench-model.js";
import type { Doc } from "../core/doc.js";
import type { TaskHint } from "../core/embedder.js";
import { DEFAULT_FUSION, hybridPrefix, type Fusion } from "../core/spec.js";
import type { Query } from "../core/task.js";
import { Bm25Search } from "../lexical/bm25-search.js";
import { createBm25Model } from "../lexical/bm25.js";
import { fuseRankings } from "../lexical/fusion.js";

/**
 * BM25 and a dense model as one search model: retrieval and reranking fuse the two rankings; STS and
 * clustering, which rank nothing, are the dense model's alone.
 *
 * BM25 ranks only the documents that share a term with the query (a list padded with score-0 documents
 * would vote for documents in arbitrary order); the dense model ranks `topK` of the whole corpus. The
 * fused list is cut to `topK`. Progress ticks follow the dense model, the part that costs time.
 */
export function hybridModel(dense: BenchModel, fusion: Fusion = DEFAULT_FUSION): BenchModel {
  const lexical = createBm25Model();
  return {
    name: `${hybridPrefix(fusion)}:${dense.name}`,

    async retrieve(queries: Query[], corpus: Doc[], topK: number, task: TaskHint, progress?: ProgressSink) {
      const byDense = await dense.retrieve(queries, corpus, topK, task, progress);
      const search = Bm25Search.build(corpus);
      return queries.map((q, i) =>
        fuseRankings(search.search(q.text, topK, false), byDense[i], fusion).slice(0, topK),
      );
    },

    async scoreCandidates(queries: Query[], candidates: Doc[][], task: TaskHint, progress?: ProgressSink) {
      const byDense = await dense.scoreCandidates(queries, candidates, task, progress);
      const byLexical = await lexical.scoreCandidates(queries, candidates, task);
      return candidates.map((list, qi) => {
        const asHits = (scores: number[], keep: (s: number) => boolean): Hit[] =>
          list
            .flatMap((_, j) => (keep(scores[j]) ? [{ id: String(j), score: scores[j] }] : []))
            .sort(byScore);
        const fused = fuseRankings(
          asHits(byLexical[qi], (s) => s > 0),
          asHits(byDense[qi], () => true),
          fusion,
        );
        const score = new Map(fused.map((h) => [h.id, h.score]));
        return list.map((_, j) => score.get(String(j)) ?? 0);
      });
    },

    similarity: (a, b, task, progress) => dense.similarity(a, b, task, progress),
    vectors: (texts, task, progress) => dense.vectors(texts, task, progress),
    close: dense.close ? () => dense.close!() : undefined,
  };
}

/** Best first; equal scores keep the candidates' order, so a tie ranks the earlier candidate higher. */
function byScore(a: Hit, b: Hit): number {
  return b.score - a.score;
}
