import type { Command } from "commander";
import { evaluateRun } from "../bench/eval-run.js";
import { formatScore } from "../bench/report/leaderboard.js";
import { readQrelsFile, readTrecRun } from "../bench/trec-files.js";
import { K_VALUES } from "../core/score-names.js";
import { printResult } from "./output.js";

export function register(program: Command): void {
  program
    .command("eval-run")
    .description("score a TREC run from any system with care bench's ranking metrics (MTEB's names)")
    .argument("<run>", "TREC run: qid Q0 docid rank score tag")
    .argument("<qrels>", "judgments: TREC qrels (qid iter docid rel) or a task folder's qrels TSV")
    .action(async (runFile: string, qrelsFile: string) => {
      const e = evaluateRun(await readTrecRun(runFile), await readQrelsFile(qrelsFile));
      const metrics = ["ndcg", "map", "mrr", "recall", "precision"];
      const rows = metrics.map((m) =>
        [m.padEnd(10), ...K_VALUES.map((k) => formatScore(e.scores[`${m}_at_${k}`]).padStart(7))].join(""),
      );
      // --json (the global flag): every score, unrounded.
      printResult(
        { queries: e.queries, ...e.scores },
        [
          `${e.queries} queries with a relevant judgment (scores × 100, at k =)`,
          ["".padEnd(10), ...K_VALUES.map((k) => String(k).padStart(7))].join(""),
          ...rows,
        ].join("\n"),
      );
      if (e.unranked.length > 0)
        process.stderr.write(
          `care: ${e.unranked.length} judged queries have no ranking in the run (e.g. "${e.unranked[0]}"); each scores 0, as with trec_eval -c\n`,
        );
      if (e.unjudged.length > 0)
        process.stderr.write(
          `care: ${e.unjudged.length} queries of the run have no relevant judgment (e.g. "${e.unjudged[0]}") and are not scored\n`,
        );
    });
}
