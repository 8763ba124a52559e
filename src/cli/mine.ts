import type { Command } from "commander";
import { cosine, oneOf, positiveInt, score } from "./args.js";
import { join } from "node:path";
import { DEFAULT_THRESHOLDS } from "../curate/aggregate.js";
import { openJudges } from "../curate/judge.js";
import { readJudgeConfigs } from "../curate/judge-config.js";
import { barChartSvg } from "../util/chart.js";
import { buildTrain, formatTrainSummary } from "../mine/build-train.js";
import { SPEC_GRAMMAR } from "../core/spec.js";
import { mineDiverse, type DiverseCounts } from "../mine/diverse.js";
import { filterNegatives, type FalseNegativeAction } from "../mine/filter.js";
import { histogramRows } from "../mine/histogram.js";
import { mineNegatives } from "../mine/negatives.js";
import { writeFileAtomic } from "../util/atomic.js";
import { CareError } from "../core/errors.js";
import { printResult } from "./output.js";

/** `<file>` with its .jsonl ending replaced by `suffix`. */
function sibling(file: string, suffix: string): string {
  return file.replace(/\.jsonl?$/, "") + suffix;
}

/** The diversity report: counts and the similarity histogram, as JSON and as an SVG bar chart. */
export function writeDiverseReport(
  file: string,
  counts: DiverseCounts,
  settings: Record<string, unknown>,
): { json: string; svg: string } {
  const rows = histogramRows(counts.histogram);
  const json = file;
  const svg = sibling(file, ".svg");
  writeFileAtomic(json, JSON.stringify({ ...settings, ...counts, bins: rows }, null, 2) + "\n");
  writeFileAtomic(
    svg,
    barChartSvg(
      `max cosine to the kept set (${counts.kept} kept, ${counts.discarded} discarded)`,
      rows.map((r) => r.from.toFixed(2)),
      [{ name: "candidates", values: rows.map((r) => r.count) }],
      { xLabel: "highest cosine to the kept set (bin start)" },
    ),
  );
  return { json, svg };
}

async function diverseCommand(o: {
  in: string;
  out: string;
  model: string;
  seeds: number;
  threshold: number;
  field: string;
  side: "query" | "document";
  sampleSeed?: string;
  report?: string;
}): Promise<void> {
  const counts = await mineDiverse({ ...o, progress: true });
  const report = writeDiverseReport(o.report ?? sibling(o.out, ".diverse.json"), counts, {
    model: o.model,
    threshold: o.threshold,
    field: o.field,
  });
  const offered = counts.rows - counts.seeds;
  printResult(
    { ...counts, out: o.out, report },
    [
      `${counts.rows} rows: ${counts.seeds} seeds, ${counts.kept - counts.seeds} of ${offered} candidates kept, ` +
        `${counts.discarded} discarded (highest cosine ≥ ${o.threshold}); ${counts.kept} written to ${o.out}`,
      "highest cosine to the kept set:",
      ...histogramRows(counts.histogram).map(
        (r) => `  ${r.from.toFixed(2)}–${r.to.toFixed(2)}  ${String(r.count).padStart(8)}`,
      ),
      `report: ${report.json}, ${report.svg}`,
    ].join("\n"),
  );
}

async function negativesCommand(o: {
  pairs: string;
  corpus: string;
  retriever: string;
  topK: number;
  out: string;
  chunk: number;
}): Promise<void> {
  const c = await mineNegatives({ ...o, chunkSize: o.chunk, progress: true });
  printResult(
    { ...c, out: o.out },
    `${c.queries} queries, ${c.candidates} candidates written to ${o.out}; excluded as known positives: ` +
      `${c.excluded_by_id} by id, ${c.excluded_by_text} by text; ${c.queries_without_candidates} queries without candidates`,
  );
}

async function filterCommand(o: {
  in: string;
  out: string;
  stage1?: string;
  judges?: string;
  judgments?: string;
  falseNegatives: FalseNegativeAction;
  unsure: "keep" | "drop";
  positiveMin: number;
  negativeMax: number;
  maxNeg: number;
  chunk: number;
}): Promise<void> {
  if (o.negativeMax >= o.positiveMin)
    throw new CareError(`--negative-max (${o.negativeMax}) must be below --positive-min (${o.positiveMin})`);
  const judges = o.judges ? await openJudges(readJudgeConfigs(o.judges)) : [];
  if (!o.judges) process.stderr.write("care: no --judges: every candidate stays a negative, unjudged\n");
  const stage1 = o.stage1 ?? sibling(o.out, ".stage1.jsonl");
  try {
    const c = await filterNegatives({
      in: o.in,
      out: o.out,
      stage1,
      judges,
      judgments: o.judgments ?? sibling(o.out, ".judgments"),
      falseNegatives: o.falseNegatives,
      unsure: o.unsure,
      thresholds: { positiveMin: o.positiveMin, negativeMax: o.negativeMax },
      maxNegatives: o.maxNeg,
      chunkSize: o.chunk,
      progress: true,
    });
    writeFileAtomic(sibling(o.out, ".summary.json"), JSON.stringify(c, null, 2) + "\n");
    printResult(
      { ...c, out: o.out, stage1 },
      [
        `${c.rows} rows, ${c.candidates} candidates: ${c.false_negatives} judged relevant by every judge ` +
          `(${c.promoted} promoted to positives, ${c.dropped} dropped), ${c.unsure} unsure (${c.unsure_dropped} dropped)`,
        `stage II: ${c.rows} rows, ${c.negatives_written} negatives (${c.rows_without_negatives} rows without) in ${o.out}`,
        `stage I: ${c.stage1_texts} self-pairs in ${stage1}`,
      ].join("\n"),
    );
  } finally {
    await Promise.all(judges.map((j) => j.close()));
  }
}

export function register(program: Command): void {
  const mine = program
    .command("mine")
    .description("training data: diversity-aware sampling, hard-negative mining, false-negative filtering");

  mine
    .command("diverse")
    .description("keep a row only when its text's highest cosine to the kept set is below the threshold")
    .requiredOption("--in <file>", "rows JSONL (any objects with the --field)")
    .requiredOption("--out <file>", "kept rows JSONL")
    .requiredOption("--model <spec>", `dense embedder: ${SPEC_GRAMMAR}`)
    .option("--seeds <n>", "rows that seed the kept set", positiveInt, 5000)
    .option("--threshold <cos>", "discard at or above this cosine", cosine, 0.9)
    .option("--field <name>", "field holding the text (a list: its first element)", "query")
    .option("--side <side>", "encode with the query or document side of the model", "document")
    .option("--sample-seed <s>", "seeds are a random sample drawn with this seed, not the first rows")
    .option("--report <file>", "counts and similarity histogram JSON (an .svg chart beside it)")
    .action(diverseCommand);

  mine
    .command("negatives")
    .description("each query's top k from a retriever, its known positives (by id and text) excluded")
    .requiredOption("--pairs <file>", "rows JSONL: query, pos (texts), pos_id (optional ids), prompt, type")
    .requiredOption("--corpus <file>", 'corpus JSONL {"_id","text","title"?}')
    .requiredOption("--retriever <spec>", `bm25 or a dense embedder: ${SPEC_GRAMMAR}`)
    .option("--top-k <n>", "documents retrieved per query", positiveInt, 50)
    .requiredOption("--out <file>", "rows with their candidates, JSONL")
    .option("--chunk <n>", "queries per committed chunk (resume granularity)", positiveInt, 512)
    .action(negativesCommand);

  mine
    .command("filter")
    .description(
      "judges label the candidates; false negatives promoted or dropped; stage-II and stage-I data",
    )
    .requiredOption("--in <file>", "output of care mine negatives")
    .requiredOption("--out <file>", "stage-II triplets JSONL (query, pos, neg, prompt, type)")
    .option("--stage1 <file>", "stage-I self-pairs JSONL (default: <out>.stage1.jsonl)")
    .option("--judges <file>", "judges.json (as care curate judge); none: keep every candidate")
    .option("--judgments <dir>", "judgment store folder (default: <out>.judgments)")
    .option("--false-negatives <action>", "promote | drop", oneOf("promote", "drop"), "promote")
    .option(
      "--unsure <action>",
      "keep | drop candidates the judges do not agree on",
      oneOf("keep", "drop"),
      "keep",
    )
    .option(
      "--positive-min <n>",
      "relevant when every judge scores at least this",
      score,
      DEFAULT_THRESHOLDS.positiveMin,
    )
    .option(
      "--negative-max <n>",
      "irrelevant when every judge scores at most this",
      score,
      DEFAULT_THRESHOLDS.negativeMax,
    )
    .option("--max-neg <n>", "negatives per row", positiveInt, 15)
    .option("--chunk <n>", "rows per committed chunk", positiveInt, 256)
    .action(filterCommand);
}

/** `care data build-train`, registered under the data command group. */
export function registerBuildTrain(data: Command): void {
  data
    .command("build-train")
    .description("stage-I and stage-II training sets from the train splits, with no CMedTEB-lite text")
    .option("--from <dir>", "the data folder", "../shared/data")
    .requiredOption("--out <dir>", "where stage1.jsonl, stage2.jsonl and counts.json go")
    .action(async (o: { from: string; out: string }) => {
      const summary = await buildTrain({ from: o.from, out: o.out });
      printResult(summary, `${formatTrainSummary(summary)}\ncounts in ${join(o.out, "counts.json")}`);
    });
}
