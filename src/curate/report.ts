import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import type { ExpertAgreement } from "./expert-agreement.js";
import type { CurationStats, Distribution } from "./stats.js";
import type { JudgeTotals } from "./store.js";
import { barChartSvg, heatmapSvg } from "../util/chart.js";
import { escapeHtml } from "../util/html.js";

/** What `care curate stats` writes: the statistics plus each judge's spend from the store. */
export interface StatsFile extends CurationStats {
  spend: JudgeTotals[];
}

export interface ReportInput {
  stats: StatsFile;
  agreement?: ExpertAgreement;
}

const fmt = (x: number | null | undefined, digits = 3): string =>
  x === null || x === undefined || !Number.isFinite(x) ? "n/a" : x.toFixed(digits);

function mdTable(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) =>
    `| ${cells.map((c) => String(c).replace(/\|/g, "\\|")).join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

/** Counts 0..cap-1 and one "≥cap" bucket, so a long tail cannot squash the chart. */
function buckets(d: Distribution, cap = 20): { labels: string[]; values: number[] } {
  const top = Math.min(cap, Math.max(0, ...Object.keys(d.counts).map(Number)));
  const labels: string[] = [];
  const values: number[] = [];
  for (let v = 0; v <= top; v++) {
    labels.push(v === cap ? `≥${cap}` : String(v));
    values.push(0);
  }
  for (const [k, n] of Object.entries(d.counts)) values[Math.min(Number(k), cap)] += n;
  return { labels, values };
}

function kappaMatrix(stats: CurationStats, key: "kappa" | "kappa_quadratic"): (number | null)[][] {
  const idx = new Map(stats.judges.map((j, i) => [j, i]));
  const m: (number | null)[][] = stats.judges.map((_, i) =>
    stats.judges.map((__, j) => (i === j ? 1 : null)),
  );
  for (const c of stats.cohen) {
    const a = idx.get(c.a)!;
    const b = idx.get(c.b)!;
    m[a][b] = m[b][a] = c[key];
  }
  return m;
}

interface Section {
  title: string;
  markdown: string;
  charts: string[];
}

function sections({ stats, agreement }: ReportInput): Section[] {
  const s = stats;
  const out: Section[] = [];
  out.push({
    title: "Overview",
    markdown: [
      `- rubric: \`${s.rubric_version}\``,
      `- judges: ${s.judges.join(", ")}`,
      `- vote: positive if every judge ≥ ${s.thresholds.positiveMin}, negative if every judge ≤ ${s.thresholds.negativeMax}, otherwise unsure (left out)`,
      `- pairs: ${s.pairs} (${s.complete} scored by every judge)`,
      "",
      mdTable(
        ["positive", "negative", "unsure"],
        [[s.decisions.positive, s.decisions.negative, s.decisions.unsure]],
      ),
    ].join("\n"),
    charts: [],
  });
  const spend = new Map(s.spend.map((t) => [t.judge, t]));
  out.push({
    title: "Judges",
    markdown: mdTable(
      [
        "judge",
        "scored",
        "unscored",
        "1",
        "2",
        "3",
        "4",
        "5",
        "mean",
        "asks",
        "input tokens",
        "output tokens",
        "cost",
      ],
      s.judges.map((j) => {
        const h = s.histograms[j];
        const n = h.reduce((a, b) => a + b, 0);
        const mean = n ? h.reduce((a, c, i) => a + c * (i + 1), 0) / n : NaN;
        const t = spend.get(j);
        return [
          j,
          n,
          s.unscored[j],
          ...h,
          fmt(mean, 2),
          t?.asks ?? 0,
          t?.input_tokens ?? 0,
          t?.output_tokens ?? 0,
          fmt(t?.cost ?? 0, 4),
        ];
      }),
    ),
    charts: [
      barChartSvg(
        "Score histogram per judge",
        ["1", "2", "3", "4", "5"],
        s.judges.map((j) => ({ name: j, values: s.histograms[j] })),
        { xLabel: "score" },
      ),
    ],
  });
  out.push({
    title: "Agreement between judges",
    markdown: [
      `Fleiss' kappa over ${s.fleiss.items} pairs scored by every judge (5 categories): **${fmt(s.fleiss.kappa)}**`,
      "",
      mdTable(
        ["judge A", "judge B", "pairs", "Cohen κ", "quadratic-weighted κ"],
        s.cohen.map((c) => [c.a, c.b, c.items, fmt(c.kappa), fmt(c.kappa_quadratic)]),
      ),
    ].join("\n"),
    charts:
      s.judges.length > 1
        ? [
            heatmapSvg("Cohen's kappa", s.judges, kappaMatrix(s, "kappa")),
            heatmapSvg("Quadratic-weighted kappa", s.judges, kappaMatrix(s, "kappa_quadratic")),
          ]
        : [],
  });
  const ppq = s.positives_per_query;
  const b = buckets(ppq);
  out.push({
    title: "Positives per query",
    markdown: `${ppq.n} queries: mean ${fmt(ppq.mean, 2)}, median ${ppq.median}, 90th percentile ${ppq.p90}, max ${ppq.max}`,
    charts: [
      barChartSvg("Positives per query", b.labels, [{ name: "queries", values: b.values }], {
        xLabel: "positives",
      }),
    ],
  });
  if (s.false_negative_audit.length) {
    out.push({
      title: "False-negative audit",
      markdown: [
        "Documents the source task does not label relevant but every judge does, per query:",
        "",
        mdTable(
          [
            "task",
            "queries",
            "labelled pairs",
            "unlabelled pairs",
            "unlabelled judged relevant",
            "per query mean",
            "median",
            "p90",
            "max",
            "labelled but rejected by all",
          ],
          s.false_negative_audit.map((a) => {
            const d = a.unlabelled_relevant_per_query;
            return [
              a.task,
              a.queries,
              a.labelled_pairs,
              a.unlabelled_pairs,
              a.unlabelled_relevant_total,
              fmt(d.mean, 2),
              d.median,
              d.p90,
              d.max,
              a.labelled_rejected,
            ];
          }),
        ),
      ].join("\n"),
      charts: s.false_negative_audit.map((a) => {
        const fb = buckets(a.unlabelled_relevant_per_query);
        return barChartSvg(
          `${a.task}: unlabelled relevant documents per query`,
          fb.labels,
          [{ name: "queries", values: fb.values }],
          { xLabel: "unlabelled documents every judge calls relevant" },
        );
      }),
    });
  }
  if (agreement) {
    out.push({
      title: "Expert review",
      markdown: [
        `- reviewers: ${agreement.reviewers.join(", ") || "none yet"}`,
        `- items reviewed: ${agreement.items} (${agreement.comparisons} expert labels); an expert score ≥ ${agreement.positive_min} counts as relevant`,
        `- pipeline-vs-expert agreement: **${agreement.agreement === null ? "n/a" : (100 * agreement.agreement).toFixed(1) + "%"}**`,
        `- Fleiss' kappa over the pipeline and ${agreement.reviewers.length} experts (${agreement.fleiss.items} items labelled by every expert): **${fmt(agreement.fleiss.kappa)}**`,
        "",
        mdTable(
          ["reviewer", "items", "agreement"],
          agreement.per_reviewer.map((r) => [
            r.reviewer,
            r.items,
            r.agreement === null ? "n/a" : `${(100 * r.agreement).toFixed(1)}%`,
          ]),
        ),
      ].join("\n"),
      charts: [],
    });
  }
  return out;
}

export function curationMarkdown(input: ReportInput): string {
  return (
    "# CMedTEB curation report\n\n" +
    sections(input)
      .map((s) => `## ${s.title}\n\n${s.markdown}\n`)
      .join("\n")
  );
}

/** Markdown tables to HTML tables, everything else to paragraphs; enough for the report's own output. */
function mdToHtml(md: string): string {
  const html: string[] = [];
  let table: string[][] = [];
  let list: string[] = [];
  const inline = (s: string) =>
    escapeHtml(s)
      .replace(/\*\*(.+?)\*\*/g, "<b>$1</b>")
      .replace(/`(.+?)`/g, "<code>$1</code>");
  const flush = () => {
    if (table.length) {
      const [head, , ...rows] = table;
      html.push(
        `<table><thead><tr>${head.map((c) => `<th>${inline(c)}</th>`).join("")}</tr></thead><tbody>` +
          rows.map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join("")}</tr>`).join("") +
          "</tbody></table>",
      );
      table = [];
    }
    if (list.length) {
      html.push(`<ul>${list.map((l) => `<li>${inline(l)}</li>`).join("")}</ul>`);
      list = [];
    }
  };
  for (const line of md.split("\n")) {
    if (line.startsWith("|")) {
      table.push(
        line
          .slice(2, -2)
          .split(/(?<!\\) \| /)
          .map((c) => c.replace(/\\\|/g, "|")),
      );
    } else if (line.startsWith("- ")) list.push(line.slice(2));
    else {
      flush();
      if (line.trim()) html.push(`<p>${inline(line)}</p>`);
    }
  }
  flush();
  return html.join("\n");
}

export function curationHtml(input: ReportInput): string {
  const body = sections(input)
    .map(
      (s) =>
        `<section><h2>${escapeHtml(s.title)}</h2>\n${mdToHtml(s.markdown)}\n${s.charts.map((c) => `<figure>${c}</figure>`).join("\n")}</section>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CMedTEB curation report</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1100px;margin:24px auto;padding:0 16px;color:#222}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}figure{display:inline-block;margin:8px 16px 8px 0}
</style></head>
<body><h1>CMedTEB curation report</h1>
${body}
</body></html>
`;
}

/** Writes report.md and report.html into `dir` atomically; returns their paths. */
export function writeCurationReport(dir: string, input: ReportInput): { markdown: string; html: string } {
  const markdown = join(dir, "report.md");
  const html = join(dir, "report.html");
  writeFileAtomic(markdown, curationMarkdown(input));
  writeFileAtomic(html, curationHtml(input));
  return { markdown, html };
}
