/**
 * `npm run bench:eval [-- --from <data dir>] [--rebuild]`: builds CMedTEB-lite into results/suite
 * (once; --rebuild forces it), runs BM25 over every task with saved TREC runs, prints the time and
 * main score of each task, and writes the figures to results/bench-eval.json.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { findTasks } from "../src/tasks/load.js";
import { loadBenchModel } from "../src/bench/load-model.js";
import { formatScore } from "../src/bench/report/leaderboard.js";
import { runBench } from "../src/bench/run.js";
import { reportError } from "../src/cli/main.js";
import { buildSuite, formatSuiteSummary } from "../src/data/build-suite.js";
import { writeFileAtomic } from "../src/util/atomic.js";
import { CareError } from "../src/core/errors.js";

const RESULTS = "results";
const SUITE = join(RESULTS, "suite");

function hasTasks(dir: string): boolean {
  try {
    return findTasks(dir).length > 0;
  } catch {
    return false;
  }
}

async function benchEval(): Promise<void> {
  const { values } = parseArgs({
    options: {
      from: { type: "string", default: "../shared/data" },
      rebuild: { type: "boolean", default: false },
    },
  });
  const start = performance.now();
  if (values.rebuild || !hasTasks(SUITE)) {
    if (!existsSync(values.from!))
      throw new CareError(
        `data folder not found; bench:eval builds CMedTEB-lite from the public data (chinese-blue/, kuake-qqr/, tianchi-covid-pairs/, medical-dialogue/): pass --from <dir>`,
        values.from,
      );
    process.stdout.write(formatSuiteSummary(await buildSuite({ from: values.from!, out: SUITE })) + "\n");
  } else {
    process.stdout.write(`suite: ${SUITE} (exists; --rebuild to rebuild)\n`);
  }
  const model = await loadBenchModel("bm25");
  const outcomes = await runBench({
    model,
    tasks: findTasks(SUITE),
    out: RESULTS,
    saveRun: true,
    overwrite: true,
  });
  const totalS = (performance.now() - start) / 1000;
  const width = Math.max(...outcomes.map((o) => o.result.task.length));
  for (const { result: r } of outcomes) {
    process.stdout.write(
      `${r.task.padEnd(width)}  ${r.type.padEnd(10)} ${r.main_metric.padEnd(15)} ${formatScore(r.main_score).padStart(6)}  ${r.duration_s.toFixed(1).padStart(6)}s  (${r.n_queries} queries, ${r.n_docs} docs)\n`,
    );
  }
  const file = join(RESULTS, "bench-eval.json");
  writeFileAtomic(
    file,
    JSON.stringify(
      {
        model: model.name,
        suite: SUITE,
        total_s: Math.round(totalS * 10) / 10,
        evaluated_at: new Date().toISOString(),
        tasks: outcomes.map(({ result: r, file: resultFile }) => ({
          task: r.task,
          type: r.type,
          main_metric: r.main_metric,
          main_score: r.main_score,
          duration_s: r.duration_s,
          n_queries: r.n_queries,
          n_docs: r.n_docs,
          result: resultFile,
        })),
      },
      null,
      2,
    ) + "\n",
  );
  process.stdout.write(
    `total ${totalS.toFixed(1)}s; figures in ${file}, per-task results and TREC runs in ${dirname(outcomes[0].file)}/\n`,
  );
}

benchEval().catch((e: unknown) => {
  process.exitCode = reportError(e);
});
