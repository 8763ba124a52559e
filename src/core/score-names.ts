import type { TaskType } from "./task.js";

/** The cutoffs MTEB reports for retrieval and reranking. */
export const K_VALUES: readonly number[] = [1, 3, 5, 10, 20, 100, 1000];

/** Every score an evaluator reports for a task type; a task's main_score must be one of them. */
export function scoreNames(type: TaskType): string[] {
  switch (type) {
    case "retrieval":
    case "reranking":
      return ["ndcg", "map", "recall", "precision", "mrr"].flatMap((m) =>
        K_VALUES.map((k) => `${m}_at_${k}`),
      );
    case "sts":
      return ["cosine_pearson", "cosine_spearman"];
    case "clustering":
      return ["v_measure", "v_measure_std"];
  }
}
