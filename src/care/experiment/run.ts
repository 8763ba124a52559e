/**
 * The small-scale CARE experiment, end to end on the public data, through the library: build
 * CMedTEB-lite and the training sets; for every seed, train a Qwen-shaped document encoder (sym-large,
 * Matryoshka-trained) and a BERT-shaped encoder (sym-small) from random weights, and the BERT-shaped
 * query encoder as CARE four ways against sym-large (stage I; stage II; stage I then II; stage I then
 * II with the document side frozen), every model with the same number of optimizer updates; evaluate
 * each with BM25, the hybrid (BM25 fused with CARE stage I+II) and a random reference on every task,
 * keeping per-query scores; time query encoding at two lengths; and aggregate.
 *
 * Resumable: trained folders whose training record matches the settings are kept, a killed training
 * run resumes from its last checkpoint, and each (model, seed) evaluation is kept once written.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import type { Hit } from "../../core/bench-model.js";
import type { Doc } from "../../core/doc.js";
import { CareError } from "../../core/errors.js";
import type { Task } from "../../core/task.js";
import { taskHint } from "../../bench/evaluators/evaluation.js";
import { fuseRankings } from "../../lexical/fusion.js";
import { DEFAULT_FUSION } from "../../core/spec.js";
import { trecOrder } from "../../util/hit-order.js";
import { denseModel } from "../../bench/dense-model.js";
import { loadBenchModel } from "../../bench/load-model.js";
import { loadEmbedder } from "../../embed/load.js";
import { Bm25Search } from "../../lexical/bm25-search.js";
import { findTasks, loadTask, loadTaskMeta } from "../../tasks/load.js";
import { writeFileAtomic } from "../../util/atomic.js";
import { formatSeconds } from "../../util/progress.js";
import { trained } from "../finished-run.js";
import { aggregate, type Aggregated, type ModelRuns } from "./aggregate.js";
import { runFolder, type ExperimentConfig } from "./config.js";
import { loadDevTask } from "./dev-split.js";
import { evaluationStamp, readJson } from "./records.js";
import { initModels as initModelsOf, prepareData } from "./prepare.js";
import { stage1Recipe, stage2Recipe, symmetricRecipe, type Recipe } from "./recipes.js";
import { evaluateForExperiment, rankingRecord, type Rankings, type TaskRecord } from "./evaluate.js";
import { percentile, queryLatencies, type Latency } from "./latency.js";
import { memoCorpus } from "./memo-corpus.js";

/** The compared models, in report order. */
export const MODEL_NAMES = [
  "bm25",
  "sym-small",
  "sym-large",
  "care-stage1",
  "care-stage2",
  "care-stage1+2",
  "care-stage1+2-frozen-doc",
  "hybrid",
] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** The CARE pair the hybrid fuses with BM25: the full recipe, named before any result is seen. */
export const HYBRID_DENSE: ModelName = "care-stage1+2";

export function instructionPolicy(c: ExperimentConfig): string {
  return `none: queries are encoded bare (no task instruction) in every training run (stage I, stage II, symmetric) and every evaluation, and every model reads queries cut to ${c.queryMaxLength} tokens`;
}

export interface ExperimentOptions {
  config: ExperimentConfig;
  /** The data folder (../shared/data layout). */
  data: string;
  /** Scratch folder for the suite, training sets, checkpoints, rankings and records (resume state). */
  work: string;
  log?: (line: string) => void;
}

export interface TrainingRun {
  /** A compared model, "stage1-half" (the stage-I half of the I+II models) or "dev-lr<lr>". */
  model: string;
  seed: number;
  /** Optimizer updates of this run alone, and its share of the model's updates. */
  steps: number;
  seconds: number;
  /** Mean wall time of a step, from the run's loss log (the sizing check). */
  msPerStep: number | null;
  skipped: boolean;
}

export interface ModelLatency {
  /** Query encoder folder timed (first seed), or what the figure is made of. */
  source: string;
  /** p50 / p90 at each query length (tokens). */
  byLength: Record<string, Latency>;
}

export interface ExperimentResult {
  config: ExperimentConfig;
  aggregated: Aggregated;
  /** Per (model, seed): the main score of each task (0..1), what the per-run files hold. */
  runs: { model: ModelName; seed: number; scores: Record<string, number | null> }[];
  latency: Record<ModelName, ModelLatency>;
  training: TrainingRun[];
  /** The learning rate for runs from random weights, as chosen on the dev split. */
  dev: { rows: number; scores: { lr: number; ndcg_at_10: number | null }[]; chosen: number };
  instructionPolicy: string;
  /** Which encoder STS and clustering read, for the report. */
  encoders: string;
  wallSeconds: number;
  machine: { cpus: number; model: string; node: string };
  finished: string;
}

/**
 * The task cut to its first `n` queries (with their judgments and candidates) or pairs; the corpus and
 * clustering items stay whole. For the quick setting only.
 */
export function firstUnits(task: Task, n?: number): Task {
  if (n === undefined) return task;
  if ("pairs" in task) return { ...task, pairs: task.pairs.slice(0, n) };
  if (!("data" in task)) return task;
  const queries = task.data.queries.slice(0, n);
  const keep = new Set(queries.map((q) => q.id));
  const pick = <V>(m: Map<string, V>) => new Map([...m].filter(([q]) => keep.has(q)));
  return {
    ...task,
    data: {
      ...task.data,
      queries,
      qrels: pick(task.data.qrels),
      candidates: task.data.candidates && pick(task.data.candidates),
    },
  };
}

/** Progress over the whole experiment: jobs done, share of the estimated work, elapsed time and ETA. */
class ExperimentProgress {
  private done = 0;
  private doneNow = 0;
  private readonly started = Date.now();
  private jobs = 0;
  constructor(
    private readonly total: number,
    private readonly totalJobs: number,
    private readonly log: (line: string) => void,
  ) {}

  job(label: string, cost: number, skipped: boolean): void {
    this.done += cost;
    this.jobs++;
    if (!skipped) this.doneNow += cost;
    const elapsed = (Date.now() - this.started) / 1000;
    const left = this.total - this.done;
    const eta = this.doneNow > 0 ? formatSeconds((elapsed / this.doneNow) * left) : "?";
    const pct = ((100 * this.done) / this.total).toFixed(1);
    this.log(
      `[experiment] ${this.jobs}/${this.totalJobs} jobs, ${pct}% of the work, ${formatSeconds(elapsed)} elapsed, ETA ${eta}: ${label}${skipped ? " (done before)" : ""}`,
    );
  }
}

/**
 * Relative cost of a step of each run and of one (model, seed) evaluation, for the ETA: milliseconds as
 * measured for FULL's shapes (config.ts).
 */
const STEP_COST = { large: 790, small: 190, stage1: 35, stage2: 1210, frozen: 170 };
const EVAL_COST = 100_000;

export async function runExperiment(o: ExperimentOptions): Promise<ExperimentResult> {
  const started = Date.now();
  const c = o.config;
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const work = resolve(o.work);
  mkdirSync(work, { recursive: true });
  const U = c.updates;
  const half = Math.max(1, Math.floor(U / 2));
  const evalJobs = c.seeds.length * 6 + 2;
  const perSeed =
    U * (STEP_COST.large + STEP_COST.small + STEP_COST.stage1 + STEP_COST.stage2) +
    half * (STEP_COST.stage1 + STEP_COST.stage2 + STEP_COST.frozen);
  const progress = new ExperimentProgress(
    c.seeds.length * perSeed +
      c.lr.fromScratch.length * U * STEP_COST.small +
      evalJobs * EVAL_COST +
      2 * EVAL_COST,
    3 + c.lr.fromScratch.length + c.seeds.length * 7 + evalJobs + 1,
    log,
  );

  // Data: the suite and the training sets (no text shared with the suite).
  const prep = await prepareData(c, o.data, work, (label) => progress.job(label, 0, false));
  const { suite, devFile } = prep;

  // Training: per seed, every model with U updates (stage I+II: U/2 + U/2).
  const training: TrainingRun[] = [];
  const dirs = new Map<string, { query: string; doc: string }>();
  const key = (m: string, seed: number) => `${m}-seed${seed}`;
  async function trainRun(
    model: TrainingRun["model"],
    seed: number,
    { settings: s, go }: Recipe,
    final: string,
    cost: number,
  ): Promise<void> {
    const out = runFolder(work, model, seed);
    const done = trained(join(out, final), s);
    const t = Date.now();
    if (!done) await go(out);
    const logFile = join(out, "loss.jsonl");
    const ms = existsSync(logFile)
      ? readFileSync(logFile, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { ms: number }).ms)
      : [];
    training.push({
      model,
      seed,
      steps: s.steps,
      seconds: (Date.now() - t) / 1000,
      msPerStep: ms.length ? ms.reduce((a, b) => a + b, 0) / ms.length : null,
      skipped: done,
    });
    progress.job(`${model}, seed ${seed} (${s.steps} updates)`, cost * s.steps, done);
  }

  const initModels = (seed: number) => initModelsOf(c, work, prep.chars, seed);

  // The learning rate from random weights, chosen on the dev split with sym-small of the first seed.
  const dev: ExperimentResult["dev"] = { rows: c.devRows, scores: [], chosen: c.lr.fromScratch[0] };
  if (c.lr.fromScratch.length > 1) {
    const seed = c.seeds[0];
    const { smallInit } = initModels(seed);
    const task = await loadDevTask(devFile);
    for (const lr of c.lr.fromScratch) {
      const name = `dev-lr${lr}`;
      await trainRun(
        name,
        seed,
        symmetricRecipe(c, prep, { seed, lr, steps: U, model: smallInit }),
        "model",
        STEP_COST.small,
      );
      const file = join(work, "records", `${key(name, seed)}.json`);
      const devModel = `hf:${join(runFolder(work, name, seed), "model")}`;
      const stamp = evaluationStamp(c, devModel);
      const kept = readJson<{ stamp: string; score: number | null }>(file);
      let score = kept?.stamp === stamp ? kept.score : undefined;
      if (score === undefined) {
        const model = await loadBenchModel(devModel);
        try {
          score = (await evaluateForExperiment(task, model)).record.score;
        } finally {
          await model.close?.();
        }
        writeFileAtomic(file, JSON.stringify({ stamp, score }));
      }
      dev.scores.push({ lr, ndcg_at_10: score });
    }
    const best = dev.scores.reduce((a, b) => ((b.ndcg_at_10 ?? -1) > (a.ndcg_at_10 ?? -1) ? b : a));
    dev.chosen = best.lr;
    log(
      `[experiment] dev split (${c.devRows} rows): ${dev.scores.map((x) => `lr ${x.lr} → nDCG@10 ${x.ndcg_at_10?.toFixed(4)}`).join(", ")}; chosen ${dev.chosen}`,
    );
  }

  for (const seed of c.seeds) {
    const { largeInit, smallInit } = initModels(seed);
    const lr = dev.chosen;
    const large = join(runFolder(work, "sym-large", seed), "model");
    await trainRun(
      "sym-large",
      seed,
      symmetricRecipe(c, prep, { seed, lr, steps: U, model: largeInit, matryoshka: true }),
      "model",
      STEP_COST.large,
    );
    dirs.set(key("sym-large", seed), { query: large, doc: large });
    const small = join(runFolder(work, "sym-small", seed), "model");
    await trainRun(
      "sym-small",
      seed,
      symmetricRecipe(c, prep, { seed, lr, steps: U, model: smallInit }),
      "model",
      STEP_COST.small,
    );
    dirs.set(key("sym-small", seed), { query: small, doc: small });

    const stage1 = (steps: number) =>
      stage1Recipe(c, prep, work, { seed, lr, steps, query: smallInit, doc: large });
    await trainRun("care-stage1", seed, stage1(U), "query", STEP_COST.stage1);
    dirs.set(key("care-stage1", seed), {
      query: join(runFolder(work, "care-stage1", seed), "query"),
      doc: large,
    });
    await trainRun("stage1-half", seed, stage1(half), "query", STEP_COST.stage1);
    const halfQuery = join(runFolder(work, "stage1-half", seed), "query");

    const stage2 = (query: string, steps: number, docTraining: "lora" | "frozen") =>
      stage2Recipe(c, prep, { seed, steps, query, doc: large, docTraining });
    const pair = (m: ModelName, frozen = false) => {
      const t = runFolder(work, m, seed);
      dirs.set(key(m, seed), { query: join(t, "query"), doc: frozen ? large : join(t, "doc") });
    };
    await trainRun("care-stage2", seed, stage2(smallInit, U, "lora"), "query", STEP_COST.stage2);
    pair("care-stage2");
    await trainRun("care-stage1+2", seed, stage2(halfQuery, half, "lora"), "query", STEP_COST.stage2);
    pair("care-stage1+2");
    await trainRun(
      "care-stage1+2-frozen-doc",
      seed,
      stage2(halfQuery, half, "frozen"),
      "query",
      STEP_COST.frozen,
    );
    pair("care-stage1+2-frozen-doc", true);
  }

  // Evaluation: every (model, seed) on every task, kept per run for resume.
  const taskDirs = findTasks(suite).filter((d) => !c.tasks || c.tasks.includes(loadTaskMeta(d).name));
  if (c.tasks && taskDirs.length !== c.tasks.length)
    throw new CareError(`the suite lacks some of the tasks ${c.tasks.join(", ")}`, suite);
  const tasks: Task[] = [];
  for (const d of taskDirs) tasks.push(firstUnits(await loadTask(d), c.maxUnits));
  const records = join(work, "records");
  const rankingsRoot = join(work, "rankings");
  const recordFile = (name: string, seed: number) => join(records, `${key(name, seed)}.json`);
  const rankingFile = (name: string, seed: number, task: string) =>
    join(rankingsRoot, key(name, seed), `${task}.json`);

  // CARE pairs with the same document folder (stage I and stage I+II with the document side frozen,
  // both against sym-large) share its document vectors: the costliest part of an evaluation, done once.
  const docMemos = new Map<string, Map<string, Float32Array>>();
  const docMemo = (spec: string): Map<string, Float32Array> => {
    if (!spec.startsWith("care:")) return new Map();
    const doc = spec.slice("care:".length).split(",")[1];
    if (!docMemos.has(doc)) docMemos.set(doc, new Map());
    return docMemos.get(doc)!;
  };

  async function evaluateRun(name: string, seed: number, spec: string): Promise<TaskRecord[]> {
    const file = recordFile(name, seed);
    const stamp = evaluationStamp(c, spec);
    const kept = readJson<{ stamp: string; records: TaskRecord[] }>(file);
    if (kept?.stamp === stamp) {
      progress.job(`evaluate ${name}, seed ${seed}`, EVAL_COST, true);
      return kept.records;
    }
    const model =
      spec === "bm25"
        ? await loadBenchModel(spec)
        : denseModel(memoCorpus(await loadEmbedder(spec), docMemo(spec)));
    const out: TaskRecord[] = [];
    try {
      for (const task of tasks) {
        const e = await evaluateForExperiment(task, model);
        out.push(e.record);
        if (e.rankings) writeFileAtomic(rankingFile(name, seed, task.meta.name), JSON.stringify(e.rankings));
      }
    } finally {
      await model.close?.();
    }
    writeFileAtomic(file, JSON.stringify({ stamp, records: out }));
    progress.job(`evaluate ${name}, seed ${seed} (${spec})`, EVAL_COST, false);
    return out;
  }

  const specOf = (m: ModelName, seed: number): string => {
    const d = dirs.get(key(m, seed))!;
    return m === "sym-small" || m === "sym-large" ? `hf:${d.query}` : `care:${d.query},${d.doc}`;
  };
  const modelRuns: ModelRuns[] = [];
  const perRun: ExperimentResult["runs"] = [];
  const add = (name: ModelName, seeds: number[], recs: TaskRecord[][]) => {
    modelRuns.push({ name, seeds, records: recs });
    seeds.forEach((seed, i) =>
      perRun.push({ model: name, seed, scores: Object.fromEntries(recs[i].map((r) => [r.task, r.score])) }),
    );
  };
  const bm25 = await evaluateRun("bm25", 0, "bm25");
  add("bm25", [0], [bm25]);
  for (const m of MODEL_NAMES.filter((n) => n !== "bm25" && n !== "hybrid")) {
    const recs: TaskRecord[][] = [];
    for (const seed of c.seeds) recs.push(await evaluateRun(m, seed, specOf(m, seed)));
    add(m, c.seeds, recs);
  }
  // Hybrid: BM25 and the CARE stage I+II ranking fused per query as `hybrid:` fuses them by default
  // (RRF, k 60), from the rankings kept; STS and clustering read the
  // dense side alone (fusion applies to rankings).
  const hybrid: TaskRecord[][] = c.seeds.map((seed) => {
    const dense = modelRuns.find((m) => m.name === HYBRID_DENSE)!.records[c.seeds.indexOf(seed)];
    return tasks.map((task, t) => {
      if ("pairs" in task || "items" in task) return dense[t];
      const lexical = readJson<Rankings>(rankingFile("bm25", 0, task.meta.name))!;
      const denseRun = readJson<Rankings>(rankingFile(HYBRID_DENSE, seed, task.meta.name))!;
      const fused = new Map<string, Hit[]>();
      for (const q of Object.keys(denseRun))
        fused.set(q, fuseRankings(trecOrder(lexical[q] ?? [], q), trecOrder(denseRun[q], q), DEFAULT_FUSION));
      return rankingRecord(task, fused, task.data.qrels);
    });
  });
  add("hybrid", c.seeds, hybrid);
  // The reference for which tasks can separate models: the untrained query-size encoder.
  const random = await evaluateRun("random", c.seeds[0], `hf:${initModels(c.seeds[0]).smallInit}`);

  // Latency: query encoding alone, batch 1, one thread, at two query lengths.
  const timed = tasks.find((t) => "data" in t && t.data.corpus.length > 0);
  if (!timed || !("data" in timed))
    throw new CareError("the experiment needs a ranking task to time queries on");
  const pool = timed.data.queries.map((q) => q.text).join("");
  const queriesOf = (chars: number) =>
    Array.from({ length: c.latencyQueries }, (_, i) => {
      const from = (i * 37) % Math.max(1, pool.length - chars);
      return pool.slice(from, from + chars);
    });
  const seed0 = c.seeds[0];
  const dense = MODEL_NAMES.filter((m) => m !== "bm25" && m !== "hybrid");
  const lengths = [16, c.queryMaxLength];
  const latency = {} as Record<ModelName, ModelLatency>;
  for (const m of dense) latency[m] = { source: dirs.get(key(m, seed0))!.query, byLength: {} };
  const bm25Search = Bm25Search.build(timed.data.corpus as Doc[]);
  latency.bm25 = { source: `BM25 search over ${timed.meta.name}'s corpus (top 100)`, byLength: {} };
  latency.hybrid = {
    source: `${HYBRID_DENSE} query encoding + BM25 search (sum of the two p50s; fusion itself is negligible)`,
    byLength: {},
  };
  for (const L of lengths) {
    // Texts of L characters: one token a character in these vocabularies, cut at the length limit.
    const qs = queriesOf(L);
    const lat = await queryLatencies(
      dense.map((m) => latency[m].source),
      qs,
      taskHint(timed),
      1,
    );
    dense.forEach((m, i) => (latency[m].byLength[String(L)] = lat[i]));
    const times: number[] = [];
    for (const q of qs) {
      const t = performance.now();
      bm25Search.search(q, 100, true);
      times.push(performance.now() - t);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    latency.bm25.byLength[String(L)] = {
      p50_ms: r3(percentile(sorted, 0.5)),
      p90_ms: r3(percentile(sorted, 0.9)),
      mean_ms: r3(times.reduce((s, x) => s + x, 0) / times.length),
      queries: times.length,
      threads: 1,
    };
    const d = latency[HYBRID_DENSE].byLength[String(L)];
    const b = latency.bm25.byLength[String(L)];
    latency.hybrid.byLength[String(L)] = {
      p50_ms: r3(d.p50_ms + b.p50_ms),
      p90_ms: r3(d.p90_ms + b.p90_ms),
      mean_ms: r3(d.mean_ms + b.mean_ms),
      queries: d.queries,
      threads: 1,
    };
  }
  progress.job("query latency", EVAL_COST, false);

  const aggregated = aggregate(modelRuns, random, { replicates: c.replicates, seed: 20261206 });
  const cpu = cpus();
  return {
    config: c,
    aggregated,
    runs: perRun,
    latency,
    training,
    dev,
    instructionPolicy: instructionPolicy(c),
    encoders:
      "Retrieval and reranking: queries through the query encoder, documents through the document encoder (for sym-small and sym-large, the one model). STS and clustering: both texts through the query encoder — the online side, the one a CARE deployment has at query time (MTEB likewise encodes them as queries); stage II trains this path only through its query–document pairs.",
    wallSeconds: (Date.now() - started) / 1000,
    machine: { cpus: cpu.length, model: cpu[0]?.model ?? "unknown", node: process.version },
    finished: new Date().toISOString(),
  };
}
