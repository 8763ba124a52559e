/** The stage-I budget ablation as a report: a table, and dev nDCG@10 against stage-I updates as a plot. */
import { lineChartSvg } from "../../util/chart.js";
import { formatSeconds } from "../../util/progress.js";
import type { BudgetResult } from "./stage1-budget.js";

const pts = (v: number | null) => (v === null ? "n/a" : (100 * v).toFixed(2));

export function stage1BudgetSvg(r: BudgetResult): string {
  const ref = (model: string) => r.points.find((p) => p.model === model)?.dev_ndcg_at_10 ?? null;
  const xs = r.points.map((p) => p.stage1_updates);
  const span = [Math.min(...xs), Math.max(...xs)];
  const curve = (joint: boolean) =>
    r.points
      .filter((p) => !p.model.startsWith("sym-") && p.stage2_updates > 0 === joint)
      .map((p) => ({ x: p.stage1_updates, y: 100 * (p.dev_ndcg_at_10 ?? NaN) }));
  const flat = (model: string) => span.map((x) => ({ x, y: 100 * (ref(model) ?? NaN) }));
  return lineChartSvg(
    `${r.config}: dev nDCG@10 against stage-I updates (seed ${r.seed})`,
    [
      { name: "stage I alone", points: curve(false) },
      { name: `stage I, then ${r.updates / 2} stage-II updates (frozen doc)`, points: curve(true) },
      { name: "sym-small", points: flat("sym-small") },
      { name: "sym-large", points: flat("sym-large") },
    ],
    "stage-I updates",
    "dev nDCG@10 (points)",
  );
}

export function stage1BudgetMarkdown(
  r: BudgetResult,
  o: { command: string; plot: string; json: string },
): string {
  const rows = r.points.map(
    (p) =>
      `| ${p.model} | ${p.stage1_updates} | ${p.stage2_updates} | ${pts(p.dev_ndcg_at_10)} | ${p.alignment === null ? "n/a" : p.alignment.toFixed(3)} |`,
  );
  return [
    `# ${r.config}: how many stage-I updates the query encoder needs`,
    "",
    `The main experiment gives every model ${r.updates} optimizer updates (stage I+II: ${r.updates / 2} + ${r.updates / 2}). Here the query encoder of seed ${r.seed} is aligned to sym-large (stage I) for other budgets, alone and followed by ${r.updates / 2} stage-II updates with the document side frozen, at the main run's settings (lr ${r.lr} from random weights, chosen there on the dev split). Every figure is on the dev split (${r.dev_rows} training rows held apart from training and from the suite), so nothing here is read from the evaluation tasks, and nothing here chose a setting of the main run.`,
    "",
    "Alignment is what stage I optimises: the mean cosine between a dev query through the query encoder and the same text through the document encoder (cut to the query width, normalised); 1 would be a perfect copy. It is high even for weak pairs because the document encoder's vectors share a common direction, so the last few hundredths of it are where ranking quality is decided.",
    "",
    "| model | stage-I updates | stage-II updates | dev nDCG@10 | alignment |",
    "|---|---:|---:|---:|---:|",
    ...rows,
    "",
    `![dev nDCG@10 against stage-I updates](${o.plot})`,
    "",
    `Figures: \`${o.json}\`. Rerun: \`${o.command}\` (it reuses the main experiment's finished runs from its work folder), wall time ${formatSeconds(r.wall_seconds)} for this invocation (runs and evaluations an earlier one finished are kept, not redone), finished ${r.finished}.`,
    "",
  ].join("\n");
}
