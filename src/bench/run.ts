import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import { CareError } from "../core/errors.js";
import { Progress } from "../util/progress.js";
import { evaluateTask } from "./evaluators/index.js";
import { taskHint, textsToProcess } from "./evaluators/evaluation.js";
import { loadTask, loadTaskMeta } from "../tasks/load.js";
import type { BenchModel } from "../core/bench-model.js";
import type { TaskType } from "../core/task.js";
import {
  MODEL_META_FILE,
  mainScoreOf,
  modelFolder,
  readResult,
  resultPath,
  type ResultFile,
  type ResultRecord,
} from "./result.js";
import { fingerprintTask, modelProvenance, runProvenance, type ModelProvenance } from "./provenance.js";
import { formatRun, formatTrecQrels } from "./trec-files.js";

export interface RunBenchOptions {
  model: BenchModel;
  /** Task folders (see findTasks). */
  tasks: string[];
  /** Results folder, MTEB's layout: `<out>/<model>/<revision>/<TaskName>.json`. */
  out: string;
  /** Also write `<task>.run` and `<task>.qrels` in TREC format for ranking tasks, beside the result. */
  saveRun?: boolean;
  /** Re-evaluate tasks whose result already exists (otherwise they are kept: resume). */
  overwrite?: boolean;
  /** The command recorded in each result (default: this process's command line). */
  command?: string;
  /** Status lines (skips, files written, warnings); stderr by default, silent with CARE_QUIET=1. */
  log?: (line: string) => void;
}

/** A task's outcome in brief, for tables printed after a run. */
export interface TaskSummary {
  task: string;
  type: TaskType;
  main_metric: string;
  main_score: number | null;
  duration_s: number;
  n_queries: number;
  n_docs: number;
}

export interface BenchOutcome {
  result: TaskSummary;
  record: ResultRecord;
  /** True when the result was already on disk and the task was not re-evaluated. */
  resumed: boolean;
  file: string;
}

/** Languages of a task without its own `languages` in task.json: CMedTEB's. */
const DEFAULT_LANGUAGES = ["cmn-Hans"];

/**
 * Evaluates one model on each task folder in turn, with a progress bar per task, writing one result
 * JSON per task atomically, last, so that an existing result always means a finished task and an
 * interrupted run resumes where it stopped. A kept result must have been scored on the same task data
 * (same content hash), for the same main metric and with the same prompts and settings; otherwise the
 * task is evaluated again.
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
  if (model.describe) log(`${model.name}: hashing its weight files for the results' provenance`);
  const provenance = await modelProvenance(model);
  const revision = modelRevision(provenance);
  const run = runProvenance(options.command);
  const outcomes: BenchOutcome[] = [];
  let metaWritten = false;
  for (const { dir, meta } of metas) {
    const file = resultPath(out, model.name, revision, meta.name);
    if (!metaWritten) {
      writeFileAtomic(join(dirname(file), MODEL_META_FILE), modelMeta(model, provenance, revision));
      metaWritten = true;
    }
    const ranking = meta.type === "retrieval" || meta.type === "reranking";
    const runFile = join(dirname(file), `${meta.name}.run`);
    const fingerprint = await fingerprintTask(dir, meta);
    const encoding = model.encoding?.(taskHint({ meta })) ?? null;
    const existing = options.overwrite ? undefined : readResult(file, new Map());
    const stale = existing && staleness(existing, fingerprint.hash, meta.main_score, encoding);
    if (stale) {
      log(`${meta.name}: ${stale} since ${file} was written; evaluating again`);
    } else if (existing && !(options.saveRun && ranking && !existsSync(runFile))) {
      log(`${meta.name}: result exists (${file}); skipped (--overwrite re-evaluates)`);
      outcomes.push({ result: summaryOf(existing), record: existing, resumed: true, file });
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
      writeFileAtomic(runFile, formatRun(evaluation.run, modelFolder(model.name)));
      writeFileAtomic(join(dirname(file), `${meta.name}.qrels`), formatTrecQrels(evaluation.qrels));
      log(`${meta.name}: run written to ${runFile}`);
    }
    const scores = Object.fromEntries(
      Object.entries(evaluation.scores).map(([k, v]) => [k, Number.isFinite(v) ? v : null]),
    );
    const now = new Date();
    const result: ResultFile = {
      dataset_revision: meta.dataset_revision ?? fingerprint.hash,
      task_name: meta.name,
      mteb_version: null,
      care_version: run.care_version,
      scores: {
        [meta.split]: [
          {
            ...scores,
            main_score: scores[meta.main_score] ?? null,
            hf_subset: "default",
            languages: meta.languages ?? DEFAULT_LANGUAGES,
          },
        ],
      },
      evaluation_time: Math.round(duration * 1000) / 1000,
      kg_co2_emissions: null,
      date: Math.floor(now.getTime() / 1000),
      care: {
        task: {
          type: meta.type,
          split: meta.split,
          main_metric: meta.main_score,
          dir,
          fingerprint,
          queries: evaluation.nQueries,
          documents: evaluation.nDocs,
        },
        model: { ...provenance, revision, encoding },
        run: { ...run, evaluated_at: now.toISOString() },
      },
    };
    writeFileAtomic(file, JSON.stringify(result, null, 2) + "\n");
    const record = readResult(file, new Map())!;
    outcomes.push({ result: summaryOf(record), record, resumed: false, file });
  }
  return outcomes;
}

/** Why a result on disk no longer stands for this task and model, or undefined when it does. */
function staleness(
  r: ResultRecord,
  taskHash: string,
  mainMetric: string,
  encoding: ResultFile["care"]["model"]["encoding"],
): string | undefined {
  if (r.taskHash !== taskHash) return "the task data changed";
  if (r.mainMetric !== mainMetric) return `the main metric changed (${r.mainMetric} → ${mainMetric})`;
  if (JSON.stringify(r.care?.model.encoding ?? null) !== JSON.stringify(encoding))
    return "the model's prompts or settings changed";
  return undefined;
}

function summaryOf(r: ResultRecord): TaskSummary {
  return {
    task: r.task,
    type: r.type,
    main_metric: r.mainMetric,
    main_score: mainScoreOf(r) ?? null,
    duration_s: r.evaluationTime ?? 0,
    n_queries: r.care?.task.queries ?? 0,
    n_docs: r.care?.task.documents ?? 0,
  };
}

/**
 * The revision folder of a model, standing where MTEB puts the Hugging Face commit: a hash of the
 * content of its weight files where care can read them, else of its spec (a remote model's endpoint
 * and name); a lexical model has no weights (MTEB's "no_revision_available").
 */
export function modelRevision(p: ModelProvenance): string {
  if (!p.identity) return "no_revision_available";
  // A Hub checkpoint opened from the Hugging Face cache: its commit, as MTEB records it.
  const paths = [p.identity.query.path, p.identity.document.path];
  const commit = typeof paths[0] === "string" && /[\\/]snapshots[\\/]([0-9a-f]{40})$/.exec(paths[0]);
  if (commit && paths[1] === paths[0]) return commit[1];
  const { query, document } = p.weights_sha256 ?? { query: null, document: null };
  const basis = query || document ? `${query}:${document}` : p.spec;
  return createHash("sha256").update(basis).digest("hex").slice(0, 12);
}

/** MTEB's model_meta.json, with what care knows; fields care cannot know are null, as MTEB writes them. */
function modelMeta(model: BenchModel, p: ModelProvenance, revision: string): string {
  const encoding = model.encoding?.({ name: "", type: "retrieval" });
  return (
    JSON.stringify(
      {
        name: model.name,
        revision,
        release_date: null,
        languages: null,
        n_parameters: null,
        max_tokens: encoding?.query.max_length ?? null,
        embed_dim: encoding?.query.dim ?? null,
        license: null,
        open_weights: null,
        public_training_code: null,
        framework: ["care-retrieval"],
        reference: null,
        similarity_fn_name: p.identity ? "cosine" : null,
        use_instructions: encoding ? encoding.query.prompt !== "{text}" : false,
        training_datasets: null,
        adapted_from: null,
        superseded_by: null,
        loader: null,
        care: p,
      },
      null,
      2,
    ) + "\n"
  );
}
