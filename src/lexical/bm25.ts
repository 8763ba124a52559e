import type { BenchModel, Hit } from "../core/bench-model.js";
import type { Query } from "../core/task.js";
import { docText, type Doc } from "../core/doc.js";
import type { Progress } from "../util/progress.js";
import { BM25_DEFAULTS, Bm25Scorer, type Bm25Params } from "./bm25-scorer.js";
import { Bm25Search } from "./bm25-search.js";
import { InvertedIndex } from "./inverted-index.js";
import { sparseDot, TfIdf } from "./tfidf.js";
import { tokenize } from "./tokenize.js";

function tokenizeAll(texts: string[], progress?: Progress): string[][] {
  return texts.map((t) => {
    const tokens = tokenize(t);
    progress?.tick();
    return tokens;
  });
}

/**
 * The lexical baseline as a search model of its own (as MTEB runs BM25): BM25 on jieba terms for
 * retrieval and reranking, TF-IDF cosine for STS and clustering. Documents are title and text joined.
 *
 * retrieve returns the top k of the whole corpus, best first, documents sharing no term with the query
 * at score 0; scoreCandidates gives non-matching candidates 0. Scores are exact and
 * ties are left to the evaluator's order.
 */
export function createBm25Model(params: Partial<Bm25Params> = {}): BenchModel {
  const p: Bm25Params = { ...BM25_DEFAULTS, ...params };
  return {
    name: p.k1 === BM25_DEFAULTS.k1 && p.b === BM25_DEFAULTS.b ? "bm25" : `bm25(k1=${p.k1},b=${p.b})`,

    async retrieve(
      queries: Query[],
      corpus: Doc[],
      topK: number,
      _task,
      progress?: Progress,
    ): Promise<Hit[][]> {
      const search = Bm25Search.build(corpus, p, progress);
      return queries.map((q) => {
        const hits = search.search(q.text, topK, true);
        progress?.tick();
        return hits;
      });
    },

    async scoreCandidates(
      queries: Query[],
      candidates: Doc[][],
      _task,
      progress?: Progress,
    ): Promise<number[][]> {
      // The candidates of all queries, each document once, are the collection BM25 takes its statistics
      // from: the task's corpus as far as this task can see it.
      const position = new Map<string, number>();
      const docs: Doc[] = [];
      for (const list of candidates)
        for (const d of list)
          if (!position.has(d.id)) {
            position.set(d.id, docs.length);
            docs.push(d);
          }
      const scorer = new Bm25Scorer(InvertedIndex.build(tokenizeAll(docs.map(docText), progress)), p);
      const scores = new Float64Array(docs.length);
      return queries.map((q, i) => {
        const matched: number[] = [];
        scorer.forEachMatch(tokenize(q.text), (d, s) => {
          scores[d] = s;
          matched.push(d);
        });
        const row = candidates[i].map((d) => scores[position.get(d.id)!]);
        for (const d of matched) scores[d] = 0;
        progress?.tick();
        return row;
      });
    },

    async similarity(a: string[], b: string[], _task, progress?: Progress): Promise<number[]> {
      if (a.length !== b.length)
        throw new Error(`similarity: ${a.length} first sentences, ${b.length} second`);
      const model = TfIdf.fit(tokenizeAll([...a, ...b], progress));
      return a.map((_, i) => sparseDot(model.sparse(i), model.sparse(a.length + i)));
    },

    async vectors(texts: string[], _task, progress?: Progress): Promise<Float32Array[]> {
      const model = TfIdf.fit(tokenizeAll(texts, progress));
      return texts.map((_, i) => model.dense(i));
    },
  };
}
