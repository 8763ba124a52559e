/**
 * The small-scale reproduction of the CARE claim, end to end on the public data: build CMedTEB-lite and
 * the training sets, train a larger Qwen-family encoder and a small BERT encoder from random weights
 * (symmetric baselines), train the small one as a CARE query encoder three ways (stage I, stage II,
 * stage I then II) against the large one, and evaluate all five on every suite task with query latency.
 * Every step is a `care` command run in process, so the commands the report lists are the ones that ran.
 * A rerun skips trained models whose folder records the configured steps, learning rate and batch.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { findTasks, loadTask, loadTaskMeta } from "../../tasks/load.js";
import { loadBenchModel } from "../../bench/load-model.js";
import { runBench } from "../../bench/run.js";
import { taskHint } from "../../bench/evaluators/evaluation.js";
import { main } from "../../cli/main.js";
import { writeFileAtomic } from "../../util/atomic.js";
import { CareError } from "../../core/errors.js";
import { readLines } from "../../util/jsonl.js";
import { TRAINING_CARD } from "../../train/st-folder.js";
import type { ExperimentConfig, RunSettings } from "./config.js";
import { queryLatencies, type Latency } from "./latency.js";

export interface ExperimentOptions {
  config: ExperimentConfig;
  /** The data folder (../shared/data layout). */
  data: string;
  /** Scratch folder for the suite, training sets, checkpoints and caches. */
  work: string;
  /** Results folder: bench results, latency and the summary go under <results>/<config name>. */
  results: string;
  log?: (line: string) => void;
}

export interface StepRecord {
  label: string;
  command: string;
  seconds: number;
  /** The output already existed from an earlier run with the same settings. */
  skipped: boolean;
}

export interface ModelRow {
  key: string;
  label: string;
  spec: string;
  /** The folder that encodes queries online. */
  queryDir: string;
  asymmetric: boolean;
  /** Main score per task, and the result file each came from. */
  scores: Record<string, number | null>;
  resultFiles: Record<string, string>;
  mean: number;
  latency: Latency;
}

export interface ExperimentSummary {
  name: string;
  config: ExperimentConfig;
  tasks: { name: string; type: string; metric: string }[];
  rows: ModelRow[];
  steps: StepRecord[];
  wallSeconds: number;
  machine: { cpus: number; model: string; node: string };
  finished: string;
  summaryFile: string;
  latencyFile: string;
}

function quote(arg: string): string {
  return /^[\w./:,=+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function trainFlags(s: RunSettings): string[] {
  const f = ["--steps", String(s.steps), "--lr", String(s.lr), "--batch-size", String(s.batchSize)];
  if (s.groupSize) f.push("--group-size", String(s.groupSize));
  return f;
}

/**
 * Whether a trained folder exists from a finished run with these settings: a run whose steps,
 * learning rate, batch or group size have changed since is trained again, not reused.
 */
export function trained(dir: string, s: RunSettings): boolean {
  const file = join(dir, TRAINING_CARD);
  if (!existsSync(file)) return false;
  const card = JSON.parse(readFileSync(file, "utf8")) as {
    final_step?: number;
    lr?: number;
    batch_size?: number;
    group_size?: number;
  };
  return (
    card.final_step === s.steps &&
    card.lr === s.lr &&
    card.batch_size === s.batchSize &&
    (s.groupSize === undefined || card.group_size === s.groupSize)
  );
}

/** The first `n` lines of a file (the quick setting's training subset). */
async function head(from: string, to: string, n: number): Promise<void> {
  const lines: string[] = [];
  for await (const { text } of readLines(from)) {
    if (lines.length >= n) break;
    lines.push(text);
  }
  writeFileAtomic(to, lines.join("\n") + "\n");
}

export async function runExperiment(o: ExperimentOptions): Promise<ExperimentSummary> {
  const started = Date.now();
  const c = o.config;
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const work = resolve(o.work);
  const out = resolve(o.results, c.name);
  mkdirSync(out, { recursive: true });
  const steps: StepRecord[] = [];
  let retrained = false;

  async function step(label: string, argv: string[], done = false): Promise<void> {
    const command = `care ${argv.map(quote).join(" ")}`;
    log(`[experiment] ${label}${done ? " (done before; skipped)" : ""}: ${command}`);
    const t = Date.now();
    if (!done) await main(["node", "care", ...argv]);
    steps.push({ label, command, seconds: (Date.now() - t) / 1000, skipped: done });
  }

  const suite = join(work, "suite");
  const sets = join(work, "train");
  await step("build the CMedTEB-lite suite", ["data", "build-suite", "--from", o.data, "--out", suite]);
  await step("build the training sets (no overlap with the suite)", [
    "data",
    "build-train",
    "--from",
    o.data,
    "--out",
    sets,
  ]);
  let stage1Data = join(sets, "stage1.jsonl");
  let stage2Data = join(sets, "stage2.jsonl");
  if (c.maxRows) {
    const t = Date.now();
    const s1 = join(sets, `stage1.head${c.maxRows}.jsonl`);
    const s2 = join(sets, `stage2.head${c.maxRows}.jsonl`);
    await head(stage1Data, s1, c.maxRows);
    await head(stage2Data, s2, c.maxRows);
    const command = `head -n ${c.maxRows} ${stage1Data} > ${s1}; head -n ${c.maxRows} ${stage2Data} > ${s2}`;
    steps.push({
      label: "keep the first rows of each training set",
      command,
      seconds: (Date.now() - t) / 1000,
      skipped: false,
    });
    [stage1Data, stage2Data] = [s1, s2];
  }

  const models = join(work, "models");
  const runs = join(work, "runs");
  const largeInit = join(models, "qwen3-init");
  const smallInit = join(models, "bert-init");
  const tiny = (family: string, dir: string, s: ExperimentConfig["large"], seed: number) =>
    step(
      `random ${family} encoder, ${s.layers} layers × ${s.hidden}`,
      [
        "models",
        "make-tiny",
        "--family",
        family,
        "--layers",
        String(s.layers),
        "--hidden",
        String(s.hidden),
        "--heads",
        String(s.heads),
        "--vocab-from",
        join(sets, "stage2.jsonl"),
        "--seed",
        String(seed),
        "--out",
        dir,
      ],
      existsSync(join(dir, "config.json")),
    );
  await tiny("qwen3", largeInit, c.large, 1);
  await tiny("bert", smallInit, c.small, 2);

  const lengths = [
    "--query-max-length",
    String(c.queryMaxLength),
    "--doc-max-length",
    String(c.docMaxLength),
  ];
  const common = ["--threads", String(c.threads), "--save-every", "200"];
  const train = async (label: string, argv: string[], final: string, s: RunSettings) => {
    const done = trained(final, s);
    retrained ||= !done;
    await step(label, ["train", ...argv, ...trainFlags(s), ...common], done);
  };
  const symLarge = join(runs, "symmetric-large");
  const symSmall = join(runs, "symmetric-small");
  const s1 = join(runs, "stage1");
  const s2 = join(runs, "stage2");
  const s12 = join(runs, "stage1+2");
  const large = join(symLarge, "model");
  await train(
    "symmetric large (document) encoder",
    ["symmetric", "--model", largeInit, "--data", stage2Data, "--out", symLarge, ...lengths],
    large,
    c.symmetricLarge,
  );
  await train(
    "symmetric small encoder",
    ["symmetric", "--model", smallInit, "--data", stage2Data, "--out", symSmall, ...lengths],
    join(symSmall, "model"),
    c.symmetricSmall,
  );
  await train(
    "CARE stage I: small query encoder aligned to the frozen large one",
    [
      "stage1",
      "--query",
      smallInit,
      "--doc",
      large,
      "--data",
      stage1Data,
      "--out",
      s1,
      "--max-length",
      String(c.queryMaxLength),
    ],
    join(s1, "query"),
    c.stage1,
  );
  const lora = ["--lora-rank", String(c.loraRank), "--lora-alpha", String(2 * c.loraRank)];
  await train(
    "CARE stage II only (from random query weights)",
    ["stage2", "--query", smallInit, "--doc", large, "--data", stage2Data, "--out", s2, ...lengths, ...lora],
    join(s2, "query"),
    c.stage2,
  );
  await train(
    "CARE stage I then II",
    [
      "stage2",
      "--query",
      join(s1, "query"),
      "--doc",
      large,
      "--data",
      stage2Data,
      "--out",
      s12,
      ...lengths,
      ...lora,
    ],
    join(s12, "query"),
    c.stage2,
  );

  const taskDirs = findTasks(suite).filter((d) => !c.tasks || c.tasks.includes(loadTaskMeta(d).name));
  if (c.tasks && taskDirs.length !== c.tasks.length)
    throw new CareError(`the suite lacks some of the tasks ${c.tasks.join(", ")}`, suite);
  const metas = taskDirs.map(loadTaskMeta);
  const rows: Omit<ModelRow, "scores" | "resultFiles" | "mean" | "latency">[] = [
    {
      key: "symmetric-large",
      label: "symmetric large (Qwen3)",
      spec: `hf:${large}`,
      queryDir: large,
      asymmetric: false,
    },
    {
      key: "symmetric-small",
      label: "symmetric small (BERT)",
      spec: `hf:${join(symSmall, "model")}`,
      queryDir: join(symSmall, "model"),
      asymmetric: false,
    },
    {
      key: "care-stage1",
      label: "CARE stage I",
      spec: `care:${join(s1, "query")},${large}`,
      queryDir: join(s1, "query"),
      asymmetric: true,
    },
    {
      key: "care-stage2",
      label: "CARE stage II",
      spec: `care:${join(s2, "query")},${join(s2, "doc")}`,
      queryDir: join(s2, "query"),
      asymmetric: true,
    },
    {
      key: "care-stage1+2",
      label: "CARE stage I+II",
      spec: `care:${join(s12, "query")},${join(s12, "doc")}`,
      queryDir: join(s12, "query"),
      asymmetric: true,
    },
  ];
  const benchOut = join(out, "bench");
  const latencyTask = metas.find((m) => m.type === "retrieval" || m.type === "reranking");
  if (!latencyTask)
    throw new CareError("the experiment needs a retrieval or reranking task to time queries on");
  const timed = await loadTask(taskDirs[metas.indexOf(latencyTask)]);
  if (!("data" in timed)) throw new Error("a ranking task without queries");
  const latencyQueries = timed.data.queries.slice(0, c.latencyQueries).map((q) => q.text);

  const scored: Omit<ModelRow, "latency">[] = [];
  for (const r of rows) {
    const t = Date.now();
    const model = await loadBenchModel(r.spec);
    const command = `care bench --model ${quote(r.spec)} --tasks ${quote(taskDirs.join(","))} --out ${quote(benchOut)}${retrained ? " --overwrite" : ""}`;
    let outcomes;
    try {
      // Results of a model retrained by this run are stale; otherwise a rerun keeps them (resume).
      outcomes = await runBench({
        model,
        tasks: taskDirs,
        out: benchOut,
        overwrite: retrained,
        command,
        log,
      });
    } finally {
      await model.close?.();
    }
    steps.push({ label: `evaluate ${r.label}`, command, seconds: (Date.now() - t) / 1000, skipped: false });
    const scores = Object.fromEntries(outcomes.map((x) => [x.result.task, x.result.main_score]));
    const resultFiles = Object.fromEntries(outcomes.map((x) => [x.result.task, x.file]));
    const valid = Object.values(scores).filter((v): v is number => v !== null);
    scored.push({
      ...r,
      scores,
      resultFiles,
      mean: valid.reduce((s, v) => s + v, 0) / Math.max(1, valid.length),
    });
  }
  const t = Date.now();
  const latencies = await queryLatencies(
    rows.map((r) => r.queryDir),
    latencyQueries,
    taskHint(timed),
    1,
  );
  steps.push({
    label: "time queries (batch 1, one thread, encoders taking turns)",
    command: "(in process: queryLatencies)",
    seconds: (Date.now() - t) / 1000,
    skipped: false,
  });
  const done: ModelRow[] = scored.map((r, i) => ({ ...r, latency: latencies[i] }));

  const latencyFile = join(out, "latency.json");
  writeFileAtomic(
    latencyFile,
    JSON.stringify(
      {
        task: latencyTask.name,
        queries: latencyQueries.length,
        models: Object.fromEntries(done.map((r) => [r.key, { query_encoder: r.queryDir, ...r.latency }])),
      },
      null,
      2,
    ) + "\n",
  );
  const summaryFile = join(out, "summary.json");
  const cpu = cpus();
  const summary: ExperimentSummary = {
    name: c.name,
    config: c,
    tasks: metas.map((m) => ({ name: m.name, type: m.type, metric: m.main_score })),
    rows: done,
    steps,
    wallSeconds: (Date.now() - started) / 1000,
    machine: { cpus: cpu.length, model: cpu[0]?.model ?? "unknown", node: process.version },
    finished: new Date().toISOString(),
    summaryFile,
    latencyFile,
  };
  writeFileAtomic(summaryFile, JSON.stringify(summary, null, 2) + "\n");
  return summary;
}
