import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  type ConfigResult,
  type EncodeConfig,
  type Workload,
  unpackRows,
} from "../../scripts/bench/encode-config.js";
import { convertToGguf } from "../../src/gguf/convert.js";
import { makeTiny } from "../../src/models/make-tiny.js";
import { openCheckpoint } from "../../src/weights/checkpoint.js";

const dir = mkdtempSync(join(tmpdir(), "care-bench-encode-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const workload: Workload = {
  seed: 3,
  warmupQueries: 1,
  queries: 6,
  minQueries: 6,
  queryBudgetS: 60,
  queryMinChars: 8,
  queryMaxChars: 32,
  probeChars: 14,
  probeRuns: 3,
  docBatchSize: 4,
  docTokens: 256,
  docBatches: 2,
  docBudgetS: 60,
};

/** Runs one configuration the way the parent does: its own process, its result in a file. */
function runChild(config: EncodeConfig): ConfigResult {
  const out = join(dir, `${config.id.replace(/\W+/g, "_")}.json`);
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", resolve("scripts/bench/encode-child.ts"), JSON.stringify(config), out],
    { encoding: "utf8", env: { ...process.env, CARE_QUIET: "1" } },
  );
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(readFileSync(out, "utf8")) as ConfigResult;
}

function expectMeasured(r: ConfigResult, specials: number, dim: number): void {
  // Every character is one token: the query lengths 8–32 plus the special tokens, documents exact.
  expect(r.query.n).toBe(6);
  expect(r.query.min_tokens).toBeGreaterThanOrEqual(8 + specials);
  expect(r.query.max_tokens).toBeLessThanOrEqual(32 + specials);
  expect(r.query.p50_ms).toBeGreaterThan(0);
  expect(r.query.p95_ms).toBeGreaterThanOrEqual(r.query.p50_ms);
  expect(r.probe!.tokens).toBe(14 + specials);
  expect(r.docs).toMatchObject({ batches: 2, batch_size: 4, tokens_per_doc: 256 });
  expect(r.docs.tokens_per_s).toBeCloseTo(256 * r.docs.docs_per_s, 6);
  expect(r.rss_mb.peak).toBeGreaterThanOrEqual(r.rss_mb.after_load);
  const queries = unpackRows(r.vectors.queries, r.vectors.dim);
  expect(queries).toHaveLength(6);
  expect(unpackRows(r.vectors.docs, r.vectors.dim)).toHaveLength(4);
  expect(r.vectors.dim).toBe(dim);
  for (const v of queries) expect(Math.hypot(...v)).toBeCloseTo(1, 5);
}

describe("bench:encode child", () => {
  it("measures an ONNX BERT: [CLS] and [SEP] around each text, int8 close to fp32", () => {
    const model = join(dir, "bert");
    makeTiny({ out: model, family: "bert", seed: 1 });
    const base = { shape: "bert-base", engine: "onnx", model, threads: 1, maxTokens: 512, workload } as const;
    const fp32 = runChild({ ...base, id: "bert-base/onnx-fp32", precision: "fp32" });
    const int8 = runChild({ ...base, id: "bert-base/onnx-int8", precision: "int8" });
    expectMeasured(fp32, 2, 32);
    expectMeasured(int8, 2, 32);
    const a = unpackRows(fp32.vectors.queries, 32);
    const b = unpackRows(int8.vectors.queries, 32);
    const cos = a.map((v, i) => v.reduce((s, x, j) => s + x * b[i][j], 0));
    expect(Math.min(...cos)).toBeGreaterThan(0.99);
    expect(Math.min(...cos)).toBeLessThan(1 - 1e-7);
  });

  it("measures a GGUF Qwen: end-of-text after each text", () => {
    const model = join(dir, "qwen3");
    makeTiny({ out: model, family: "qwen3", seed: 2 });
    const file = join(dir, "qwen3.gguf");
    const ck = openCheckpoint(model);
    convertToGguf(ck, file, "f32");
    ck.weights.close();
    const r = runChild({
      id: "qwen3-0.6b/gguf-f32",
      shape: "qwen3-0.6b",
      engine: "gguf",
      precision: "fp32",
      model: file,
      threads: 1,
      maxTokens: 512,
      workload,
    });
    expectMeasured(r, 1, 32);
  });
});
