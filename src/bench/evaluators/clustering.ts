import type { Progress } from "../../util/progress.js";
import { miniBatchKMeans } from "../cluster/kmeans.js";
import { vMeasure } from "../metrics/v-measure.js";
import type { BenchModel } from "../../core/bench-model.js";
import type { ClusteringTask } from "../../core/task.js";
import { taskHint, type Evaluation } from "./evaluation.js";

/** Fixed seeds, so a model's clustering score is the same on every run. */
export const CLUSTERING_SEEDS: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

/** Clustering: mini-batch k-means with k = number of gold labels, V-measure averaged over the seeds. */
export async function evaluateClustering(
  task: ClusteringTask,
  model: BenchModel,
  progress?: Progress,
): Promise<Evaluation> {
  const { items } = task;
  const vectors = await model.vectors(
    items.map((i) => i.text),
    taskHint(task),
    progress,
  );
  if (vectors.length !== items.length)
    throw new Error(`${model.name} returned ${vectors.length} vectors for ${items.length} texts`);
  const gold = items.map((i) => i.label);
  const k = new Set(gold).size;
  const values = CLUSTERING_SEEDS.map(
    (seed) => vMeasure(gold, Array.from(miniBatchKMeans(vectors, k, { seed }).labels)).v_measure,
  );
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
  return { scores: { v_measure: mean, v_measure_std: std }, nQueries: items.length, nDocs: 0 };
}
