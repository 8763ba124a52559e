import { describe, expect, it } from "vitest";
import { packRows, unpackRows, type ConfigResult } from "../../scripts/bench/encode-config.js";
import {
  checkLines,
  compare,
  comparisonLines,
  consoleTable,
  faster,
  IDS,
  type Outcome,
} from "../../scripts/bench/encode-report.js";

/** A measured configuration with the given medians; its embeddings are `rows`. */
function result(
  id: string,
  p50: number,
  docsPerS: number,
  rows: Float32Array[],
  probeP50?: number,
): ConfigResult {
  const [shape, rest] = id.split("/");
  const [engine, precision] = rest.split(/-(?=[^-]+$)/);
  const lat = {
    n: 200,
    p50_ms: p50,
    p95_ms: 2 * p50,
    p99_ms: 2.5 * p50,
    mean_ms: p50,
    min_ms: p50,
    max_ms: 3 * p50,
    cpu_p50_ms: p50,
  };
  return {
    id,
    shape: shape as ConfigResult["shape"],
    engine: engine as ConfigResult["engine"],
    precision: precision as ConfigResult["precision"],
    threads: 2,
    load_s: 1,
    query: { ...lat, mean_tokens: 20, min_tokens: 10, max_tokens: 34 },
    probe: probeP50 === undefined ? null : { ...lat, p50_ms: probeP50, tokens: 16 },
    docs: {
      batches: 1,
      batch_size: 16,
      tokens_per_doc: 256,
      seconds_per_batch: [16 / docsPerS],
      docs_per_s: docsPerS,
      tokens_per_s: 256 * docsPerS,
      cpu_seconds_per_batch: [32 / docsPerS],
      docs_per_cpu_s: docsPerS / 2,
    },
    rss_mb: { before_load: 80, after_load: 500, peak: 600 },
    loadavg: { start: [1, 1, 1], end: [1, 1, 1] },
    measured_at: "2026-11-30T09:00:00.000Z",
    vectors: { dim: rows[0].length, queries: packRows(rows), docs: packRows(rows) },
  };
}

describe("bench:encode comparisons", () => {
  const x = [Float32Array.of(1, 0, 0), Float32Array.of(0, 1, 0)];
  const tilted = [Float32Array.of(1, 1, 0), Float32Array.of(0, 1, 0)];

  it("round-trips embeddings through the packed form", () => {
    const back = unpackRows(packRows(tilted), 3);
    expect(back.map((r) => [...r])).toEqual(tilted.map((r) => [...r]));
    expect(() => unpackRows(packRows(tilted), 4)).toThrow(/rows of 4/);
  });

  it("computes the ratios in the stated directions and checks the targets", () => {
    const outcomes: Outcome[] = [
      result(IDS.bertFp32, 10, 8, x, 18),
      result(IDS.bertInt8, 5, 16, tilted, 13),
      result(IDS.bertPeer, 15, 4, x, 27),
      result(IDS.qwenOnnx, 100, 1, x),
      result(IDS.qwenQ8, 50, 2, x),
      result(IDS.qwen4b, 150, 0.1, x),
    ];
    const c = compare(outcomes);
    expect(c.peer).toMatchObject({ query_p50_peer_over_ours: 1.5, probe_p50_peer_over_ours: 1.5 });
    expect(c.peer!.docs_per_s_ours_over_peer).toBe(2);
    expect(c.peer!.query_agreement.min_cosine).toBeCloseTo(1, 6);
    expect(c.int8).toMatchObject({ query_p50_speedup: 2, docs_per_s_speedup: 2 });
    expect(c.int8!.query_agreement.min_cosine).toBeCloseTo(Math.SQRT1_2, 6);
    expect(c.int8!.query_agreement.mean_cosine).toBeCloseTo((1 + Math.SQRT1_2) / 2, 6);
    expect(c.gguf).toEqual([
      {
        id: IDS.qwenQ8,
        query_p50_onnx_over_gguf: 2,
        query_cpu_p50_onnx_over_gguf: 2,
        docs_per_s_gguf_over_onnx: 2,
        docs_per_cpu_s_gguf_over_onnx: 2,
      },
    ]);
    expect(c.over_bert.find((o) => o.id === IDS.qwen4b)?.query_p50_ratio).toBe(15);
    // fp32 probe 18 ≤ 20 passes; int8 probe 13 > 12 fails; 4B at 15× misses the 20× premise.
    expect(c.checks.map((k) => k.pass)).toEqual([true, false, false]);
    expect(checkLines(c)[2]).toMatch(/^FAIL .*15\.0 \(target ≥ 20\)/);
  });

  it("words ratios as faster or slower, never as a fraction 'faster'", () => {
    expect(faster(1.5, "ours", "theirs")).toBe("ours 1.50× faster than theirs");
    expect(faster(0.5, "ours", "theirs")).toBe("ours 2.00× slower than theirs");
    expect(faster(null, "ours", "theirs")).toBe("–");
    const c = compare([result(IDS.bertFp32, 10, 8, x, 18), result(IDS.bertPeer, 5, 16, x, 9)]);
    expect(comparisonLines(c)[0]).toMatch(/query p50 ours 2\.00× slower than theirs/);
  });

  it("marks what was not run and shows failures in the table", () => {
    const outcomes: Outcome[] = [
      result(IDS.bertFp32, 10, 8, x, 18),
      { id: IDS.bertInt8, error: "killed by SIGKILL" },
    ];
    const c = compare(outcomes);
    expect(c.int8).toBeNull();
    expect(c.peer).toBeNull();
    expect(c.checks.map((k) => k.pass)).toEqual([true, null, null]);
    expect(checkLines(c)[1]).toMatch(/^NOT RUN/);
    expect(consoleTable(outcomes)).toMatch(/bert-base\/onnx-int8\s+failed: killed by SIGKILL/);
  });
});
