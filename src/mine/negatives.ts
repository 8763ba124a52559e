import type { Hit } from "../core/bench-model.js";
import { docText, type Doc } from "../core/doc.js";
import { overlapKey } from "../data/splits.js";
import { Progress } from "../util/progress.js";
import {
  positiveIds,
  readCorpus,
  readTrainRows,
  type Candidate,
  type MinedRow,
  type TrainRow,
} from "./records.js";
import { fileIdentity, ResumableJsonl, runChunks } from "./resumable.js";
import { openCorpusRetriever, type CorpusRetriever } from "./retriever.js";

export interface MineNegativesOptions {
  /** Stage-II-shaped rows: query, known positives (texts, and ids in `pos_id` where known). */
  pairs: string;
  /** Corpus JSONL `{"_id","text","title"?}`. */
  corpus: string;
  /** bm25 or a dense model spec. */
  retriever: string;
  topK: number;
  out: string;
  /** Queries per committed chunk: the most a SIGKILL can cost. */
  chunkSize?: number;
  batchSize?: number;
  progress?: boolean;
}

export interface NegativeCounts {
  queries: number;
  /** Candidates written (the retriever's top k less the exclusions). */
  candidates: number;
  /** Top-k documents left out because their id is a known positive's. */
  excluded_by_id: number;
  /** ... because their text is a known positive's (or the query's own), compared by overlapKey. */
  excluded_by_text: number;
  queries_without_candidates: number;
}

/**
 * The candidates of one query: its retriever hits less every known positive, matched by id and by text.
 * Texts compare by overlapKey (NFKC, case, whitespace), since two copies of a positive differing only
 * so are the same positive to a model; the query's own text is excluded too, as a symmetric corpus
 * holds the query itself.
 */
export function excludePositives(
  row: TrainRow,
  hits: readonly Hit[],
  docOf: (id: string) => Doc,
  counts: NegativeCounts,
): Candidate[] {
  const ids = new Set(positiveIds(row));
  const texts = new Set([row.query, ...row.pos].map(overlapKey));
  const out: Candidate[] = [];
  for (const h of hits) {
    if (ids.has(h.id)) {
      counts.excluded_by_id++;
      continue;
    }
    const text = docText(docOf(h.id));
    if (texts.has(overlapKey(text))) {
      counts.excluded_by_text++;
      continue;
    }
    out.push({ id: h.id, text, score: h.score });
  }
  return out;
}

/**
 * `care mine negatives`: for every row of `pairs`, the retriever's top k over `corpus` with the known
 * positives excluded, written as the row plus `candidates`. Queries stream in chunks, each committed
 * to an append-only output, so a rerun after a crash continues where it stopped with identical output.
 */
export async function mineNegatives(o: MineNegativesOptions): Promise<NegativeCounts> {
  const initial: NegativeCounts = {
    queries: 0,
    candidates: 0,
    excluded_by_id: 0,
    excluded_by_text: 0,
    queries_without_candidates: 0,
  };
  const out = ResumableJsonl.open(
    o.out,
    {
      kind: "mine-negatives",
      pairs: fileIdentity(o.pairs),
      corpus: fileIdentity(o.corpus),
      retriever: o.retriever,
      top_k: o.topK,
    },
    initial,
  );
  let retriever: CorpusRetriever | undefined;
  try {
    const corpus = await readCorpus(o.corpus);
    const byId = new Map(corpus.map((d) => [d.id, d]));
    retriever = await openCorpusRetriever(o.retriever, corpus, {
      batchSize: o.batchSize,
      progress: o.progress,
    });
    const progress = o.progress ? new Progress("mining negatives", undefined, "queries") : undefined;
    progress?.tick(out.rowsDone);
    const r = retriever;
    await runChunks(
      readTrainRows(o.pairs),
      out,
      o.chunkSize ?? 512,
      async (chunk) => {
        const hits = await r.search(
          chunk.map(({ row }) => ({ text: row.query, instruction: row.prompt })),
          o.topK,
        );
        chunk.forEach(({ row }, i) => {
          const candidates = excludePositives(row, hits[i], (id) => byId.get(id)!, out.counts);
          out.counts.queries++;
          out.counts.candidates += candidates.length;
          if (candidates.length === 0) out.counts.queries_without_candidates++;
          const mined: MinedRow = { ...row, candidates };
          out.write(mined);
        });
      },
      (n) => progress?.tick(n),
    );
    progress?.finish();
    out.finish();
    return out.counts;
  } finally {
    out.close();
    await retriever?.close();
  }
}
