import type { Progress } from "../../util/progress.js";
import type { BenchModel } from "../../core/bench-model.js";
import type { Task } from "../../core/task.js";
import { evaluateClustering } from "./clustering.js";
import type { Evaluation } from "./evaluation.js";
import { evaluateReranking } from "./reranking.js";
import { evaluateRetrieval } from "./retrieval.js";
import { evaluateSts } from "./sts.js";

/** Runs the evaluator of the task's type. */
export function evaluateTask(task: Task, model: BenchModel, progress?: Progress): Promise<Evaluation> {
  if ("data" in task)
    return task.meta.type === "reranking"
      ? evaluateReranking(task, model, progress)
      : evaluateRetrieval(task, model, progress);
  if ("pairs" in task) return evaluateSts(task, model, progress);
  return evaluateClustering(task, model, progress);
}
