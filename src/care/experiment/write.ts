/** Writes an experiment's outputs under a docs folder: the report, its plots, summary and per-run files. */
import { join } from "node:path";
import { writeFileAtomic } from "../../util/atomic.js";
import { intervalBarsSvg } from "../../util/chart.js";
import { qualityLatencySvg } from "./plot.js";
import { experimentMarkdown, summaryJson, targetChecks } from "./report.js";
import { MODEL_NAMES, type ExperimentResult } from "./run.js";

export interface Written {
  markdown: string;
  files: string[];
}

const json = (v: unknown): string => JSON.stringify(v, null, 2) + "\n";

export function writeExperiment(
  r: ExperimentResult,
  docs: string,
  o: { command: string; quick: boolean },
): Written {
  const name = r.config.name;
  const dataDir = join(docs, name);
  const L = String(r.config.queryMaxLength);
  const summary = summaryJson(r);
  const plots = { bars: `${name}-means.svg`, latency: `${name}-latency.svg` };
  const files: string[] = [];
  const put = (file: string, text: string) => {
    writeFileAtomic(file, text);
    files.push(file);
  };
  for (const run of r.runs)
    put(
      join(dataDir, "runs", `${run.model}-seed${run.seed}.json`),
      json({ ...run, instruction_policy: r.instructionPolicy, updates: r.config.updates }),
    );
  put(
    join(dataDir, "details.json"),
    json({
      config: r.config,
      instruction_policy: r.instructionPolicy,
      headline_tasks: r.aggregated.headlineTasks,
      excluded: r.aggregated.excluded,
      random_reference: r.aggregated.random,
      models: r.aggregated.models,
      latency: r.latency,
      training: r.training,
      dev: r.dev,
      encoders: r.encoders,
      targets: targetChecks(summary),
      wall_seconds: r.wallSeconds,
      machine: r.machine,
      finished: r.finished,
    }),
  );
  const bars = MODEL_NAMES.flatMap((m) => {
    const s = summary.models[m];
    return s.mean === null ? [] : [{ label: m, value: s.mean, ci: s.ci95 }];
  });
  put(
    join(docs, plots.bars),
    intervalBarsSvg(
      `${name}: headline mean over tasks`,
      bars,
      "headline mean (points), 95% bootstrap interval over queries",
    ),
  );
  const points = MODEL_NAMES.flatMap((m) => {
    const s = summary.models[m];
    const lat = r.latency[m]?.byLength[L]?.p50_ms;
    return s.mean === null || lat === undefined
      ? []
      : [{ label: m, latencyMs: lat, score: s.mean, asymmetric: m.startsWith("care") || m === "hybrid" }];
  });
  put(
    join(docs, plots.latency),
    qualityLatencySvg(points, `${name}: headline mean against query latency (${L} tokens)`),
  );
  const markdown = experimentMarkdown(r, { ...o, plots, dataDir: `${name}` });
  put(join(docs, `${name}.md`), markdown);
  // Last: a summary.json present means the files it goes with are complete.
  put(join(dataDir, "summary.json"), json(summary));
  return { markdown, files };
}
