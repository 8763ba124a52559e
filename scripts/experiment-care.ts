/**
 * `npm run experiment:care [-- --quick] [--data DIR] [--work DIR] [--results DIR] [--docs DIR] [--note FILE]`
 *
 * The small-scale CARE reproduction (src/care/experiment): trains and evaluates the five models, then
 * writes docs/experiments/<name>.md (table, placement, commands, wall time), <name>.svg (quality against
 * query latency) and <name>.json (the summary every figure is read from). The full setting takes up to
 * three hours on a 2-core machine and resumes after an interruption; --quick is a pipeline check.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { experimentWorkDir, FULL, QUICK } from "../src/care/experiment/config.js";
import { experimentMarkdown } from "../src/care/experiment/report.js";
import { qualityLatencySvg } from "../src/care/experiment/plot.js";
import { runExperiment } from "../src/care/experiment/run.js";
import { reportError } from "../src/cli/main.js";
import { writeFileAtomic } from "../src/util/atomic.js";

async function run(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      data: { type: "string", default: "../shared/data" },
      work: { type: "string" },
      results: { type: "string", default: "results/experiments" },
      docs: { type: "string", default: "docs/experiments" },
      note: { type: "string" },
    },
  });
  const config = values.quick ? QUICK : FULL;
  // Under .cache (git-ignored, kept between runs) so a rerun resumes and `npm run demo` finds the trained pair.
  const work = values.work ?? experimentWorkDir(config.name);
  const summary = await runExperiment({ config, data: values.data!, work, results: values.results! });
  const docs = resolve(values.docs!);
  const plotFile = `${config.name}.svg`;
  const points = summary.rows.map((r) => ({
    label: r.label,
    latencyMs: r.latency.p50_ms,
    score: r.mean,
    asymmetric: r.asymmetric,
  }));
  writeFileAtomic(
    join(docs, plotFile),
    qualityLatencySvg(points, `${config.name}: mean main score against query latency`),
  );
  writeFileAtomic(join(docs, `${config.name}.json`), JSON.stringify(summary, null, 2) + "\n");
  const markdown = experimentMarkdown(summary, {
    plotFile,
    command: `npm run experiment:care${values.quick ? " -- --quick" : ""}`,
    root: process.cwd(),
    notes: values.note ? [readFileSync(values.note, "utf8").trim()] : undefined,
    quick: values.quick!,
    summaryCopy: join(docs, `${config.name}.json`),
  });
  const doc = join(docs, `${config.name}.md`);
  writeFileAtomic(doc, markdown);
  process.stdout.write(`${markdown}\nwritten: ${doc}, ${join(docs, plotFile)}, ${summary.summaryFile}\n`);
}

run().catch((e) => {
  process.exitCode = reportError(e);
});
