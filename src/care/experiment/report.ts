/**
 * The experiment's write-up: the quality table (main score per task, mean, query latency), where the
 * asymmetric pair landed relative to the two symmetric models, the plot, the commands and the wall time,
 * each figure named with the result file it was read from.
 */
import { relative } from "node:path";
import { formatSeconds } from "../../util/progress.js";
import type { ExperimentSummary, ModelRow } from "./run.js";

const score = (v: number | null | undefined): string =>
  v === null || v === undefined ? "n/a" : (100 * v).toFixed(2);

export function resultTable(s: ExperimentSummary): string {
  const header = ["model", ...s.tasks.map((t) => t.name), "mean", "p50 ms"];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map((_, i) => (i ? "---:" : "---")).join("|")}|`];
  for (const r of s.rows) {
    const cells = [
      r.label,
      ...s.tasks.map((t) => score(r.scores[t.name])),
      score(r.mean),
      r.latency.p50_ms.toFixed(2),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/** Where the full recipe (stage I+II) landed against the symmetric models, in words. */
export function placement(s: ExperimentSummary): string {
  const by = (k: string): ModelRow => s.rows.find((r) => r.key === k)!;
  const large = by("symmetric-large");
  const small = by("symmetric-small");
  const care = by("care-stage1+2");
  const m = (r: ModelRow) => score(r.mean);
  const speed = `its query latency is ${care.latency.p50_ms.toFixed(2)} ms against ${large.latency.p50_ms.toFixed(2)} ms for the large model and ${small.latency.p50_ms.toFixed(2)} ms for the small one`;
  const lo = Math.min(large.mean, small.mean);
  const hi = Math.max(large.mean, small.mean);
  let where: string;
  if (care.mean >= lo && care.mean <= hi) where = "lands between the two symmetric models";
  else if (care.mean > hi) where = "scores above both symmetric models";
  else where = "scores below both symmetric models";
  return `CARE stage I+II (mean ${m(care)}) ${where} (symmetric large ${m(large)}, symmetric small ${m(small)}); ${speed}.`;
}

export interface ReportOptions {
  /** The plot's file name, beside the report. */
  plotFile: string;
  /** The command that produced the run. */
  command: string;
  /** Paths in the report are written relative to this folder (the repository root). */
  root: string;
  /** A committed copy of the summary (results/ stays out of the repository). */
  summaryCopy?: string;
  /** Paragraphs about what was tried when the pair did not land where the paper's does. */
  notes?: string[];
  quick: boolean;
}

export function experimentMarkdown(s: ExperimentSummary, o: ReportOptions): string {
  const rel = (p: string) => (p.startsWith(o.root) ? relative(o.root, p) : p);
  const c = s.config;
  const lines = [
    `# CARE at small scale: ${s.name}`,
    "",
    o.quick
      ? "**Quick setting: a pipeline check with tiny models and a few steps on a subset of the tasks. The numbers below carry no information about the method.**"
      : "The paper's claim at small scale: a small query encoder aligned to a larger document encoder (CARE stages I and II) approaches the larger model's retrieval quality at the small model's query latency.",
    "",
    "## Setup",
    "",
    `- Document encoder: Qwen3 family, ${c.large.layers} layers × ${c.large.hidden}, random initialisation, trained contrastively on the training pairs (symmetric: one model for both sides).`,
    `- Query encoder: BERT family, ${c.small.layers} layers × ${c.small.hidden}, random initialisation, trained four ways: symmetric on its own, CARE stage I only, stage II only, stage I then II.`,
    `- Training data: \`care data build-train\` (CMedQQ, KUAKE-QQR and Tianchi pairs outside the held-out split, medical dialogues outside the evaluation part; no text shared with the suite)${c.maxRows ? `, first ${c.maxRows} rows of each file` : ""}.`,
    `- Evaluation: CMedTEB-lite (\`care data build-suite\`), ${s.tasks.length} tasks, main score of each (×100).`,
    `- Query latency: the online query encoder alone, one query per call (batch 1), one ONNX Runtime thread, ${s.rows[0]?.latency.queries ?? 0} queries of the first ranking task with its instruction, after 5 warm-up calls, the five encoders taking turns query by query; p50 in milliseconds. Machine: ${s.machine.cpus} × ${s.machine.model}, Node ${s.machine.node}, shared with other jobs.`,
    `- Settings (steps, learning rate, batch, group size): symmetric large ${fmt(c.symmetricLarge)}; symmetric small ${fmt(c.symmetricSmall)}; stage I ${fmt(c.stage1)}; stage II ${fmt(c.stage2)}, LoRA rank ${c.loraRank} on the document side; query length ${c.queryMaxLength}, document length ${c.docMaxLength} tokens.`,
    "",
    "## Results",
    "",
    resultTable(s),
    "",
    placement(s),
    "",
    ...(o.notes?.length ? [...o.notes, ""] : []),
    `![quality against query latency](${o.plotFile})`,
    "",
    "## Where each figure comes from",
    "",
    `Scores: the \`main_score\` of each result file below (written by \`runBench\`, as \`care bench\` writes them). Latency: \`${rel(s.latencyFile)}\`. Everything: \`${rel(s.summaryFile)}\`${o.summaryCopy ? ` (results/ is not committed; \`${rel(o.summaryCopy)}\` is a copy of it with every figure above)` : ""}.`,
    "",
    ...s.rows.flatMap((r) => [
      `- ${r.label} (\`${r.spec.replace(o.root + "/", "")}\`):`,
      ...Object.entries(r.resultFiles).map(([t, f]) => `  - ${t}: \`${rel(f)}\``),
    ]),
    "",
    "## Commands",
    "",
    `The whole run: \`${o.command}\` (wall time ${formatSeconds(s.wallSeconds)}, finished ${s.finished}). It ran these steps, in process:`,
    "",
    "| step | command | time |",
    "|---|---|---:|",
    ...s.steps.map(
      (st) =>
        `| ${st.label} | \`${st.command.replace(/\|/g, "\\|")}\` | ${st.skipped ? "done earlier" : formatSeconds(st.seconds)} |`,
    ),
    "",
  ];
  return lines.join("\n");
}

function fmt(r: { steps: number; lr: number; batchSize: number; groupSize?: number }): string {
  return `${r.steps} steps, lr ${r.lr}, batch ${r.batchSize}${r.groupSize ? `, group ${r.groupSize}` : ""}`;
}
