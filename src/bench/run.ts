import { existsSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import { CareError } from "../core/errors.js";
import { Progress } from "../util/progress.js";
import { evaluateTask } from "./evaluators/index.js";
import { textsToProcess } from "./evaluators/evaluation.js";
import { loadTask, loadTaskMeta } from "../tasks/load.js";
import type { BenchModel } from "../core/bench-model.js";
import { modelSlug, readResult, resultPath, type TaskResult } from "./result.js";
import { formatRun, formatTrecQrels } from "./trec-files.js";

export interface RunBenchOptions {
  model: BenchModel;
  /** Task folders (see findTasks). */
  tasks: string[];
  /** Results folder: `<out>/<model-slug>/<task>.json`. */
  out: string;
  /** Also write `<task>.run` and `<task>.qrels` in TREC format for ranking tasks. */
  saveRun?: boolean;
  /** Re-evaluate tasks whose result already exists (otherwise they are kept: resume). */
  overwrite?: boolean;
  /** Status lines (skips, files written, warnings); stderr by default, silent with CARE_QUIET=1. */
  log?: (line: string) => void;
}

export interface BenchOutcome {
  result: TaskResult;
  /** True when the result was already on disk and the task was not re-evaluated. */
  resumed: boolean;
  file: string;
}

/**
 * Evaluates one model on each task folder in turn, with a progress bar per task, writing one result
 * JSON per task atomically, last, so that an existing result always means a finished task and an
 * interrupted run resumes where it stopped.
 */
export async function runBench(options: RunBenchOptions): Promise<BenchOutcome[]> {
  const { model, out } = options;
  const log =
    options.log ?? ((line: string) => process.env.CARE_QUIET !== "1" && process.stderr.write(`${line}\n`));
  const metas = options.tasks.map((dir) => ({ dir, meta: loadTaskMeta(dir) }));
  const seen = new Map<string, string>();
  for (const { dir, meta } of metas) {
    const other = seen.get(meta.name);
    if (other) throw new CareError(`task name "${meta.name}" is used by both ${other} and ${dir}`);
    seen.set(meta.name, dir);
  }
  const slug = modelSlug(model.name);
  const outcomes: BenchOutcome[] = [];
  for (const { dir, meta } of metas) {
    const file = resultPath(out, model.name, meta.name);
    const ranking = meta.type === "retrieval" || meta.type === "reranking";
    const runFile = join(out, slug, `${meta.name}.run`);
    const existing = options.overwrite ? undefined : readResult(file);
    if (existing && !(options.saveRun && ranking && !existsSync(runFile))) {
      log(`${meta.name}: result exists (${file}); skipped (--overwrite re-evaluates)`);
      outcomes.push({ result: existing, resumed: true, file });
      continue;
    }
    const task = await loadTask(dir);
    const progress = new Progress(`${meta.name} [${model.name}]`, textsToProcess(task), "texts");
    const start = performance.now();
    const evaluation = await evaluateTask(task, model, progress);
    const duration = (performance.now() - start) / 1000;
    progress.finish();
    const empty = evaluation.emptyRankings ?? [];
    if (empty.length > 0)
      log(
        `${meta.name}: warning: ${model.name} ranked no document for ${empty.length} of ${evaluation.nQueries} queries (e.g. "${empty[0]}"); they score 0, which trec_eval reproduces only with -c`,
      );
    if (options.saveRun && evaluation.run && evaluation.qrels) {
      writeFileAtomic(runFile, formatRun(evaluation.run, slug));
      writeFileAtomic(join(out, slug, `${meta.name}.qrels`), formatTrecQrels(evaluation.qrels));
      log(`${meta.name}: run written to ${runFile}`);
    }
    const scores = Object.fromEntries(
      Object.entries(evaluation.scores).map(([k, v]) => [k, Number.isFinite(v) ? v : null]),
    );
    const result: TaskResult = {
      task: meta.name,
      model: model.name,
      split: meta.split,
      type: meta.type,
      main_metric: meta.main_score,
      scores,
      main_score: scores[meta.main_score] ?? null,
      n_queries: evaluation.nQueries,
      n_docs: evaluation.nDocs,
      duration_s: Math.round(duration * 1000) / 1000,
      evaluated_at: new Date().toISOString(),
    };
    writeFileAtomic(file, JSON.stringify(result, null, 2) + "\n");
    outcomes.push({ result, resumed: false, file });
  }
  return outcomes;
}
