/**
 * `npm run bench:encode [-- --quick] [-- --skip-4b] [-- --threads N] [-- --queries N] [-- --resume]`:
 * query latency (batch 1) and document throughput (batch 16 × 256 tokens) of the encoders CARE runs,
 * at the real sizes of bert-base-chinese, Qwen3-Embedding-0.6B and -4B:
 *
 * - bert-base: ONNX fp32, ONNX int8, and transformers.js (the peer) on the same exported ONNX;
 * - qwen3-0.6b: ONNX fp32, GGUF f16 and q8_0 through llama.cpp;
 * - qwen3-4b: GGUF q8_0 (its fp32 ONNX would need ~16 GB of memory to run; q8_0 maps ~4.3 GB).
 *
 * Checkpoints come from make-tiny (random weights, real shapes) and are written once into
 * .cache/bench-models with their GGUF and peer exports; each configuration runs in a child process so
 * its peak RSS is its own. Prints a table, the comparisons and the targets, and writes
 * results/bench-encode.json and docs/bench-encode.md. `--quick` leaves out the 4B and times fewer
 * queries and one document batch; `--resume` reuses configurations already measured with the same
 * settings (each one's result is kept under results/bench-encode.parts).
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { convertToGguf } from "../src/gguf/convert.js";
import type { GgufOutType } from "../src/gguf/tensor-type.js";
import { saveModel } from "../src/graph/onnx.js";
import { buildEncoder } from "../src/models/family.js";
import { makeTiny, type TinyShape } from "../src/models/make-tiny.js";
import { writeFileAtomic } from "../src/util/atomic.js";
import { openCheckpoint } from "../src/weights/checkpoint.js";
import {
  RESULT_VERSION,
  type ConfigResult,
  type EncodeConfig,
  type Engine,
  type Precision,
  type Workload,
} from "./bench/encode-config.js";
import {
  checkLines,
  compare,
  comparisonLines,
  consoleTable,
  isResult,
  markdownPage,
  TARGETS,
  type Outcome,
} from "./bench/encode-report.js";
import type { GemmCeiling, ProductTiming } from "./bench/gemm-ceiling.js";

const args = process.argv.slice(2);
const KNOWN = new Set(["quick", "skip-4b", "resume", "threads", "queries", "out", "doc"]);
/** Bad flags end the run with a one-line message, not a stack trace. */
function usage(message: string): never {
  process.stderr.write(`bench:encode: ${message}\n`);
  process.exit(2);
}
for (const a of args)
  if (a.startsWith("--") && !KNOWN.has(a.slice(2)))
    usage(`unknown flag ${a}; known: ${[...KNOWN].map((k) => `--${k}`).join(" ")}`);
const flag = (name: string) => args.includes(`--${name}`);
const value = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : def;
};
const positiveInt = (name: string, def: number) => {
  const v = Number(value(name, String(def)));
  if (!Number.isInteger(v) || v < 1) usage(`--${name} must be a positive integer, got ${value(name, "")}`);
  return v;
};

const quick = flag("quick");
const skip4b = quick || flag("skip-4b");
const threads = positiveInt("threads", 2);
const queries = positiveInt("queries", 200);
const out = value("out", "results/bench-encode.json");
const doc = value("doc", "docs/bench-encode.md");
const models = resolve(".cache/bench-models");
const parts = resolve("results/bench-encode.parts");
const MAX_TOKENS = 512;

// Large ONNX graphs are cached as external-data files beside the checkpoints rather than in /tmp.
process.env.CARE_CACHE_DIR ??= join(models, "care-cache");

function checkpoint(shape: TinyShape): string {
  const dir = join(models, shape);
  // make-tiny writes config.json last, so its presence means the weights are complete.
  if (!existsSync(join(dir, "config.json"))) makeTiny({ out: dir, shape, progress: true });
  return dir;
}

function gguf(shape: TinyShape, type: GgufOutType): string {
  const dir = checkpoint(shape);
  const file = join(models, `${shape}-${type}.gguf`);
  if (!isNewer(file, join(dir, "model.safetensors"))) {
    process.stderr.write(`converting ${shape} to GGUF ${type}\n`);
    const ck = openCheckpoint(dir);
    try {
      convertToGguf(ck, file, type);
    } finally {
      ck.weights.close();
    }
  }
  return file;
}

/** The bert-base checkpoint as transformers.js loads it: config, tokenizer, and our graph as onnx/model.onnx. */
function peerFolder(): string {
  const dir = checkpoint("bert-base");
  const peer = join(models, "transformers.js", "bert-base");
  const onnx = join(peer, "onnx", "model.onnx");
  if (!isNewer(onnx, join(dir, "model.safetensors"))) {
    process.stderr.write("exporting bert-base ONNX for transformers.js\n");
    mkdirSync(join(peer, "onnx"), { recursive: true });
    for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json"])
      copyFileSync(join(dir, f), join(peer, f));
    const ck = openCheckpoint(dir);
    try {
      saveModel(buildEncoder(ck.config, ck.weights, { pooling: "cls" }), onnx);
    } finally {
      ck.weights.close();
    }
  }
  return peer;
}

function isNewer(file: string, than: string): boolean {
  return existsSync(file) && statSync(file).mtimeMs >= statSync(than).mtimeMs;
}

const base: Workload = {
  seed: 20250101,
  warmupQueries: 10,
  queries,
  minQueries: 20,
  queryBudgetS: quick ? 60 : 900,
  queryMinChars: 8,
  queryMaxChars: 32,
  probeChars: null,
  probeRuns: quick ? 50 : 200,
  docBatchSize: 16,
  docTokens: 256,
  docBatches: quick ? 1 : 3,
  docBudgetS: 300,
};
const bertWork: Workload = { ...base, probeChars: 14 };
const qwenWork: Workload = { ...base, warmupQueries: 3, queries: quick ? Math.min(queries, 30) : queries };
// A 4B query costs seconds and a batch of 16 × 256 tokens a quarter of an hour on two threads. llama.cpp
// encodes a batch's documents one after another in one context, so its documents/s do not depend on
// the batch size: two documents measure the same rate in an eighth of the time.
const bigWork: Workload = {
  ...qwenWork,
  queries: Math.min(queries, 20),
  minQueries: 10,
  queryBudgetS: 300,
  docBatchSize: 2,
  docBatches: 1,
};

interface Plan {
  shape: TinyShape;
  engine: Engine;
  precision: Precision;
  model: () => string;
  workload: Workload;
}

const plans: Plan[] = [
  {
    shape: "bert-base",
    engine: "onnx",
    precision: "fp32",
    model: () => checkpoint("bert-base"),
    workload: bertWork,
  },
  {
    shape: "bert-base",
    engine: "onnx",
    precision: "int8",
    model: () => checkpoint("bert-base"),
    workload: bertWork,
  },
  { shape: "bert-base", engine: "transformers.js", precision: "fp32", model: peerFolder, workload: bertWork },
  {
    shape: "qwen3-0.6b",
    engine: "onnx",
    precision: "fp32",
    model: () => checkpoint("qwen3-0.6b"),
    workload: qwenWork,
  },
  {
    shape: "qwen3-0.6b",
    engine: "gguf",
    precision: "f16",
    model: () => gguf("qwen3-0.6b", "f16"),
    workload: qwenWork,
  },
  {
    shape: "qwen3-0.6b",
    engine: "gguf",
    precision: "q8_0",
    model: () => gguf("qwen3-0.6b", "q8_0"),
    workload: qwenWork,
  },
];
if (!skip4b)
  plans.push({
    shape: "qwen3-4b",
    engine: "gguf",
    precision: "q8_0",
    model: () => gguf("qwen3-4b", "q8_0"),
    workload: bigWork,
  });

/** Runs a benchmark script in its own process (its RSS its own); resolves to null or what went wrong. */
function runScript(script: string, args: string[]): Promise<string | null> {
  return new Promise((done) => {
    const p = spawn(process.execPath, ["--import", "tsx", resolve(script), ...args], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    p.on("error", (e) => done(e.message));
    p.on("exit", (code, signal) =>
      done(code === 0 ? null : signal ? `killed by ${signal}` : `exited with code ${code}`),
    );
  });
}

function child(config: EncodeConfig, resultFile: string): Promise<string | null> {
  return runScript("scripts/bench/encode-child.ts", [JSON.stringify(config), resultFile]);
}

const loadStart = loadavg();
const outcomes: Outcome[] = [];
// The ceiling runs right after the bert-base rows it is set against: the machine's speed drifts.
let ceiling: string[] | null = null;
for (const [i, plan] of plans.entries()) {
  if (plan.shape !== "bert-base" && ceiling === null) ceiling = await ceilingLines();
  const id = `${plan.shape}/${plan.engine}-${plan.precision}`;
  process.stderr.write(`[${i + 1}/${plans.length}] ${id}\n`);
  const config: EncodeConfig = {
    id,
    shape: plan.shape,
    engine: plan.engine,
    precision: plan.precision,
    model: plan.model(),
    threads,
    maxTokens: MAX_TOKENS,
    workload: plan.workload,
  };
  const key = createHash("sha256")
    .update(JSON.stringify({ RESULT_VERSION, config }))
    .digest("hex")
    .slice(0, 12);
  const part = join(parts, `${id.replace(/[^\w.-]+/g, "_")}-${key}.json`);
  if (flag("resume") && existsSync(part)) {
    process.stderr.write(`  reusing ${part}\n`);
  } else {
    rmSync(part, { force: true });
    mkdirSync(parts, { recursive: true });
    // A first open writes the external-data ONNX cache of models over 2 GB; keep it out of the timings.
    const error =
      plan.engine === "onnx" && plan.shape !== "bert-base"
        ? await child({ ...config, prepare: true }, `${part}.prepare`)
        : null;
    rmSync(`${part}.prepare`, { force: true });
    const failed = error ?? (await child(config, part));
    if (failed) {
      process.stderr.write(`  ${id} failed: ${failed}\n`);
      outcomes.push({ id, error: failed });
      continue;
    }
  }
  outcomes.push(JSON.parse(readFileSync(part, "utf8")) as ConfigResult);
}
const loadEnd = loadavg();

/**
 * The bert-base 16-token targets against the machine's own matrix-product rates (gemm-ceiling.ts), run
 * when this run measured the bert-base fp32 probe.
 */
async function ceilingLines(): Promise<string[]> {
  const probeOf = (id: string) => {
    const o = outcomes.find((x) => x.id === id);
    return o && isResult(o) ? o.probe : null;
  };
  const fp32 = probeOf("bert-base/onnx-fp32");
  const int8 = probeOf("bert-base/onnx-int8");
  if (!fp32) return [];
  const file = join(parts, "gemm-ceiling.json");
  const failed = await runScript("scripts/bench/gemm-ceiling.ts", [String(threads), file]);
  if (failed) return [`matrix-product ceiling not measured: ${failed}`];
  const c = JSON.parse(readFileSync(file, "utf8")) as GemmCeiling;
  // Our encoder's products at 16 tokens: 11 full layers, and a last layer that computes only the CLS
  // row past its keys and values (attention itself adds under 1%).
  const h = 768;
  const full = 2 * 16 * (4 * h * h + 2 * h * 4 * h);
  const last = 2 * (16 * 2 * h * h + 1 * (2 * h * h + 2 * h * 4 * h));
  const gflop = (11 * full + last) / 1e9;
  const needed = (gflop / TARGETS.bertFp32ProbeMs) * 1000;
  const rate = (t: ProductTiming) => {
    const unit = t.precision === "int8" ? "GOP" : "GFLOP";
    return `p50 ${t.latency.p50_ms.toFixed(1)} ms for ${t.gflop.toFixed(2)} ${unit} = ${t.gflop_per_s.toFixed(0)} ${unit}/s`;
  };
  return [
    `matrix products alone, 12 bert-base layers, ${c.threads} threads: fp32 at 16 rows ${rate(c.fp32_16)}; ` +
      `fp32 at 256 rows ${rate(c.fp32_256)}; int8 at 16 rows (DynamicQuantizeMatMul) ${rate(c.int8_16)}`,
    `bert-base fp32 16-token forward: ${gflop.toFixed(2)} GFLOP of matrix products in p50 ${fp32.p50_ms.toFixed(1)} ms = ` +
      `${((gflop / fp32.p50_ms) * 1000).toFixed(0)} GFLOP/s; the ${TARGETS.bertFp32ProbeMs} ms target needs ${needed.toFixed(0)} GFLOP/s, ` +
      `${(needed / c.fp32_16.gflop_per_s).toFixed(2)}x the 16-row rate measured here and ` +
      `${(needed / c.fp32_256.gflop_per_s).toFixed(2)}x the large-shape rate`,
    ...(int8
      ? [
          `bert-base int8 16-token forward: p50 ${int8.p50_ms.toFixed(1)} ms, of which its matrix products alone take ` +
            `${c.int8_16.latency.p50_ms.toFixed(1)} ms; the ${TARGETS.bertInt8ProbeMs} ms target leaves ` +
            `${(TARGETS.bertInt8ProbeMs - c.int8_16.latency.p50_ms).toFixed(1)} ms for everything else (here: ` +
            `${(int8.p50_ms - c.int8_16.latency.p50_ms).toFixed(1)} ms)`,
        ]
      : []),
  ];
}
ceiling ??= await ceilingLines();

const comparisons = compare(outcomes);
const lines = [
  consoleTable(outcomes),
  "",
  ...comparisonLines(comparisons),
  "",
  ...checkLines(comparisons),
  ...(ceiling.length ? ["", ...ceiling] : []),
];
if (skip4b) lines.push(`(qwen3-4b not run: ${quick ? "--quick" : "--skip-4b"})`);
const loadText = (l: number[]) => l.map((x) => x.toFixed(2)).join(", ");
lines.push(`load average (1, 5, 15 min): ${loadText(loadStart)} at start, ${loadText(loadEnd)} at end`);
process.stdout.write(lines.join("\n") + "\n");

const version = (pkg: string) =>
  (JSON.parse(readFileSync(resolve("node_modules", pkg, "package.json"), "utf8")) as { version: string })
    .version;
const cpu = cpus();
const machine = {
  cpu: `${cpu[0]?.model ?? "unknown"} × ${cpu.length}`,
  memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
  threads: String(threads),
  "load average (1, 5, 15 min)": `${loadText(loadStart)} at start, ${loadText(loadEnd)} at end`,
  node: process.version,
  "onnxruntime-node": version("onnxruntime-node"),
  "node-llama-cpp": version("node-llama-cpp"),
  "@huggingface/transformers": version("@huggingface/transformers"),
};
const notes = [
  ...(quick
    ? [
        `--quick: at most ${qwenWork.queries} timed queries on the Qwen models, one document batch each, no qwen3-4b.`,
      ]
    : []),
  ...(!quick && skip4b ? ["--skip-4b: qwen3-4b not run."] : []),
  ...(!skip4b
    ? [
        "qwen3-4b runs as GGUF q8_0 only: its fp32 ONNX graph would need ~16 GB of memory on top of the rest. " +
          `It times ${bigWork.queries} queries and one batch of ${bigWork.docBatchSize} documents: llama.cpp ` +
          "encodes documents one after another, so documents/s do not depend on the batch size.",
      ]
    : []),
  `A load average well above ${cpu.length} (the core count) means other processes shared the cores and ` +
    "the timings are inflated.",
  "Measured (UTC): " +
    outcomes
      .filter(isResult)
      .map((o) => `${o.id} ${o.measured_at.slice(11, 16)}`)
      .join(", ") +
    ". This machine's speed drifts from hour to hour, so compare rows measured close together.",
];
const command = `npm run bench:encode${args.length ? ` -- ${args.join(" ")}` : ""}`;
const date = new Date().toISOString();
writeFileAtomic(
  out,
  JSON.stringify(
    {
      command,
      date,
      quick,
      machine,
      results: outcomes.map((o) => (isResult(o) ? { ...o, vectors: undefined } : o)),
      comparisons,
      ceiling,
    },
    null,
    2,
  ) + "\n",
);
writeFileAtomic(doc, markdownPage(outcomes, comparisons, { command, date, machine, notes, ceiling }));
process.stderr.write(`wrote ${out} and ${doc}\n`);
