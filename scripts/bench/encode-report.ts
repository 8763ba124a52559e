/**
 * From the per-configuration measurements of `bench:encode` to what a reader wants: the comparisons
 * (ours vs transformers.js, int8 vs fp32, GGUF vs ONNX, the 4B-over-BERT premise), the targets, a
 * console table and the Markdown page.
 */
import { type ConfigResult, unpackRows } from "./encode-config.js";
import { agreement, type Agreement } from "./stats.js";

/** A configuration that did not finish: its id and why. */
export interface Failure {
  id: string;
  error: string;
}

export type Outcome = ConfigResult | Failure;

export const isResult = (o: Outcome): o is ConfigResult => !("error" in o);

/** Configuration ids the comparisons refer to. */
export const IDS = {
  bertFp32: "bert-base/onnx-fp32",
  bertInt8: "bert-base/onnx-int8",
  bertPeer: "bert-base/transformers.js-fp32",
  qwenOnnx: "qwen3-0.6b/onnx-fp32",
  qwenF16: "qwen3-0.6b/gguf-f16",
  qwenQ8: "qwen3-0.6b/gguf-q8_0",
  qwen4b: "qwen3-4b/gguf-q8_0",
} as const;

/** The checked targets (2 threads): bert-base, 16 tokens, p50 ≤ 20 ms fp32, ≤ 12 ms int8; 4B ≥ 20× BERT. */
export const TARGETS = { bertFp32ProbeMs: 20, bertInt8ProbeMs: 12, premiseRatio: 20 };

export interface Check {
  what: string;
  value: number | null;
  limit: string;
  pass: boolean | null;
}

export interface Comparisons {
  /** transformers.js over ours on the same ONNX file (times and rates): > 1 means ours is faster. */
  peer: {
    query_p50_peer_over_ours: number;
    query_cpu_p50_peer_over_ours: number;
    probe_p50_peer_over_ours: number | null;
    docs_per_s_ours_over_peer: number;
    docs_per_cpu_s_ours_over_peer: number;
    query_agreement: Agreement;
  } | null;
  /** fp32 over int8: > 1 means int8 is faster. */
  int8: {
    query_p50_speedup: number;
    query_cpu_p50_speedup: number;
    probe_p50_speedup: number | null;
    docs_per_s_speedup: number;
    docs_per_cpu_s_speedup: number;
    query_agreement: Agreement;
    doc_agreement: Agreement;
  } | null;
  /** ONNX fp32 time over each GGUF's on qwen3-0.6b: > 1 means the GGUF is faster. */
  gguf: {
    id: string;
    query_p50_onnx_over_gguf: number;
    query_cpu_p50_onnx_over_gguf: number;
    docs_per_s_gguf_over_onnx: number;
    docs_per_cpu_s_gguf_over_onnx: number;
  }[];
  /** Query p50 of each Qwen configuration over bert-base fp32's: CARE's premise asks ≥ 20 for the 4B. */
  over_bert: { id: string; query_p50_ratio: number; query_cpu_p50_ratio: number }[];
  checks: Check[];
}

export function compare(outcomes: readonly Outcome[]): Comparisons {
  const byId = new Map(outcomes.filter(isResult).map((r) => [r.id, r]));
  const fp32 = byId.get(IDS.bertFp32);
  const int8 = byId.get(IDS.bertInt8);
  const peer = byId.get(IDS.bertPeer);
  const qwenOnnx = byId.get(IDS.qwenOnnx);
  const q4b = byId.get(IDS.qwen4b);
  const probeRatio = (a: ConfigResult, b: ConfigResult) =>
    a.probe && b.probe ? a.probe.p50_ms / b.probe.p50_ms : null;
  const rows = (r: ConfigResult, which: "queries" | "docs") => unpackRows(r.vectors[which], r.vectors.dim);

  const checks: Check[] = [
    probeCheck(
      `bert-base fp32, ${fp32?.probe?.tokens ?? 16} tokens, query p50 ms`,
      fp32,
      TARGETS.bertFp32ProbeMs,
    ),
    probeCheck(
      `bert-base int8, ${int8?.probe?.tokens ?? 16} tokens, query p50 ms`,
      int8,
      TARGETS.bertInt8ProbeMs,
    ),
  ];
  const premise = q4b && fp32 ? q4b.query.p50_ms / fp32.query.p50_ms : null;
  checks.push({
    what: "qwen3-4b query p50 / bert-base fp32 query p50",
    value: premise,
    limit: `≥ ${TARGETS.premiseRatio}`,
    pass: premise === null ? null : premise >= TARGETS.premiseRatio,
  });

  return {
    peer:
      fp32 && peer
        ? {
            query_p50_peer_over_ours: peer.query.p50_ms / fp32.query.p50_ms,
            query_cpu_p50_peer_over_ours: peer.query.cpu_p50_ms / fp32.query.cpu_p50_ms,
            probe_p50_peer_over_ours: probeRatio(peer, fp32),
            docs_per_s_ours_over_peer: fp32.docs.docs_per_s / peer.docs.docs_per_s,
            docs_per_cpu_s_ours_over_peer: fp32.docs.docs_per_cpu_s / peer.docs.docs_per_cpu_s,
            query_agreement: agreement(rows(fp32, "queries"), rows(peer, "queries")),
          }
        : null,
    int8:
      fp32 && int8
        ? {
            query_p50_speedup: fp32.query.p50_ms / int8.query.p50_ms,
            query_cpu_p50_speedup: fp32.query.cpu_p50_ms / int8.query.cpu_p50_ms,
            probe_p50_speedup: probeRatio(fp32, int8),
            docs_per_s_speedup: int8.docs.docs_per_s / fp32.docs.docs_per_s,
            docs_per_cpu_s_speedup: int8.docs.docs_per_cpu_s / fp32.docs.docs_per_cpu_s,
            query_agreement: agreement(rows(fp32, "queries"), rows(int8, "queries")),
            doc_agreement: agreement(rows(fp32, "docs"), rows(int8, "docs")),
          }
        : null,
    gguf: qwenOnnx
      ? [IDS.qwenF16, IDS.qwenQ8].flatMap((id) => {
          const g = byId.get(id);
          return g
            ? [
                {
                  id,
                  query_p50_onnx_over_gguf: qwenOnnx.query.p50_ms / g.query.p50_ms,
                  query_cpu_p50_onnx_over_gguf: qwenOnnx.query.cpu_p50_ms / g.query.cpu_p50_ms,
                  docs_per_s_gguf_over_onnx: g.docs.docs_per_s / qwenOnnx.docs.docs_per_s,
                  docs_per_cpu_s_gguf_over_onnx: g.docs.docs_per_cpu_s / qwenOnnx.docs.docs_per_cpu_s,
                },
              ]
            : [];
        })
      : [],
    over_bert: fp32
      ? [...byId.values()]
          .filter((r) => r.shape !== "bert-base")
          .map((r) => ({
            id: r.id,
            query_p50_ratio: r.query.p50_ms / fp32.query.p50_ms,
            query_cpu_p50_ratio: r.query.cpu_p50_ms / fp32.query.cpu_p50_ms,
          }))
      : [],
    checks,
  };
}

function probeCheck(what: string, r: ConfigResult | undefined, limitMs: number): Check {
  const value = r?.probe?.p50_ms ?? null;
  return { what, value, limit: `≤ ${limitMs}`, pass: value === null ? null : value <= limitMs };
}

const f = (x: number | null | undefined, digits = 1) =>
  x === null || x === undefined ? "–" : x.toFixed(digits);

const HEADER = [
  "configuration",
  "load s",
  "queries",
  "query tokens",
  "p50 ms",
  "p95 ms",
  "p50 CPU ms",
  "16-tok p50 ms",
  "16-tok CPU ms",
  "docs/s",
  "tokens/s",
  "docs/CPU-s",
  "peak RSS MiB",
];

export function tableRows(outcomes: readonly Outcome[]): string[][] {
  return outcomes.map((o) =>
    isResult(o)
      ? [
          o.id,
          f(o.load_s),
          String(o.query.n),
          `${o.query.min_tokens}–${o.query.max_tokens}`,
          f(o.query.p50_ms),
          f(o.query.p95_ms),
          f(o.query.cpu_p50_ms),
          f(o.probe?.p50_ms),
          f(o.probe?.cpu_p50_ms),
          f(o.docs.docs_per_s, 2),
          f(o.docs.tokens_per_s, 0),
          f(o.docs.docs_per_cpu_s, 2),
          String(o.rss_mb.peak),
        ]
      : [o.id, `failed: ${o.error}`, ...HEADER.slice(2).map(() => "")],
  );
}

/** A fixed-width table for the terminal. */
export function consoleTable(outcomes: readonly Outcome[]): string {
  const all = [HEADER, ...tableRows(outcomes)];
  const widths = HEADER.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  return all
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/**
 * "A 1.41× faster than B" from the ratio of B's cost to A's (time over time, or rate over rate
 * inverted), worded so that no one has to read a ratio below 1 as "slower".
 */
export function faster(ratio: number | null, a: string, b: string): string {
  if (ratio === null) return "–";
  return ratio >= 1 ? `${a} ${f(ratio, 2)}× faster than ${b}` : `${a} ${f(1 / ratio, 2)}× slower than ${b}`;
}

/** The comparisons as plain sentences, for the terminal and the Markdown page alike. */
export function comparisonLines(c: Comparisons): string[] {
  const lines: string[] = [];
  if (c.peer) {
    const p = c.peer;
    lines.push(
      `ours vs transformers.js on the same BERT ONNX: query p50 ${faster(p.query_p50_peer_over_ours, "ours", "theirs")} ` +
        `(CPU time: ${faster(p.query_cpu_p50_peer_over_ours, "ours", "theirs")}); 16-token probe ` +
        `${faster(p.probe_p50_peer_over_ours, "ours", "theirs")}; documents/s ` +
        `${faster(p.docs_per_s_ours_over_peer, "ours", "theirs")} (per CPU-second: ` +
        `${faster(p.docs_per_cpu_s_ours_over_peer, "ours", "theirs")}); embeddings agree: mean cosine ` +
        `${f(p.query_agreement.mean_cosine, 6)}, min ${f(p.query_agreement.min_cosine, 6)}`,
    );
  } else lines.push("ours vs transformers.js: not measured");
  if (c.int8) {
    const q = c.int8;
    lines.push(
      `int8 vs fp32 (bert-base ONNX): query p50 ${faster(q.query_p50_speedup, "int8", "fp32")} ` +
        `(CPU time: ${faster(q.query_cpu_p50_speedup, "int8", "fp32")}); 16-token probe ` +
        `${faster(q.probe_p50_speedup, "int8", "fp32")}; documents/s ${faster(q.docs_per_s_speedup, "int8", "fp32")} ` +
        `(per CPU-second: ${faster(q.docs_per_cpu_s_speedup, "int8", "fp32")}); accuracy, cosine to fp32 over ` +
        `${q.query_agreement.n} queries: mean ${f(q.query_agreement.mean_cosine, 5)}, min ` +
        `${f(q.query_agreement.min_cosine, 5)}; over ${q.doc_agreement.n} documents: mean ` +
        `${f(q.doc_agreement.mean_cosine, 5)}, min ${f(q.doc_agreement.min_cosine, 5)}`,
    );
  } else lines.push("int8 vs fp32: not measured");
  for (const g of c.gguf)
    lines.push(
      `${g.id} vs qwen3-0.6b/onnx-fp32: query p50 ${faster(g.query_p50_onnx_over_gguf, "GGUF", "ONNX")} ` +
        `(CPU time: ${faster(g.query_cpu_p50_onnx_over_gguf, "GGUF", "ONNX")}); documents/s ` +
        `${faster(g.docs_per_s_gguf_over_onnx, "GGUF", "ONNX")} (per CPU-second: ` +
        `${faster(g.docs_per_cpu_s_gguf_over_onnx, "GGUF", "ONNX")})`,
    );
  for (const o of c.over_bert)
    lines.push(
      `${o.id} query p50 / bert-base fp32 query p50 = ${f(o.query_p50_ratio, 1)}× ` +
        `(CPU time: ${f(o.query_cpu_p50_ratio, 1)}×)`,
    );
  return lines;
}

export function checkLines(c: Comparisons): string[] {
  return c.checks.map(
    (k) =>
      `${k.pass === null ? "NOT RUN" : k.pass ? "PASS" : "FAIL"}  ${k.what}: ${f(k.value, k.value !== null && k.value >= 100 ? 0 : 1)} (target ${k.limit})`,
  );
}

export interface PageInfo {
  command: string;
  date: string;
  machine: Record<string, string>;
  notes: string[];
  /** Lines on the machine's matrix-product ceiling for the bert-base target. */
  ceiling?: string[];
}

export function markdownPage(outcomes: readonly Outcome[], c: Comparisons, info: PageInfo): string {
  const rows = tableRows(outcomes);
  const table = [
    `| ${HEADER.join(" | ")} |`,
    `|${HEADER.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
  return [
    "# Encoder latency and throughput (`npm run bench:encode`)",
    "",
    `Generated by \`${info.command}\` on ${info.date}. Rerun it to refresh this page and ` +
      "`results/bench-encode.json`.",
    "",
    "## Machine",
    "",
    ...Object.entries(info.machine).map(([k, v]) => `- ${k}: ${v}`),
    "",
    ...(info.notes.length ? ["## Notes", "", ...info.notes.map((n) => `- ${n}`), ""] : []),
    "## Results",
    "",
    ...table,
    "",
    "## Comparisons",
    "",
    ...comparisonLines(c).map((l) => `- ${l}`),
    "",
    "## Targets",
    "",
    ...checkLines(c).map((l) => `- ${l}`),
    "",
    ...(info.ceiling?.length
      ? ["## The machine's ceiling", "", ...info.ceiling.map((l) => `- ${l}`), ""]
      : []),
    "## Method",
    "",
    "- Models are `care models make-tiny --shape …` checkpoints: real sizes (bert-base-chinese, " +
      "Qwen3-Embedding-0.6B and -4B), random weights. Latency does not depend on the weights' values; " +
      "the int8 cosine figures are for random weights, not a trained model's.",
    "- Each configuration runs in its own child process, so its peak RSS (`ru_maxrss`, Node and the " +
      "engine included; a GGUF's mapped weights count once touched) is its own.",
    "- Queries: batch 1, Chinese text of 8–32 characters (seeded; the same texts for every " +
      "configuration), one call at a time after warm-up calls that are not timed. Every character is " +
      "one token, so a query is 8–32 tokens plus the model's special tokens. Queries go in without an " +
      "instruction on every model: the make-tiny Qwen tokenizer has no merges for ASCII, so an English " +
      "instruction would cost about five times the tokens it costs on the real Qwen tokenizer. This " +
      "understates the Qwen query cost, so the premise ratio is conservative.",
    "- CPU ms: the median CPU time of the whole process (all engine threads, spin-waits included) per " +
      "query. Wall time grows with other processes' load; CPU time much less, so CPU time / threads " +
      "estimates what a quiet machine would show when the load average is high.",
    "- 16-token probe: one fixed 14-character query (16 tokens with [CLS] and [SEP]) timed on its own, " +
      "on the bert-base configurations: the latency target's setting.",
    "- Documents: batches of 16 documents of exactly 256 tokens; documents/s over the timed batches " +
      "after one untimed document. ONNX runs each batch as one forward pass; llama.cpp evaluates the " +
      "documents one after another in one embedding context.",
    "- Threads: ONNX Runtime intra-op threads (inter-op 1, sequential, all graph optimisations) for " +
      "ours and transformers.js alike; llama.cpp threads on the CPU (no GPU), flash attention and KV " +
      "cache type at node-llama-cpp's defaults, context sized to the longest input (512 tokens).",
    "- transformers.js, the peer, runs the very ONNX file our BERT graph exports (fp32), offline, " +
      "with its own tokenizer, CLS pooling and normalisation.",
    "",
  ].join("\n");
}
