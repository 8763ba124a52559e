/**
 * `npm run experiment:care [-- --quick] [--data DIR] [--work DIR] [--docs DIR]`
 *
 * The small-scale CARE experiment (src/care/experiment): trains the models for every seed, evaluates
 * them with per-query bootstrap intervals, times queries, then writes docs/experiments/<name>.md (tables,
 * targets), two SVG plots beside it, and docs/experiments/<name>/ (summary.json, details.json, one file
 * per model and seed). Nothing is written under docs until the whole run has finished. It resumes after
 * a kill (trained models, checkpoints and evaluations are kept in the work folder) and prints progress
 * with an ETA. --quick is a pipeline check with tiny models.
 */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { experimentWorkDir, FULL, QUICK } from "../src/care/experiment/config.js";
import { writeExperiment } from "../src/care/experiment/write.js";
import { runExperiment } from "../src/care/experiment/run.js";
import { reportError } from "../src/cli/main.js";

async function run(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      data: { type: "string", default: "../shared/data" },
      work: { type: "string" },
      docs: { type: "string", default: "docs/experiments" },
    },
  });
  const config = values.quick ? QUICK : FULL;
  // Under .cache (git-ignored, kept between runs) so a rerun resumes and `npm run demo` finds the trained pair.
  const work = values.work ?? experimentWorkDir(config.name);
  const result = await runExperiment({ config, data: values.data!, work });
  const written = writeExperiment(result, resolve(values.docs!), {
    command: `npm run experiment:care${values.quick ? " -- --quick" : ""}`,
    quick: values.quick!,
  });
  process.stdout.write(`${written.markdown}\nwritten: ${written.files.join(", ")}\n`);
  process.stdout.write(`summary: ${join(values.docs!, config.name, "summary.json")}\n`);
}

run().catch((e) => {
  process.exitCode = reportError(e);
});
