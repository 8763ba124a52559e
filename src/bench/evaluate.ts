import type { BenchModel } from "../core/bench-model.js";
import type { Embedder } from "../core/embedder.js";
import type { Task, TaskType } from "../core/task.js";
import { findTasks, loadTask } from "../tasks/load.js";
import { denseModel } from "./dense-model.js";
import { evaluateTask } from "./evaluators/index.js";
import { loadBenchModel } from "./load-model.js";

export interface EvaluateOptions {
  /** Texts per encoder call for dense models. Default: the dense adapter's. */
  batchSize?: number;
}

/** One task's figures: every metric of its type, and the main one (MTEB's choice for the type). */
export interface TaskScores {
  task: string;
  type: TaskType;
  mainMetric: string;
  mainScore: number;
  scores: Record<string, number>;
  nQueries: number;
}

/**
 * Evaluates a model on tasks, in memory (`runBench` is the resumable, file-writing form behind
 * `care bench`). The model is a spec string (`bm25`, `hf:<dir>`, `care:<q>,<d>`, ...), an Embedder, or
 * a BenchModel; tasks are task folders (or folders holding them, comma-separated) or loaded tasks.
 * A model opened here from a spec is closed again.
 */
export async function evaluate(
  model: string | Embedder | BenchModel,
  tasks: string | (string | Task)[],
  options: EvaluateOptions = {},
): Promise<TaskScores[]> {
  const owned = typeof model === "string";
  const bench =
    typeof model === "string"
      ? await loadBenchModel(model, options)
      : "encodeQueries" in model
        ? denseModel(model, options)
        : model;
  try {
    const given: (string | Task)[] = typeof tasks === "string" ? [tasks] : tasks;
    const list = given.flatMap((t): (string | Task)[] => (typeof t === "string" ? findTasks(t) : [t]));
    const out: TaskScores[] = [];
    for (const entry of list) {
      const task = typeof entry === "string" ? await loadTask(entry) : entry;
      const e = await evaluateTask(task, bench);
      out.push({
        task: task.meta.name,
        type: task.meta.type,
        mainMetric: task.meta.main_score,
        mainScore: e.scores[task.meta.main_score],
        scores: e.scores,
        nQueries: e.nQueries,
      });
    }
    return out;
  } finally {
    if (owned) await bench.close?.();
  }
}
