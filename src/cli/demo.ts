import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { port } from "./args.js";
import { findTasks } from "../tasks/load.js";
import { runBench } from "../bench/run.js";
import { writeLeaderboard } from "../bench/report/write.js";
import { buildSuite } from "../data/build-suite.js";
import { checkSuiteSources } from "../data/suite.js";
import { FULL, trainedCarePair } from "../care/experiment/config.js";
import { openCareEmbedder } from "../embed/load.js";
import { createBm25Model } from "../lexical/bm25.js";
import { buildIndex } from "../store/build.js";
import { makeTiny } from "../models/make-tiny.js";
import { createServer } from "../serve/server.js";
import { say } from "./output.js";

interface DemoOptions {
  from: string;
  work: string;
  query?: string;
  doc?: string;
  serve: boolean;
  port: number;
  /** Where a pair trained by `npm run experiment:care` is looked for (default: that experiment's folder). */
  trainedPair?: { queryDir: string; docDir: string };
}

/** The corpus the demo's search page searches: doctors' answers to patients' questions. */
const DEMO_CORPUS_TASK = "MedicalDialogue-Retrieval";

/**
 * The product's main job in one command: build CMedTEB-lite from the public data, benchmark BM25 on it
 * and write the report; then index a medical corpus with an asymmetric CARE pair (a large document
 * encoder offline, a small query encoder online) and serve the search page.
 */
export async function runDemo(
  o: DemoOptions,
  say: (line: string) => void,
): Promise<{ url?: string; close(): Promise<void> }> {
  checkSuiteSources(o.from);
  const work = resolve(o.work);
  const suite = join(work, "suite");
  if (!existsSync(join(suite, DEMO_CORPUS_TASK, "task.json"))) {
    say(`building CMedTEB-lite from ${resolve(o.from)} into ${suite}`);
    await buildSuite({ from: o.from, out: suite });
  }
  const results = join(work, "results");
  const tasks = findTasks(suite);
  say(`benchmarking BM25 on ${tasks.length} tasks`);
  await runBench({ model: createBm25Model(), tasks, out: results });
  const { html, markdown } = writeLeaderboard([results], results, { taskDirs: tasks });
  say(`report: ${html}\n        ${markdown}`);

  const { queryDir, docDir } = demoModels(o, work, say);
  const encoder = await openCareEmbedder(queryDir, docDir);
  const index = join(work, "index");
  try {
    say(`indexing ${DEMO_CORPUS_TASK} with the document encoder (${docDir})`);
    await buildIndex({
      corpus: join(suite, DEMO_CORPUS_TASK),
      out: index,
      encoders: [encoder],
      progress: true,
    });
  } finally {
    await encoder.close?.();
  }
  if (!o.serve) return { close: async () => undefined };
  // Online, only the small query encoder runs: that is CARE's point.
  const server = await createServer({ index, query: `hf:${queryDir}` });
  const url = await server.listen(o.port);
  say(`search page: ${url}/   (Ctrl-C stops the server)`);
  return { url, close: () => server.close() };
}

/**
 * The best encoders available offline: ones the user names, else the pair `npm run experiment:care`
 * trained, else tiny random checkpoints, which exercise the whole pipeline but rank no better than chance.
 */
function demoModels(
  o: DemoOptions,
  work: string,
  say: (line: string) => void,
): { queryDir: string; docDir: string } {
  if (o.query && o.doc) return { queryDir: o.query, docDir: o.doc };
  const trained = o.trainedPair ?? trainedCarePair(FULL.name);
  if (existsSync(join(trained.queryDir, "config.json")) && existsSync(join(trained.docDir, "config.json"))) {
    say(`using the CARE pair trained by npm run experiment:care (${trained.queryDir}, ${trained.docDir})`);
    return trained;
  }
  const models = join(work, "models");
  const queryDir = join(models, "query-tiny-random");
  const docDir = join(models, "doc-tiny-random");
  if (!existsSync(join(queryDir, "config.json"))) makeTiny({ out: queryDir, family: "bert", seed: 1 });
  if (!existsSync(join(docDir, "config.json")))
    makeTiny({ out: docDir, family: "qwen3", layers: 2, hidden: 64, seed: 2 });
  say(
    "NOTE: no trained encoders were given (--query/--doc), so the search page uses tiny RANDOM encoders:\n" +
      "      the pipeline is real, the rankings are meaningless. Train a pair with `npm run experiment:care`.",
  );
  return { queryDir, docDir };
}

export function register(program: Command): void {
  program
    .command("demo")
    .description(
      "build CMedTEB-lite, benchmark BM25 and write the report, then index a corpus and serve the search page",
    )
    .option("--from <dir>", "the public data folder", "../shared/data")
    .option("--work <dir>", "where the suite, results, models and index go", "results/demo")
    .option("--query <dir>", "query encoder checkpoint (small, online)")
    .option("--doc <dir>", "document encoder checkpoint (large, offline)")
    .option("--no-serve", "stop after indexing instead of serving the search page")
    .option("--port <n>", "port for the search page", port, 8080)
    .action(async (opts: DemoOptions) => {
      const demo = await runDemo(opts, say);
      if (!demo.url) return;
      await new Promise<void>((done) => {
        const stop = () => void demo.close().then(done);
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
