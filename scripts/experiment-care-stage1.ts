/**
 * `npm run experiment:care-stage1 [-- --multiples 0,0.5,1,4,16] [--data DIR] [--work DIR] [--docs DIR]`
 *
 * The stage-I budget ablation of the small-scale CARE experiment (src/care/experiment/stage1-budget.ts),
 * on the dev split, at the learning rate the main experiment chose (read from its details.json). Writes
 * docs/experiments/<name>-stage1-budget.md, its plot, and <name>/stage1-budget.json. Resumes after a kill.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { experimentWorkDir, FULL } from "../src/care/experiment/config.js";
import { runStage1Budget } from "../src/care/experiment/stage1-budget.js";
import { stage1BudgetMarkdown, stage1BudgetSvg } from "../src/care/experiment/stage1-budget-report.js";
import { reportError } from "../src/cli/main.js";
import { CareError } from "../src/core/errors.js";
import { writeFileAtomic } from "../src/util/atomic.js";

async function run(): Promise<void> {
  const { values } = parseArgs({
    options: {
      multiples: { type: "string", default: "0,0.5,1,4,16" },
      data: { type: "string", default: "../shared/data" },
      work: { type: "string" },
      docs: { type: "string", default: "docs/experiments" },
    },
  });
  const config = FULL;
  const docs = resolve(values.docs!);
  const details = join(docs, config.name, "details.json");
  if (!existsSync(details))
    throw new CareError(
      "the ablation reads the main experiment's chosen learning rate: run `npm run experiment:care` first",
      details,
    );
  const lr = (JSON.parse(readFileSync(details, "utf8")) as { dev?: { chosen?: number } }).dev?.chosen;
  if (typeof lr !== "number") throw new CareError("no dev.chosen learning rate", details);
  const multiples = values.multiples!.split(",").map(Number);
  if (multiples.some((m) => !Number.isFinite(m) || m < 0))
    throw new CareError(`--multiples: expected non-negative numbers, got ${values.multiples}`);
  const r = await runStage1Budget({
    config,
    data: values.data!,
    work: values.work ?? experimentWorkDir(config.name),
    lr,
    multiples,
  });
  const plot = `${config.name}-stage1-budget.svg`;
  const json = join(config.name, "stage1-budget.json");
  writeFileAtomic(join(docs, plot), stage1BudgetSvg(r));
  writeFileAtomic(join(docs, json), JSON.stringify(r, null, 2) + "\n");
  const md = stage1BudgetMarkdown(r, { command: "npm run experiment:care-stage1", plot, json });
  writeFileAtomic(join(docs, `${config.name}-stage1-budget.md`), md);
  process.stdout.write(md);
}

run().catch((e) => {
  process.exitCode = reportError(e);
});
