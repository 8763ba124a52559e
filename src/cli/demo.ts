import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { port } from "./args.js";
import { CareError } from "../core/errors.js";
import { findTasks } from "../tasks/load.js";
import { runBench } from "../bench/run.js";
import { writeLeaderboard } from "../bench/report/write.js";
import { buildSuite } from "../data/build-suite.js";
import { checkSuiteSources } from "../data/suite.js";
import { FULL, trainedCarePair } from "../care/experiment/config.js";
import { trainSmallPair, type SmallPairSettings } from "../care/small-pair.js";
import type { FusionChoice } from "../bench/fusion-choice.js";
import { DEFAULT_FUSION, hybridPrefix, type Fusion } from "../core/spec.js";
import { openCareEmbedder } from "../embed/load.js";
import { buildBm25Side } from "../lexical/bm25-side.js";
import { createBm25Model } from "../lexical/bm25.js";
import { buildIndex, DOCUMENTS_ONLY } from "../store/build.js";
import type { RetrieverKind } from "../serve/retriever.js";
import { createServer } from "../serve/server.js";
import { say } from "./output.js";

export interface DemoOptions {
  from: string;
  work: string;
  /** A trained pair of the user's: query (small, online) and document (large, offline) checkpoints. */
  query?: string;
  doc?: string;
  /** Train a small CARE pair on the data first (minutes) and serve hybrid search over it. */
  train?: boolean;
  serve: boolean;
  port: number;
  /** The suite task whose corpus the search page searches. */
  corpus?: string;
  /** Where a pair trained by `npm run experiment:care` is looked for (default: that experiment's folder). */
  trainedPair?: { queryDir: string; docDir: string };
  /** The small pair's sizes and steps for --train (default SMALL_PAIR). */
  pairSettings?: SmallPairSettings;
}

export interface Demo {
  /** The search page, when serving. */
  url?: string;
  retriever: RetrieverKind;
  /** The index folder the page searches. */
  index: string;
  close(): Promise<void>;
}

/**
 * Medical search-engine queries over web-page titles, with graded labels: the corpus on which BM25's
 * first hit is most often relevant (two in three queries), so a page without trained encoders still
 * answers well.
 */
export const DEMO_CORPUS_TASK = "CMedIR-Retrieval";

const BM25_NOTE =
  "No trained encoder pair: this page searches with BM25 alone. " +
  "Run `npm run demo -- --train` to train a small CARE pair and search with BM25 and it fused (hybrid).";

/**
 * The product's main job in one command, through the library: build CMedTEB-lite from the public data,
 * benchmark BM25 on it and write the report; then index a medical corpus and serve the search page.
 * With a trained CARE pair (given, trained by `--train`, or left by `npm run experiment:care`) the
 * page searches by BM25 and the pair fused; without one, by BM25 alone, and it says so. It never
 * serves untrained encoders: their rankings would be noise.
 */
export async function runDemo(o: DemoOptions, say: (line: string) => void): Promise<Demo> {
  checkSuiteSources(o.from);
  const work = resolve(o.work);
  const suite = join(work, "suite");
  const task = o.corpus ?? DEMO_CORPUS_TASK;
  if (!existsSync(join(suite, task, "task.json"))) {
    say(`building CMedTEB-lite from ${resolve(o.from)} into ${suite}`);
    await buildSuite({ from: o.from, out: suite });
  }
  const results = join(work, "results");
  const tasks = findTasks(suite);
  say(`benchmarking BM25 on ${tasks.length} tasks`);
  await runBench({ model: createBm25Model(), tasks, out: results });
  const { html, markdown } = writeLeaderboard([results], results, { taskDirs: tasks });
  say(`report: ${html}\n        ${markdown}`);

  const pair = await demoPair(o, work, say);
  const corpus = join(suite, task);
  let index: string;
  if (pair) {
    index = join(
      work,
      `index-${createHash("sha256").update(resolve(pair.docDir)).digest("hex").slice(0, 12)}`,
    );
    const encoder = await openCareEmbedder(pair.queryDir, pair.docDir);
    try {
      say(`indexing ${task} with the document encoder (${pair.docDir})`);
      await buildIndex({ corpus, out: index, encoders: [encoder], progress: true });
    } finally {
      await encoder.close?.();
    }
  } else {
    index = join(work, "index-bm25");
    say(`storing ${task} for BM25`);
    await buildIndex({ corpus, out: index, encoders: [DOCUMENTS_ONLY], progress: true });
  }
  buildBm25Side(index);
  const retriever: RetrieverKind = pair ? "hybrid" : "bm25";
  if (!pair) say(`NOTE: ${BM25_NOTE}`);
  if (!o.serve) return { retriever, index, close: async () => undefined };
  // Online, only the small query encoder runs: that is CARE's point.
  const server = pair
    ? await createServer({
        index,
        query: `hf:${pair.queryDir}`,
        retriever,
        fusion: pair.fusion,
        ...(pair.dev ? { pageNote: devNote(pair.dev) } : {}),
      })
    : await createServer({ index, retriever, pageNote: BM25_NOTE });
  const url = await server.listen(o.port);
  say(
    `search page: ${url}/   (${retriever === "bm25" ? "BM25" : "hybrid: BM25 + the CARE pair"}; Ctrl-C stops the server)`,
  );
  return { url, retriever, index, close: () => server.close() };
}

/**
 * The trained pair to serve, if any: the one the user names, else one trained now (--train), else the
 * pair `npm run experiment:care` trained.
 */
async function demoPair(
  o: DemoOptions,
  work: string,
  say: (line: string) => void,
): Promise<DemoPair | undefined> {
  if (o.query && o.doc) return { queryDir: o.query, docDir: o.doc, fusion: DEFAULT_FUSION };
  if (o.query || o.doc) throw new CareError("--query and --doc name a trained pair: give both, or neither");
  if (o.train) {
    say("training a small CARE pair on the public data (a few minutes on a laptop; a rerun resumes)");
    const pair = await trainSmallPair({
      from: o.from,
      work: join(work, "pair"),
      settings: o.pairSettings,
      log: say,
    });
    say(devNote(pair.dev));
    return pair;
  }
  const trained = o.trainedPair ?? trainedCarePair(FULL.name);
  if (existsSync(join(trained.queryDir, "config.json")) && existsSync(join(trained.docDir, "config.json"))) {
    say(`using the CARE pair trained by npm run experiment:care (${trained.queryDir}, ${trained.docDir})`);
    return { ...trained, fusion: DEFAULT_FUSION };
  }
  return undefined;
}

interface DemoPair {
  queryDir: string;
  docDir: string;
  fusion: Fusion;
  /** How the pair did on the dev split held apart from its training, when the demo trained it. */
  dev?: FusionChoice;
}

/** The dev split's verdict, for the console and the page: plainly, whether hybrid beats BM25 alone. */
function devNote(dev: FusionChoice): string {
  const pct = (x: number) => (100 * x).toFixed(2);
  const chosen = dev.fused.find((f) => JSON.stringify(f.fusion) === JSON.stringify(dev.best))!;
  // Within a point of BM25 is within the noise of a few hundred queries.
  const gain = 100 * (chosen.ndcg10 - dev.lexical);
  const verdict =
    gain >= 1
      ? `${gain.toFixed(2)} points better than BM25 alone`
      : `NOT better than BM25 alone (${gain >= 0 ? "+" : ""}${gain.toFixed(2)} points): a pair trained from random weights in minutes adds little to it`;
  return (
    `dev split (question-answer rows held apart from training), nDCG@10: BM25 ${pct(dev.lexical)}, ` +
    `the CARE pair alone ${pct(dev.dense)}, ${hybridPrefix(dev.best)} ${pct(chosen.ndcg10)} (${verdict})`
  );
}

export function register(program: Command): void {
  program
    .command("demo")
    .description(
      "build CMedTEB-lite, benchmark BM25 and write the report, then index a medical corpus and serve the search page",
    )
    .option("--from <dir>", "the public data folder", "../shared/data")
    .option("--work <dir>", "where the suite, results, models and index go", "results/demo")
    .option("--train", "train a small CARE pair first (minutes) and serve hybrid search over it")
    .option("--query <dir>", "query encoder checkpoint of a trained pair (small, online)")
    .option("--doc <dir>", "document encoder checkpoint of a trained pair (large, offline)")
    .option("--corpus <task>", "the suite task whose corpus the page searches", DEMO_CORPUS_TASK)
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
