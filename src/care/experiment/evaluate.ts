/**
 * One model on one task, kept at the level the bootstrap resamples: the score of every query (ranking
 * tasks: the task's main metric per query, whose mean is the evaluator's figure) or the model's
 * similarity of every pair (STS: both correlations are recomputed on each draw). Rankings are kept too,
 * so that a fused (hybrid) model can be scored from them without encoding anything again.
 */
import type { BenchModel, Hit } from "../../core/bench-model.js";
import type { Qrels } from "../../core/qrels.js";
import type { Task, TaskType } from "../../core/task.js";
import { evaluateTask } from "../../bench/evaluators/index.js";
import { taskHint } from "../../bench/evaluators/evaluation.js";
import { pearson, rankingScores, spearman } from "../../bench/metrics/index.js";

export interface TaskRecord {
  task: string;
  type: TaskType;
  /** The figure this experiment reports for the task (STS: cosine Pearson, the paper's). */
  metric: string;
  /** That figure, 0..1 (null: undefined, e.g. a constant similarity). */
  score: number | null;
  /** Ranking tasks: query ids and each one's metric, in qrels order. */
  queries?: string[];
  perQuery?: number[];
  /** STS: gold scores (rescaled to 0..1) and the model's similarities, pair by pair; and Spearman. */
  gold?: number[];
  sims?: number[];
  spearman?: number | null;
}

/** A ranking per evaluated query, as the hybrid model fuses them. */
export type Rankings = Record<string, Hit[]>;

/** Per-query values of a ranking metric (e.g. ndcg_at_10) over the queries with a relevant document. */
export function perQueryScores(
  run: ReadonlyMap<string, readonly Hit[]>,
  qrels: Qrels,
  metric: string,
): { queries: string[]; values: number[] } {
  const k = Number(/_at_(\d+)$/.exec(metric)?.[1]);
  if (!Number.isInteger(k)) throw new Error(`not a ranking metric at a cut-off: ${metric}`);
  const { queries } = rankingScores(run, qrels, [k]);
  const values = queries.map((q) => rankingScores(run, new Map([[q, qrels.get(q)!]]), [k]).scores[metric]);
  return { queries, values };
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** A ranking task's record from a run and its judgments. */
export function rankingRecord(
  task: Task,
  run: ReadonlyMap<string, readonly Hit[]>,
  qrels: Qrels,
): TaskRecord {
  const metric = task.meta.main_score;
  const { queries, values } = perQueryScores(run, qrels, metric);
  const score = values.reduce((s, v) => s + v, 0) / values.length;
  return { task: task.meta.name, type: task.meta.type, metric, score, queries, perQuery: values };
}

/** STS: the record of a model's similarities against the task's gold scores. */
export function stsRecord(task: Task, sims: number[]): TaskRecord {
  if (!("pairs" in task)) throw new Error(`${task.meta.name} is not an STS task`);
  const { min_score, max_score } = task.meta;
  const gold = task.pairs.map((p) => (p.score - min_score!) / (max_score! - min_score!));
  return {
    task: task.meta.name,
    type: "sts",
    metric: "cosine_pearson",
    score: finite(pearson(gold, sims)),
    spearman: finite(spearman(gold, sims)),
    gold,
    sims,
  };
}

export interface Evaluated {
  record: TaskRecord;
  /** Ranking tasks only. */
  rankings?: Rankings;
}

export async function evaluateForExperiment(task: Task, model: BenchModel): Promise<Evaluated> {
  if ("pairs" in task) {
    const sims = await model.similarity(
      task.pairs.map((p) => p.sentence1),
      task.pairs.map((p) => p.sentence2),
      taskHint(task),
    );
    return { record: stsRecord(task, sims) };
  }
  const e = await evaluateTask(task, model);
  if (!e.run || !e.qrels) {
    const metric = task.meta.main_score;
    return {
      record: { task: task.meta.name, type: task.meta.type, metric, score: finite(e.scores[metric]) },
    };
  }
  const record = rankingRecord(task, e.run, e.qrels);
  // The per-query mean is the evaluator's figure; a difference would mean the two disagree on queries.
  const reported = e.scores[record.metric];
  if (Math.abs(reported - record.score!) > 1e-9)
    throw new Error(`${task.meta.name}: per-query mean ${record.score} differs from ${reported}`);
  return { record, rankings: Object.fromEntries(e.run) };
}
