import type { TaskType } from "../core/task.js";

/** What reading a result needs to know of a task its file does not say: type, split, main metric. */
export interface TaskInfo {
  type: TaskType;
  split: string;
  main_metric: string;
}

/**
 * The C-MTEB tasks of the four types care evaluates, as MTEB (≥ 2) defines them, so that official
 * result files of these tasks can be read without their task folders. Reranking's main metric is
 * `map_at_1000` since MTEB 2 scores reranking as retrieval over the candidates; files of older MTEB
 * versions hold `map` instead (scikit-learn's average precision per candidate list), which is not the
 * same number and is never put in the same column.
 */
export const MTEB_TASKS: ReadonlyMap<string, TaskInfo> = new Map<string, TaskInfo>([
  ...[
    "T2Retrieval",
    "MMarcoRetrieval",
    "DuRetrieval",
    "CovidRetrieval",
    "CmedqaRetrieval",
    "EcomRetrieval",
    "MedicalRetrieval",
    "VideoRetrieval",
  ].map((n): [string, TaskInfo] => [n, { type: "retrieval", split: "dev", main_metric: "ndcg_at_10" }]),
  ...(
    [
      ["T2Reranking", "dev"],
      ["MMarcoReranking", "dev"],
      ["CMedQAv1-reranking", "test"],
      ["CMedQAv2-reranking", "test"],
    ] as const
  ).map(([n, split]): [string, TaskInfo] => [n, { type: "reranking", split, main_metric: "map_at_1000" }]),
  ...(
    [
      ["ATEC", "test"],
      ["BQ", "test"],
      ["LCQMC", "test"],
      ["PAWSX", "test"],
      ["STSB", "test"],
      ["AFQMC", "validation"],
      ["QBQTC", "test"],
    ] as const
  ).map(([n, split]): [string, TaskInfo] => [n, { type: "sts", split, main_metric: "cosine_spearman" }]),
  ...[
    "CLSClusteringS2S",
    "CLSClusteringP2P",
    "ThuNewsClusteringS2S",
    "ThuNewsClusteringP2P",
    "CLSClusteringS2S.v2",
    "CLSClusteringP2P.v2",
    "ThuNewsClusteringS2S.v2",
    "ThuNewsClusteringP2P.v2",
  ].map((n): [string, TaskInfo] => [n, { type: "clustering", split: "test", main_metric: "v_measure" }]),
]);
