/**
 * From per-seed task records to the experiment's figures: each model's score per task (the mean over
 * seeds) with a 95% bootstrap interval over queries, the headline mean over the tasks that can separate
 * models with its interval, the retrieval / reranking / STS means, and the tasks left out of the
 * headline with the reason. Pure: the report and summary.json are written from what this returns.
 */
import { pearson } from "../../bench/metrics/index.js";
import type { TaskType } from "../../core/task.js";
import { bootstrap, type BootstrapSample } from "./bootstrap.js";
import type { TaskRecord } from "./evaluate.js";

/** The types the headline mean covers, as the paper reports CARE. */
export const HEADLINE_TYPES: readonly TaskType[] = ["retrieval", "reranking", "sts"];

/** A task where a random encoder scores within this many points of the best model cannot rank models. */
export const SEPARATION_MARGIN = 3;

export interface ModelRuns {
  name: string;
  /** Seeds, and for each the records of every task (same task order for every seed and model). */
  seeds: number[];
  records: TaskRecord[][];
}

export interface TaskFigure {
  task: string;
  type: TaskType;
  metric: string;
  /** Points (×100), mean over seeds; null where a seed's score is undefined. */
  score: number | null;
  ci95: [number, number] | null;
  perSeed: (number | null)[];
  /** STS: Spearman beside the Pearson score. */
  spearman?: number | null;
}

export interface ModelFigures {
  name: string;
  seeds: number[];
  tasks: TaskFigure[];
  /** Headline: mean over the headline tasks, its interval, and each seed's mean. */
  mean: number | null;
  ci95: [number, number] | null;
  seedMeans: (number | null)[];
  byType: Record<"retrieval" | "reranking" | "sts", number | null>;
}

export interface Exclusion {
  task: string;
  reason: string;
}

export interface Aggregated {
  models: ModelFigures[];
  headlineTasks: string[];
  excluded: Exclusion[];
  /** The random reference's score per task (points). */
  random: Record<string, number | null>;
}

const pts = (v: number | null | undefined): number | null =>
  v === null || v === undefined || !Number.isFinite(v) ? null : 100 * v;

function meanOrNull(xs: readonly (number | null)[]): number | null {
  if (!xs.length || xs.some((x) => x === null)) return null;
  return (xs as number[]).reduce((s, x) => s + x, 0) / xs.length;
}

/** The bootstrap sample of one task over all of a model's seeds (null when it has no units). */
function taskSample(perSeed: readonly TaskRecord[]): BootstrapSample | null {
  const first = perSeed[0];
  if (first.perQuery) {
    const n = first.perQuery.length;
    const avg = new Float64Array(n);
    for (const r of perSeed) r.perQuery!.forEach((v, i) => (avg[i] += v / perSeed.length));
    return {
      n,
      stat: (d) => {
        let s = 0;
        for (let i = 0; i < d.length; i++) s += avg[d[i]];
        return (100 * s) / d.length;
      },
    };
  }
  if (first.gold && first.sims) {
    const gold = first.gold;
    return {
      n: gold.length,
      stat: (d) => {
        const g = Array.from(d, (i) => gold[i]);
        const per = perSeed.map((r) =>
          pearson(
            g,
            Array.from(d, (i) => r.sims![i]),
          ),
        );
        return (100 * per.reduce((s, v) => s + v, 0)) / per.length;
      },
    };
  }
  return null;
}

export interface AggregateOptions {
  replicates: number;
  seed: number;
}

/**
 * `random`: the records of an untrained encoder, the reference for which tasks can separate models.
 * Tasks outside HEADLINE_TYPES, and tasks where the random encoder comes within SEPARATION_MARGIN
 * points of the best model, are shown but left out of the headline mean.
 */
export function aggregate(
  runs: readonly ModelRuns[],
  random: readonly TaskRecord[],
  o: AggregateOptions,
): Aggregated {
  if (!runs.length) throw new Error("aggregate: no models");
  const taskOrder = runs[0].records[0].map((r) => r.task);
  const figures = runs.map((m) =>
    taskOrder.map((task, t): TaskFigure => {
      const perSeedRecords = m.records.map((rs) => {
        if (rs[t]?.task !== task) throw new Error(`${m.name}: records out of task order at ${task}`);
        return rs[t];
      });
      const perSeed = perSeedRecords.map((r) => pts(r.score));
      const score = meanOrNull(perSeed);
      const sample = score === null ? null : taskSample(perSeedRecords);
      const ci = sample ? bootstrap([sample], { replicates: o.replicates, seed: o.seed + t }).ci : null;
      const first = perSeedRecords[0];
      return {
        task,
        type: first.type,
        metric: first.metric,
        score,
        ci95: ci,
        perSeed,
        ...(first.type === "sts"
          ? { spearman: meanOrNull(perSeedRecords.map((r) => pts(r.spearman ?? null))) }
          : {}),
      };
    }),
  );
  const randomScores = Object.fromEntries(random.map((r) => [r.task, pts(r.score)]));
  const excluded: Exclusion[] = [];
  const headlineTasks: string[] = [];
  taskOrder.forEach((task, t) => {
    const type = figures[0][t].type;
    if (!HEADLINE_TYPES.includes(type)) {
      excluded.push({
        task,
        reason: `${type} is not among the headline types (${HEADLINE_TYPES.join(", ")})`,
      });
      return;
    }
    let best = -Infinity;
    let bestName = "";
    figures.forEach((f, m) => {
      const s = f[t].score;
      if (s !== null && s > best) [best, bestName] = [s, runs[m].name];
    });
    const r = randomScores[task];
    if (r !== undefined && r !== null && r >= best - SEPARATION_MARGIN) {
      excluded.push({
        task,
        reason: `a random encoder scores ${r.toFixed(2)}, within ${SEPARATION_MARGIN} points of the best model (${bestName}, ${best.toFixed(2)})`,
      });
      return;
    }
    headlineTasks.push(task);
  });
  const inHeadline = (f: TaskFigure) => headlineTasks.includes(f.task);
  const models = runs.map((m, i): ModelFigures => {
    const tasks = figures[i];
    const head = tasks.filter(inHeadline);
    const samples = m.seeds.length
      ? head.map((f) => taskSample(m.records.map((rs) => rs[taskOrder.indexOf(f.task)])))
      : [];
    const mean = meanOrNull(head.map((f) => f.score));
    const ci =
      mean !== null && head.length && samples.every((s) => s !== null)
        ? bootstrap(samples as BootstrapSample[], { replicates: o.replicates, seed: o.seed + 7919 }).ci
        : null;
    const seedMeans = m.seeds.map((_, s) => meanOrNull(head.map((f) => f.perSeed[s])));
    const typeMean = (type: TaskType) => {
      const xs = head.filter((f) => f.type === type);
      return xs.length ? meanOrNull(xs.map((f) => f.score)) : null;
    };
    return {
      name: m.name,
      seeds: m.seeds,
      tasks,
      mean,
      ci95: ci,
      seedMeans,
      byType: { retrieval: typeMean("retrieval"), reranking: typeMean("reranking"), sts: typeMean("sts") },
    };
  });
  return { models, headlineTasks, excluded, random: randomScores };
}
