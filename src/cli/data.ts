import type { Command } from "commander";
import { buildSuite, formatSuiteSummary } from "../data/build-suite.js";
import { registerBuildTrain } from "./mine.js";
import { printResult } from "./output.js";

/** `care data ...`: building task suites and training sets from the public data folder. */
export function register(program: Command): void {
  const data = program
    .command("data")
    .description("build evaluation suites and training sets from ../shared/data");
  data
    .command("build-suite")
    .description("write the CMedTEB-lite task folders (retrieval, reranking, STS, clustering)")
    .option("--from <dir>", "the data folder", "../shared/data")
    .requiredOption("--out <dir>", "where the task folders go")
    .action(async (opts: { from: string; out: string }) => {
      const summary = await buildSuite({ from: opts.from, out: opts.out });
      printResult(summary, formatSuiteSummary(summary));
    });
  registerBuildTrain(data);
}
