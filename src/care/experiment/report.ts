/**
 * The experiment's outputs: summary.json in the shape issue #14 fixes, the per-run files, and the
 * write-up (tables with intervals, the targets checked in words, the plots, how each figure was made).
 */
import { formatSeconds } from "../../util/progress.js";
import type { ModelFigures } from "./aggregate.js";
import { HYBRID_DENSE, MODEL_NAMES, type ExperimentResult, type ModelName } from "./run.js";

const r2 = (v: number | null): number | null => (v === null ? null : Math.round(v * 100) / 100);
const cell = (v: number | null | undefined): string => (v === null || v === undefined ? "n/a" : v.toFixed(2));
const ci = (c: [number, number] | null): string => (c ? `[${c[0].toFixed(2)}, ${c[1].toFixed(2)}]` : "n/a");

export interface ModelSummary {
  mean: number | null;
  ci95: [number, number] | null;
  seeds: (number | null)[];
  by_type: { retrieval: number | null; reranking: number | null; sts: number | null };
  query_ms_p50: number | null;
}

export interface Summary {
  models: Record<ModelName, ModelSummary>;
  excluded_tasks: string[];
  instruction_policy: string;
  updates: number;
}

function figures(r: ExperimentResult, m: ModelName): ModelFigures {
  const f = r.aggregated.models.find((x) => x.name === m);
  if (!f) throw new Error(`no figures for ${m}`);
  return f;
}

/** Points, two decimals; query_ms_p50 at the experiment's query length, batch 1. */
export function summaryJson(r: ExperimentResult): Summary {
  const L = String(r.config.queryMaxLength);
  const models = Object.fromEntries(
    MODEL_NAMES.map((m) => {
      const f = figures(r, m);
      const s: ModelSummary = {
        mean: r2(f.mean),
        ci95: f.ci95 ? [r2(f.ci95[0])!, r2(f.ci95[1])!] : null,
        seeds: f.seedMeans.map(r2),
        by_type: {
          retrieval: r2(f.byType.retrieval),
          reranking: r2(f.byType.reranking),
          sts: r2(f.byType.sts),
        },
        query_ms_p50: r.latency[m]?.byLength[L]?.p50_ms ?? null,
      };
      return [m, s];
    }),
  ) as Record<ModelName, ModelSummary>;
  return {
    models,
    excluded_tasks: r.aggregated.excluded.map((e) => e.task),
    instruction_policy: r.instructionPolicy,
    updates: r.config.updates,
  };
}

export interface TargetCheck {
  target: string;
  met: boolean | null;
  detail: string;
}

/** Issue #14's targets, each checked on the headline means (null: a figure is missing). */
export function targetChecks(s: Summary): TargetCheck[] {
  const m = (n: ModelName) => s.models[n].mean;
  const lat = (n: ModelName) => s.models[n].query_ms_p50;
  const ge = (a: ModelName, b: ModelName, margin = 0): TargetCheck => {
    const x = m(a);
    const y = m(b);
    return {
      target: `${a} ≥ ${b}${margin ? ` + ${margin} points` : ""}`,
      met: x === null || y === null ? null : x >= y + margin,
      detail: `${cell(x)} vs ${cell(y)}`,
    };
  };
  const care = m("care-stage1+2");
  const large = m("sym-large");
  const lc = lat("care-stage1+2");
  const ll = lat("sym-large");
  return [
    ge("care-stage1+2", "care-stage1"),
    ge("care-stage1+2", "care-stage2"),
    ge("care-stage1+2", "sym-small"),
    {
      target: "care-stage1+2 within 2 points of sym-large",
      met: care === null || large === null ? null : care >= large - 2,
      detail: `${cell(care)} vs ${cell(large)}`,
    },
    {
      target: "care-stage1+2 query latency ≤ 1/5 of sym-large's",
      met: lc === null || ll === null ? null : lc <= ll / 5,
      detail: `${cell(lc)} ms vs ${cell(ll)} ms`,
    },
    ge("hybrid", "bm25", 2),
  ];
}

export interface ReportOptions {
  /** The command that produced the run. */
  command: string;
  quick: boolean;
  /** File names of the plots, beside the report. */
  plots: { bars: string; latency: string };
  /** The folder of summary.json and the per-run files, relative to the report. */
  dataDir: string;
}

export function experimentMarkdown(r: ExperimentResult, o: ReportOptions): string {
  const s = summaryJson(r);
  const c = r.config;
  const a = r.aggregated;
  const L = String(c.queryMaxLength);
  const taskNames = a.models[0].tasks.map((t) => t.task);
  const headline = new Set(a.headlineTasks);
  const modelTable = [
    "| model | headline mean | 95% CI | per seed | retrieval | reranking | STS | query p50 ms (16 tok) | query p50 ms (" +
      L +
      " tok) |",
    "|---|---:|---|---|---:|---:|---:|---:|---:|",
    ...MODEL_NAMES.map((m) => {
      const f = figures(r, m);
      const lat = r.latency[m]?.byLength ?? {};
      return `| ${m} | ${cell(f.mean)} | ${ci(f.ci95)} | ${f.seedMeans.map(cell).join(", ")} | ${cell(f.byType.retrieval)} | ${cell(f.byType.reranking)} | ${cell(f.byType.sts)} | ${cell(lat["16"]?.p50_ms)} | ${cell(lat[L]?.p50_ms)} |`;
    }),
  ];
  const taskTable = [
    `| model | ${taskNames.map((t) => (headline.has(t) ? t : `${t}†`)).join(" | ")} |`,
    `|---|${taskNames.map(() => "---").join("|")}|`,
    ...MODEL_NAMES.map((m) => {
      const f = figures(r, m);
      return `| ${m} | ${f.tasks
        .map(
          (t) => `${cell(t.score)} ${ci(t.ci95)}${t.type === "sts" ? ` (Spearman ${cell(t.spearman)})` : ""}`,
        )
        .join(" | ")} |`;
    }),
    `| random encoder (reference) | ${taskNames.map((t) => cell(a.random[t])).join(" | ")} |`,
  ];
  const metrics = a.models[0].tasks.map((t) => `${t.task}: ${t.metric}`).join("; ");
  const checks = targetChecks(s);
  const trainLines = r.training.map(
    (t) =>
      `| ${t.model} | ${t.seed} | ${t.steps} | ${t.msPerStep === null ? "n/a" : (t.msPerStep / 1000).toFixed(2)} | ${t.skipped ? "earlier run" : formatSeconds(t.seconds)} |`,
  );
  return [
    `# CARE at small scale: ${c.name}`,
    "",
    o.quick
      ? "**Quick setting: a pipeline check with tiny models, a few updates and one task of each type. The numbers below carry no information about the method.**"
      : "The paper's claim at small scale: a small query encoder paired with a large document encoder (CARE stages I and II) keeps most of the large model's quality at the small model's query latency.",
    "",
    "## Setup",
    "",
    `- Document encoder / sym-large: Qwen3-shaped, ${c.large.layers} layers × ${c.large.hidden}, from random weights, trained contrastively for both sides with a Matryoshka loss over widths ${[...c.matryoshkaDims, c.large.hidden].join(", ")} (so the ${c.small.hidden}-wide prefix the CARE pairs read carries meaning).`,
    `- Query encoder / sym-small: BERT-shaped, ${c.small.layers} layers × ${c.small.hidden}, from random weights (dropout 0.1 in training).`,
    `- Models: bm25; sym-small; sym-large; care-stage1 (stage I against sym-large); care-stage2 (stage II from the untrained query encoder, LoRA r ${c.lora.rank} / alpha ${c.lora.alpha} on sym-large); care-stage1+2 (stage I then II); care-stage1+2-frozen-doc (stage II with the document side frozen); hybrid (BM25 and ${HYBRID_DENSE} fused by reciprocal rank fusion, k = 60; chosen before any result was seen; STS reads its dense side).`,
    `- Every trained model: ${c.updates} optimizer updates (stage I+II models: ${Math.floor(c.updates / 2)} in stage I, then ${Math.floor(c.updates / 2)} in stage II), seeds ${c.seeds.join(", ")}; batch ${c.batchSize} rows with groups of ${c.groupSize} (stage I: ${c.stage1BatchSize} texts); lr ${r.dev.chosen} from random weights (chosen on the dev split, below), ${c.lr.stage2} in stage II (the recipe's); temperature 0.02 in stage II and the symmetric runs, 0.1 in stage I with the squared distance summed over dimensions; batches of one task type, no query twice in a batch, labelled positives masked out of in-batch negatives.`,
    `- Instruction policy: ${r.instructionPolicy}.`,
    `- Which encoder each task type reads: ${r.encoders}`,
    `- Settings: the recipe's values where it has them (stage II lr, temperatures, group size, LoRA shape, dropout); sizes from step-time measurements. The one free setting, the learning rate of the runs from random weights, was chosen on a dev split held apart from training and from the suite: the last ${r.dev.rows} rows of the stage-II training file as a retrieval task (nDCG@10), sym-small of seed ${c.seeds[0]} trained at each candidate: ${r.dev.scores.length ? r.dev.scores.map((x) => `lr ${x.lr} → ${cell(x.ndcg_at_10 === null ? null : 100 * x.ndcg_at_10)}`).join(", ") : "one candidate, no search"}; chosen ${r.dev.chosen}. No setting was tuned on the evaluation tasks.`,
    `- Training data: \`care data build-train\` (no text shared with the suite)${c.maxRows ? `, first ${c.maxRows} rows of each file` : ""}. Evaluation: CMedTEB-lite (\`care data build-suite\`), ${taskNames.length} tasks; metrics: ${metrics} (STS reported as cosine Pearson, the paper's figure, with Spearman beside it).`,
    `- Intervals: 95% percentile bootstrap over queries (STS: pairs), ${c.replicates} replicates, the seeds' scores averaged within each draw; the headline interval resamples every headline task at once.`,
    `- Latency: the query encoder alone, one query per call (batch 1), one thread, ${c.latencyQueries} texts of 16 and of ${L} characters (one token a character in these vocabularies, cut at ${L} tokens), encoders taking turns; BM25: one search over ${r.latency.bm25.source.replace(/^BM25 search over /, "")}; hybrid: ${r.latency.hybrid.source}. Machine: ${r.machine.cpus} × ${r.machine.model}, Node ${r.machine.node}, shared with other jobs.`,
    "",
    "## Results",
    "",
    "Headline: the mean over the tasks that can separate models (points ×100).",
    "",
    ...modelTable,
    "",
    "Per task, mean over seeds with its 95% interval († left out of the headline):",
    "",
    ...taskTable,
    "",
    ...(a.excluded.length
      ? ["Left out of the headline mean:", "", ...a.excluded.map((e) => `- ${e.task}: ${e.reason}.`), ""]
      : ["No task was left out of the headline mean.", ""]),
    "## Targets",
    "",
    "| target | met | figures |",
    "|---|---|---|",
    ...checks.map(
      (t) => `| ${t.target} | ${t.met === null ? "n/a" : t.met ? "yes" : "**no**"} | ${t.detail} |`,
    ),
    "",
    `![headline means with intervals](${o.plots.bars})`,
    "",
    `![quality against query latency](${o.plots.latency})`,
    "",
    "## Where each figure comes from",
    "",
    `\`${o.dataDir}/summary.json\` (the shape issue #14 fixes), \`${o.dataDir}/details.json\` (every task figure, interval, latency and training run), and one file per (model, seed) under \`${o.dataDir}/runs/\` with its main score on each task. Per-query scores and rankings stay in the work folder (\`${".cache/care-experiment/" + c.name}\`).`,
    "",
    "## Training runs",
    "",
    "| run | seed | updates | s / step | time |",
    "|---|---:|---:|---:|---:|",
    ...trainLines,
    "",
    `The whole run: \`${o.command}\`, wall time ${formatSeconds(r.wallSeconds)}, finished ${r.finished}.`,
    "",
  ].join("\n");
}
