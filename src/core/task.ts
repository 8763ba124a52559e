import type { Doc } from "./doc.js";
import type { Qrels } from "./qrels.js";

/**
 * The on-disk task folder (BEIR-like, MTEB-compatible). A user drops data in this shape:
 *   task.json                        TaskMeta
 *   retrieval / reranking:  corpus.jsonl ({_id,text,title?}), queries.jsonl ({_id,text}),
 *                           qrels/<split>.tsv (query-id, corpus-id, score; header line)
 *   reranking also:         candidates.jsonl ({"query-id","corpus-ids":[...]})
 *   sts:                    pairs.jsonl ({sentence1,sentence2,score})
 *   clustering:             items.jsonl ({text,label})
 */
export type TaskType = "retrieval" | "reranking" | "sts" | "clustering";

export interface TaskMeta {
  name: string;
  type: TaskType;
  split: string;
  main_score: string;
  query_instruction?: string;
  description?: string;
  source?: string;
  /**
   * The MTEB dataset revision (Hugging Face commit) the folder's data were exported from, where they
   * were: result files then carry it as MTEB's `dataset_revision`, so that a leaderboard can check
   * them against official MTEB results of the same task. Without it they carry the data's content hash.
   */
  dataset_revision?: string;
  /** Languages as MTEB writes them (ISO 639-3 and script, e.g. "cmn-Hans"); default ["cmn-Hans"]. */
  languages?: string[];
  /** STS only: the range of the gold scores, rescaled to [0, 1] before correlation. */
  min_score?: number;
  max_score?: number;
}

export interface Query {
  id: string;
  text: string;
}

export interface RankingData {
  corpus: Doc[];
  queries: Query[];
  qrels: Qrels;
  /** Reranking only: query id → the candidate document ids to score. */
  candidates?: Map<string, string[]>;
}

export interface StsPair {
  sentence1: string;
  sentence2: string;
  score: number;
}

export interface ClusterItem {
  text: string;
  label: string;
}

export type Task =
  | { dir: string; meta: TaskMeta & { type: "retrieval" | "reranking" }; data: RankingData }
  | { dir: string; meta: TaskMeta & { type: "sts" }; pairs: StsPair[] }
  | { dir: string; meta: TaskMeta & { type: "clustering" }; items: ClusterItem[] };

export const DEFAULT_MAIN_SCORE: Record<TaskType, string> = {
  retrieval: "ndcg_at_10",
  reranking: "map_at_1000",
  sts: "cosine_spearman",
  clustering: "v_measure",
};

export type RankingTask = Extract<Task, { data: RankingData }>;
export type StsTask = Extract<Task, { pairs: StsPair[] }>;
export type ClusteringTask = Extract<Task, { items: ClusterItem[] }>;
