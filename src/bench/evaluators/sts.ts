import type { Progress } from "../../util/progress.js";
import { pearson, spearman } from "../metrics/correlation.js";
import type { BenchModel } from "../../core/bench-model.js";
import type { StsTask } from "../../core/task.js";
import { taskHint, type Evaluation } from "./evaluation.js";

/**
 * STS: the model's similarity of each pair against the gold score rescaled to [0, 1] (rescaling
 * leaves both correlations unchanged; it keeps the gold scale of every task alike, as C-MTEB does).
 */
export async function evaluateSts(
  task: StsTask,
  model: BenchModel,
  progress?: Progress,
): Promise<Evaluation> {
  const { pairs, meta } = task;
  const sims = await model.similarity(
    pairs.map((p) => p.sentence1),
    pairs.map((p) => p.sentence2),
    taskHint(task),
    progress,
  );
  if (sims.length !== pairs.length)
    throw new Error(`${model.name} returned ${sims.length} similarities for ${pairs.length} pairs`);
  const range = meta.max_score! - meta.min_score!;
  const gold = pairs.map((p) => (p.score - meta.min_score!) / range);
  return {
    scores: { cosine_pearson: pearson(gold, sims), cosine_spearman: spearman(gold, sims) },
    nQueries: pairs.length,
    nDocs: 0,
  };
}
