import type { Command } from "commander";
import { oneOf, port, positiveInt, score } from "./args.js";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { findTasks, loadTask } from "../tasks/load.js";
import { loadBenchModel } from "../bench/load-model.js";
import { writeRankingTask, writeStsTask } from "../tasks/write.js";
import type { Task } from "../core/task.js";
import {
  buildRankingTask,
  buildStsTask,
  DEFAULT_THRESHOLDS,
  type BaseTask,
  type CuratedCounts,
  type Thresholds,
} from "../curate/aggregate.js";
import { pipelineExpertAgreement, type ExpertAgreement } from "../curate/expert-agreement.js";
import { openJudges } from "../curate/judge.js";
import { readJudgeConfigs } from "../curate/judge-config.js";
import { AtomicJsonlWriter } from "../util/jsonl-writer.js";
import { loadPairs, readPairs } from "../curate/pair.js";
import { poolRankingTask, poolStsTask, type NamedRetriever, type PoolCounts } from "../curate/pool.js";
import { writeCurationReport, type StatsFile } from "../curate/report.js";
import { ReviewLabels } from "../curate/review-labels.js";
import {
  LABELS_FILE,
  readReviewSample,
  SAMPLE_FILE,
  sampleForReview,
  writeReviewSample,
} from "../curate/review-sample.js";
import { exportCsv, exportJsonl, exportRows, startReviewServer } from "../curate/review-server.js";
import { RUBRIC_VERSION } from "../curate/rubric.js";
import { countPending, runJudges } from "../curate/runner.js";
import { curationStats } from "../curate/stats.js";
import { JudgmentStore } from "../curate/store.js";
import { byTask, collectVotes } from "../curate/votes.js";
import { parseSpec, SPEC_GRAMMAR } from "../core/spec.js";
import { writeFileAtomic } from "../util/atomic.js";
import { CareError } from "../core/errors.js";
import { Progress } from "../util/progress.js";
import { printResult, say } from "./output.js";

/**
 * Retriever specs, comma-separated. A `care:<q>,<d>` spec holds a comma of its own, so the piece after
 * a `care:` piece without one belongs to it.
 */
export function splitSpecs(list: string): string[] {
  const pieces = list.split(",").map((s) => s.trim());
  const out: string[] = [];
  for (let i = 0; i < pieces.length; i++) {
    let p = pieces[i];
    if (p === "") continue;
    if (p.startsWith("care:") && !p.includes(",") && i + 1 < pieces.length) p = `${p},${pieces[++i]}`;
    parseSpec(p);
    out.push(p);
  }
  if (out.length === 0) throw new CareError("--retrievers: name at least one retriever");
  return out;
}

interface VoteOptions {
  pairs: string;
  judgments: string;
  judges?: string;
  positiveMin: number;
  negativeMax: number;
  rubricVersion: string;
}

function thresholds(o: VoteOptions): Thresholds {
  if (o.negativeMax >= o.positiveMin) {
    throw new CareError(`--negative-max (${o.negativeMax}) must be below --positive-min (${o.positiveMin})`);
  }
  return { positiveMin: o.positiveMin, negativeMax: o.negativeMax };
}

/** The judges whose votes count: those of a judges file, or every judge in the store under the rubric. */
function votingJudges(store: JudgmentStore, o: VoteOptions): string[] {
  const names = o.judges ? readJudgeConfigs(o.judges).map((c) => c.name) : store.judges(o.rubricVersion);
  if (names.length === 0) {
    throw new CareError(`no judgments under rubric ${o.rubricVersion} in this store`, store.file);
  }
  return names;
}

function voteOptions(cmd: Command): Command {
  return cmd
    .requiredOption("--pairs <file>", "pairs JSONL (from care curate pool)")
    .requiredOption("--judgments <dir>", "judgment store folder (the --out of care curate judge)")
    .option("--judges <file>", "judges.json: only these judges vote (default: every judge in the store)")
    .option(
      "--positive-min <n>",
      "positive when every judge scores at least this",
      score,
      DEFAULT_THRESHOLDS.positiveMin,
    )
    .option(
      "--negative-max <n>",
      "negative when every judge scores at most this",
      score,
      DEFAULT_THRESHOLDS.negativeMax,
    )
    .option("--rubric-version <v>", "read judgments made under this rubric version", RUBRIC_VERSION);
}

async function votes(o: VoteOptions) {
  const t = thresholds(o);
  const store = JudgmentStore.open(o.judgments, { readonly: true });
  try {
    const judges = votingJudges(store, o);
    const voted = await collectVotes(await loadPairs(o.pairs), store, judges, o.rubricVersion, t);
    return { voted, judges, t, spend: store.totals(o.rubricVersion) };
  } finally {
    store.close();
  }
}

async function poolCommand(o: {
  tasks: string;
  retrievers: string;
  topK: number;
  out: string;
}): Promise<void> {
  const specs = splitSpecs(o.retrievers);
  const dirs = findTasks(o.tasks);
  const retrievers: NamedRetriever[] = [];
  const out = new AtomicJsonlWriter(o.out);
  const counts: PoolCounts[] = [];
  try {
    for (const spec of specs) retrievers.push({ spec, model: await loadBenchModel(spec) });
    for (const dir of dirs) {
      const task: Task = await loadTask(dir);
      if ("data" in task) counts.push(await poolRankingTask(task, retrievers, o.topK, (p) => out.write(p)));
      else if ("pairs" in task) counts.push(poolStsTask(task, (p) => out.write(p)));
      else
        process.stderr.write(`care: skipping ${task.meta.name}: a clustering task has no pairs to judge\n`);
    }
    out.commit();
  } catch (e) {
    out.abort();
    throw e;
  } finally {
    await Promise.all(retrievers.map((r) => r.model.close?.()));
  }
  for (const c of counts) {
    const src = Object.entries(c.by_source)
      .map(([s, n]) => `${s} ${n}`)
      .join(", ");
    say(
      `${c.task}: ${c.queries} queries, ${c.pairs} pairs (${src}); ${c.labelled} labelled positives, ` +
        `${c.labelled_missed_by_retrievers} outside every retriever's top ${o.topK}`,
    );
  }
  printResult({ pairs: out.count, out: o.out, tasks: counts }, `${out.count} pairs written to ${o.out}`);
}

async function judgeCommand(o: {
  pairs: string;
  judges: string;
  out: string;
  retryFailed?: boolean;
}): Promise<void> {
  const configs = readJudgeConfigs(o.judges);
  const store = JudgmentStore.open(o.out);
  const judges = await openJudges(configs);
  try {
    const pending = await countPending(
      readPairs(o.pairs),
      judges.map((j) => j.name),
      store,
      o.retryFailed,
    );
    process.stderr.write(
      `care: ${pending} judgments to ask (rubric ${RUBRIC_VERSION}); the rest are stored\n`,
    );
    const progress = new Progress("judging", pending, "judgments");
    const run = await runJudges(readPairs(o.pairs), judges, store, { retryFailed: o.retryFailed, progress });
    const totals = store.totals(RUBRIC_VERSION);
    writeFileAtomic(
      join(o.out, "summary.json"),
      JSON.stringify({ rubric_version: RUBRIC_VERSION, this_run: run, totals }, null, 2) + "\n",
    );
    for (const t of totals) {
      const r = run.find((x) => x.judge === t.judge);
      say(
        `${t.judge}: ${t.scored} scored, ${t.failed} failed (this run: ${r?.asked ?? 0} asked, ${r?.failed ?? 0} failed); ` +
          `${t.input_tokens} input + ${t.output_tokens} output tokens, cost ${t.cost.toFixed(4)}`,
      );
    }
    printResult({ this_run: run, totals, file: store.file }, `judgments in ${store.file}`);
  } finally {
    await Promise.all(judges.map((j) => j.close()));
    store.close();
  }
}

async function baseTasks(spec: string | undefined): Promise<Map<string, Task>> {
  const out = new Map<string, Task>();
  if (!spec) return out;
  for (const dir of findTasks(spec)) {
    const t = await loadTask(dir);
    out.set(t.meta.name, t);
  }
  return out;
}

async function aggregateCommand(
  o: VoteOptions & { out: string; type?: "retrieval" | "reranking" | "sts"; tasks?: string },
): Promise<void> {
  const { voted, judges, t } = await votes(o);
  const bases = await baseTasks(o.tasks);
  const written: (CuratedCounts & { task: string; type: string; dir: string })[] = [];
  for (const [task, vs] of byTask(voted)) {
    const baseTask = bases.get(task);
    if (o.tasks && !baseTask)
      throw new CareError(`pairs name task "${task}", which is not among --tasks`, o.pairs);
    const isSts = vs.every((v) => v.pair.sources.includes("sts"));
    const type = o.type ?? (isSts ? "sts" : baseTask?.meta.type === "reranking" ? "reranking" : "retrieval");
    const dir = join(o.out, `${task}-curated`);
    let counts: CuratedCounts;
    if (type === "sts") {
      const built = buildStsTask(task, vs, judges, baseTask?.meta);
      writeStsTask(dir, built.meta, built.pairs);
      counts = built.counts;
    } else {
      let base: BaseTask | undefined;
      if (baseTask) {
        if (!("data" in baseTask)) throw new CareError(`task "${task}" is not a ranking task`, baseTask.dir);
        base = { meta: baseTask.meta, data: baseTask.data };
        const docs = new Set(base.data.corpus.map((d) => d.id));
        const queries = new Set(base.data.queries.map((q) => q.id));
        const stray = vs.find((v) => !docs.has(v.pair.doc_id) || !queries.has(v.pair.query_id));
        if (stray) {
          throw new CareError(
            `pair ${stray.pair.query_id}/${stray.pair.doc_id} of task "${task}" names an id the task folder lacks`,
            o.pairs,
          );
        }
      }
      const built = buildRankingTask(task, type, vs, judges, t, base);
      writeRankingTask(dir, built.meta, built.data);
      counts = built.counts;
    }
    say(
      `${dir}: ${type}, ${counts.queries} ${type === "sts" ? "pairs" : "queries"}, ${counts.docs} docs; votes: ` +
        `${counts.positives} positive, ${counts.negatives} negative, ${counts.unsure} unsure (left out)`,
    );
    written.push({ task, type, dir, ...counts });
  }
  printResult({ out: o.out, tasks: written }, `${written.length} curated task folders in ${o.out}`);
}

async function statsCommand(o: VoteOptions & { out: string }): Promise<void> {
  const { voted, judges, t, spend } = await votes(o);
  const stats: StatsFile = { ...curationStats(voted, judges, o.rubricVersion, t), spend };
  writeFileAtomic(o.out, JSON.stringify(stats, null, 2) + "\n");
  const k = (x: number | null) => (x === null ? "n/a" : x.toFixed(3));
  say(`${stats.pairs} pairs, ${stats.complete} scored by all ${judges.length} judges`);
  say(
    `votes: ${stats.decisions.positive} positive, ${stats.decisions.negative} negative, ${stats.decisions.unsure} unsure`,
  );
  say(`Fleiss' kappa: ${k(stats.fleiss.kappa)} over ${stats.fleiss.items} pairs`);
  for (const c of stats.cohen)
    say(`Cohen's kappa ${c.a} / ${c.b}: ${k(c.kappa)} (quadratic ${k(c.kappa_quadratic)})`);
  say(
    `positives per query: mean ${stats.positives_per_query.mean.toFixed(2)}, median ${stats.positives_per_query.median}`,
  );
  for (const a of stats.false_negative_audit) {
    const d = a.unlabelled_relevant_per_query;
    say(
      `false negatives in ${a.task}: ${a.unlabelled_relevant_total} unlabelled documents every judge calls relevant; ` +
        `per query mean ${d.mean.toFixed(2)}, median ${d.median}, p90 ${d.p90}, max ${d.max}`,
    );
  }
  printResult({ ...stats, file: o.out }, `statistics in ${o.out}`);
}

function exportLabels(dir: string, items: Awaited<ReturnType<typeof readReviewSample>>): void {
  const labels = ReviewLabels.open(join(dir, LABELS_FILE));
  try {
    const rows = exportRows(items, labels.all());
    const files = { csv: join(dir, "labels-export.csv"), jsonl: join(dir, "labels-export.jsonl") };
    writeFileAtomic(files.csv, exportCsv(rows));
    writeFileAtomic(files.jsonl, exportJsonl(rows));
    printResult(
      { labels: rows.length, ...files },
      `${rows.length} labels exported to ${files.csv} and .jsonl`,
    );
  } finally {
    labels.close();
  }
}

async function reviewCommand(
  o: Partial<VoteOptions> & {
    out: string;
    sample: number;
    seed: string;
    port: number;
    host: string;
    export?: boolean;
  },
): Promise<void> {
  if (existsSync(join(o.out, SAMPLE_FILE))) {
    if (o.pairs) process.stderr.write(`care: keeping the existing sample in ${join(o.out, SAMPLE_FILE)}\n`);
  } else {
    if (!o.pairs || !o.judgments) {
      throw new CareError(
        "no review sample yet: give --pairs and --judgments to draw one",
        join(o.out, SAMPLE_FILE),
      );
    }
    const { voted } = await votes(o as VoteOptions);
    const items = sampleForReview(voted, o.sample, o.seed);
    if (items.length === 0) throw new CareError("no pair has a positive or negative vote to review", o.pairs);
    writeReviewSample(o.out, items);
    say(`sampled ${items.length} pairs for review into ${join(o.out, SAMPLE_FILE)}`);
  }
  if (o.export) {
    exportLabels(o.out, await readReviewSample(o.out));
    return;
  }
  const server = await startReviewServer({ dir: o.out, port: o.port, host: o.host });
  say(`review page: ${server.url}  (labels are saved to ${join(o.out, LABELS_FILE)}; Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await server.close();
}

async function agreementCommand(o: { review: string; out?: string; positiveMin: number }): Promise<void> {
  const items = await readReviewSample(o.review);
  const labels = ReviewLabels.open(join(o.review, LABELS_FILE));
  let a: ExpertAgreement;
  try {
    a = pipelineExpertAgreement(
      items,
      new Map(labels.reviewers().map((r) => [r, labels.scoresOf(r)])),
      o.positiveMin,
    );
  } finally {
    labels.close();
  }
  const out = o.out ?? join(o.review, "agreement.json");
  writeFileAtomic(out, JSON.stringify(a, null, 2) + "\n");
  const pct = (x: number | null) => (x === null ? "n/a" : `${(100 * x).toFixed(1)}%`);
  say(`${a.items} pairs reviewed by ${a.reviewers.length} experts (${a.comparisons} labels)`);
  say(`pipeline-vs-expert agreement: ${pct(a.agreement)}`);
  for (const r of a.per_reviewer) say(`  ${r.reviewer}: ${pct(r.agreement)} over ${r.items} pairs`);
  say(
    `Fleiss' kappa (pipeline + experts): ${a.fleiss.kappa === null ? "n/a" : a.fleiss.kappa.toFixed(3)} over ${a.fleiss.items} pairs`,
  );
  printResult({ ...a, file: out }, `agreement in ${out}`);
}

function readJson<T>(file: string): T {
  if (!existsSync(file)) throw new CareError("file not found", file);
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch (e) {
    throw new CareError(`malformed JSON: ${(e as Error).message}`, file);
  }
}

function reportCommand(o: { stats: string; agreement?: string; out: string }): void {
  const stats = readJson<StatsFile>(o.stats);
  if (!Array.isArray(stats.judges) || typeof stats.histograms !== "object") {
    throw new CareError("not a statistics file from care curate stats", o.stats);
  }
  const agreement = o.agreement ? readJson<ExpertAgreement>(o.agreement) : undefined;
  const files = writeCurationReport(o.out, { stats, agreement });
  printResult(files, `report: ${files.markdown}, ${files.html}`);
}

const JUDGES_EXAMPLE = `
judges.json (an array, or {"judges": [...]}); keys are read from the named environment variables:
  [
    {"name": "api", "type": "openai", "base_url": "https://api.example.com/v1", "model": "judge-model",
     "api_key_env": "JUDGE_API_KEY", "concurrency": 8, "rpm": 300, "max_retries": 5, "timeout_ms": 60000,
     "price_per_1k_input": 0.002, "price_per_1k_output": 0.008},
    {"name": "vllm", "type": "openai", "base_url": "http://127.0.0.1:8000/v1", "model": "Qwen2.5-72B-Instruct"},
    {"name": "local", "type": "gguf", "path": "models/judge-q4_k_m.gguf", "threads": 8}
  ]
Optional for every judge: concurrency, max_reasks (2), temperature (0), max_tokens (256);
openai: rpm (60), max_retries (5), timeout_ms (60000), backoff_ms (1000), json_mode (true), prices per 1k tokens;
gguf: context_size (4096), threads.`;

export function register(program: Command): void {
  const curate = program
    .command("curate")
    .description(
      "build and audit relevance labels: candidate pools, LLM judges, votes, agreement, expert review",
    );

  curate
    .command("pool")
    .description("candidate pairs per query: every retriever's top k plus every labelled positive")
    .requiredOption("--tasks <dirs>", "task folders, or folders holding them, comma-separated")
    .requiredOption("--retrievers <specs>", `retrievers, comma-separated: ${SPEC_GRAMMAR}`)
    .option("--top-k <n>", "documents per retriever and query", positiveInt, 20)
    .requiredOption("--out <file>", "pairs JSONL to write")
    .action(poolCommand);

  curate
    .command("judge")
    .description("ask every judge about every pair not yet judged; resumable, append-only")
    .requiredOption("--pairs <file>", "pairs JSONL (from care curate pool)")
    .requiredOption("--judges <file>", "judges.json: OpenAI-compatible endpoints or local GGUF models")
    .requiredOption("--out <dir>", "judgment store folder (judgments.sqlite, summary.json)")
    .option("--retry-failed", "ask again where the stored judgment is a failure")
    .addHelpText("after", JUDGES_EXAMPLE)
    .action(judgeCommand);

  voteOptions(curate.command("aggregate"))
    .description(
      "unanimous votes to task folders (qrels for retrieval, candidates for reranking, scores for STS)",
    )
    .requiredOption("--out <dir>", "where <task>-curated folders go")
    .option(
      "--type <type>",
      "retrieval | reranking | sts (default: the source task's type)",
      oneOf("retrieval", "reranking", "sts"),
    )
    .option("--tasks <dirs>", "the source task folders: their corpus, queries and settings carry over")
    .action(aggregateCommand);

  voteOptions(curate.command("stats"))
    .description("agreement (Fleiss, Cohen), score histograms, positives per query, false-negative audit")
    .requiredOption("--out <file>", "statistics JSON to write")
    .action(statsCommand);

  curate
    .command("review")
    .description("serve the expert review page over a sample of voted pairs")
    .requiredOption("--out <dir>", "review folder (sample.jsonl, labels.jsonl)")
    .option("--pairs <file>", "pairs JSONL, to draw the sample (first run only)")
    .option("--judgments <dir>", "judgment store folder, to draw the sample (first run only)")
    .option("--judges <file>", "judges.json: only these judges vote")
    .option("--positive-min <n>", "vote threshold for positives", score, DEFAULT_THRESHOLDS.positiveMin)
    .option("--negative-max <n>", "vote threshold for negatives", score, DEFAULT_THRESHOLDS.negativeMax)
    .option("--rubric-version <v>", "rubric version of the judgments", RUBRIC_VERSION)
    .option("--sample <n>", "pairs to sample", positiveInt, 500)
    .option("--seed <s>", "sampling seed", "cmedteb")
    .option("--port <n>", "port (0 picks a free one)", port, 8642)
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--export", "write labels-export.csv and .jsonl into the review folder and exit")
    .action(reviewCommand);

  curate
    .command("agreement")
    .description("pipeline-vs-expert agreement rate and Fleiss' kappa over pipeline and experts")
    .requiredOption("--review <dir>", "review folder")
    .option("--positive-min <n>", "expert score counted as relevant", score, DEFAULT_THRESHOLDS.positiveMin)
    .option("--out <file>", "agreement JSON (default <review>/agreement.json)")
    .action(agreementCommand);

  curate
    .command("report")
    .description("markdown and HTML report with charts from care curate stats (and agreement)")
    .requiredOption("--stats <file>", "statistics JSON from care curate stats")
    .option("--agreement <file>", "agreement JSON from care curate agreement")
    .requiredOption("--out <dir>", "report folder")
    .action(reportCommand);
}
