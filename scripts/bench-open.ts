/**
 * `tsx scripts/bench-open.ts [--runs N] [--threads N] [--model <dir>]...`: what the graph-opening
 * policy of src/runtime/open-graph.ts costs. Each checkpoint's inference graph (as HfEmbedder builds
 * it) is opened three ways, each in a fresh process so its peak RSS is its own:
 *   memory     the ONNX bytes handed to ONNX Runtime (what openGraph does up to 16 MiB of weights);
 *   file-cold  an external-data file written into an empty cache, then opened (the first open);
 *   file-warm  the same file opened again (every later open of that checkpoint).
 * Reported per mode: median open time (graph build + serialise/write + ORT load), the first forward
 * pass (8 x 32 tokens), the RSS after opening and the process's peak RSS. Without --model it makes
 * random checkpoints under .cache/bench-open: the bert-base shape (409 MB of weights) and a 4-layer,
 * 384-wide BERT (59 MB). Writes results/bench-open.json.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { checkpointIdentity, identityKey } from "../src/embed/identity.js";
import { weightBytes } from "../src/graph/onnx.js";
import { loadCard } from "../src/models/card.js";
import { buildEncoder, familyOf } from "../src/models/family.js";
import { makeTiny, type MakeTinyOptions } from "../src/models/make-tiny.js";
import { openGraph } from "../src/runtime/open-graph.js";
import { tokenFeeds } from "../src/runtime/token-feeds.js";
import { padBatch } from "../src/tokenize/tokenizer.js";
import { writeFileAtomic } from "../src/util/atomic.js";
import { openCheckpoint } from "../src/weights/checkpoint.js";

const MODES = ["memory", "file-cold", "file-warm"] as const;
type Mode = (typeof MODES)[number];

interface Sample {
  openMs: number;
  firstRunMs: number;
  rssAfterOpenMb: number;
  peakRssMb: number;
  weightBytes: number;
}

/** One open in this process; prints its Sample as JSON on stdout. */
async function child(dir: string, mode: Mode, cacheDir: string, threads: number): Promise<void> {
  const t0 = performance.now();
  const ck = openCheckpoint(dir);
  const configFile = join(dir, "config.json");
  const family = familyOf(ck.config, configFile);
  const card = loadCard(dir, family, ck.config);
  const graph = buildEncoder(ck.config, ck.weights, {
    pooling: card.pooling,
    fused: true,
    outputs: "embedding",
    configFile,
  });
  const weightsKey = identityKey(
    checkpointIdentity(
      dir,
      ck.weights.files.map((f) => f.file),
      card,
      undefined,
    ),
  );
  const session = await openGraph(graph, {
    threads,
    cacheDir,
    weightsKey,
    inMemoryWeights: mode === "memory" ? Infinity : 0,
  });
  ck.weights.close();
  const openMs = performance.now() - t0;
  const rssAfterOpenMb = process.memoryUsage().rss / 2 ** 20;
  const ids = Array.from({ length: 8 }, (_, r) =>
    Array.from({ length: 32 }, (_, i) => 100 + ((r * 31 + i) % 900)),
  );
  const t1 = performance.now();
  await session.run(tokenFeeds(padBatch(ids, 0, "right")), ["embedding"]);
  const firstRunMs = performance.now() - t1;
  await session.dispose();
  const sample: Sample = {
    openMs,
    firstRunMs,
    rssAfterOpenMb,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    weightBytes: weightBytes(graph),
  };
  process.stdout.write(JSON.stringify(sample) + "\n");
}

function runChild(dir: string, mode: Mode, cacheDir: string, threads: number): Promise<Sample> {
  const script = fileURLToPath(import.meta.url);
  return new Promise((done, fail) => {
    const p = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        script,
        "--child",
        mode,
        "--model",
        dir,
        "--cache",
        cacheDir,
        "--threads",
        String(threads),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.on("error", fail);
    p.on("exit", (code) =>
      code === 0
        ? done(JSON.parse(out.trim().split("\n").pop()!) as Sample)
        : fail(new Error(`${mode}: exit ${code}`)),
    );
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const DEFAULT_MODELS: { name: string; options: Omit<MakeTinyOptions, "out"> }[] = [
  { name: "bert-base", options: { shape: "bert-base" } },
  { name: "bert-4x384", options: { family: "bert", layers: 4, hidden: 384, heads: 6, intermediate: 1536 } },
];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "3" },
      threads: { type: "string", default: "2" },
      model: { type: "string", multiple: true },
      child: { type: "string" },
      cache: { type: "string" },
    },
  });
  const threads = Number(values.threads);
  if (values.child) return child(values.model![0], values.child as Mode, values.cache!, threads);

  const runs = Number(values.runs);
  let models = values.model?.map((m) => resolve(m));
  if (!models) {
    models = DEFAULT_MODELS.map(({ name, options }) => {
      const out = resolve(".cache/bench-open", name);
      if (!existsSync(join(out, "config.json"))) makeTiny({ ...options, out, progress: true });
      return out;
    });
  }
  const scratch = mkdtempSync(resolve(".cache/bench-open/cache-"));
  const report: Record<string, unknown>[] = [];
  try {
    for (const dir of models) {
      for (const mode of MODES) {
        const samples: Sample[] = [];
        for (let r = 0; r < runs; r++) {
          // A cold open gets an empty cache each run; a warm one reuses the cache a cold run filled.
          const cacheDir = join(scratch, mode === "file-cold" ? `cold-${r}` : "warm");
          if (mode === "file-warm" && r === 0) await runChild(dir, "file-cold", cacheDir, threads);
          samples.push(await runChild(dir, mode, cacheDir, threads));
        }
        const row = {
          model: dir,
          mode,
          weightsMb: samples[0].weightBytes / 2 ** 20,
          openMs: median(samples.map((s) => s.openMs)),
          firstRunMs: median(samples.map((s) => s.firstRunMs)),
          rssAfterOpenMb: median(samples.map((s) => s.rssAfterOpenMb)),
          peakRssMb: median(samples.map((s) => s.peakRssMb)),
          peakRssRangeMb: [
            Math.min(...samples.map((s) => s.peakRssMb)),
            Math.max(...samples.map((s) => s.peakRssMb)),
          ],
          runs,
          load1: loadavg()[0],
        };
        report.push(row);
        console.log(
          `${dir.split("/").pop()} ${mode.padEnd(9)} weights ${row.weightsMb.toFixed(0)} MB | open ${row.openMs.toFixed(0)} ms | ` +
            `first run ${row.firstRunMs.toFixed(0)} ms | RSS after open ${row.rssAfterOpenMb.toFixed(0)} MB | ` +
            `peak RSS ${row.peakRssMb.toFixed(0)} MB (${row.peakRssRangeMb.map((x) => x.toFixed(0)).join("–")}) | load ${row.load1.toFixed(1)}`,
        );
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  writeFileAtomic("results/bench-open.json", JSON.stringify({ threads, runs, rows: report }, null, 2) + "\n");
  console.log("wrote results/bench-open.json");
}

await main();
