/**
 * LoRA on a tiny Qwen3 encoder: the merged export reproduces the adapted graph's embeddings in the
 * model engine, and the seeded dropout is deterministic per seed, varies across seeds and keeps
 * about 1 - p of the entries.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Graph } from "../../src/graph/ir.js";
import { toOnnxBytes } from "../../src/graph/onnx.js";
import { buildEncoder } from "../../src/models/family.js";
import { randomWeights } from "../../src/models/make-tiny.js";
import { Session, type Tensor } from "../../src/runtime/session.js";
import { dropout } from "../../src/graph/dropout.js";
import { exportCheckpoint } from "../../src/train/export.js";
import { importGraph } from "../../src/train/params.js";
import { openCheckpoint } from "../../src/weights/checkpoint.js";
import { tinyEncoder, tokenFeeds } from "./tiny.js";

describe("LoRA", () => {
  it("merged export equals the adapted graph", async () => {
    const { config } = tinyEncoder("qwen3", "float32");
    const weights = randomWeights(config, 3);
    const g = new Graph("lora");
    const imp = importGraph(g, buildEncoder(config, weights, { pooling: "last" }), {
      lora: {
        rank: 2,
        alpha: 8,
        targets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
      },
    });
    expect(imp.params).toHaveLength(2 * 7);
    g.output("embedding", imp.outputs["embedding"]);
    const feeds: Record<string, Tensor> = tokenFeeds(
      [
        [3, 4, 5, 6],
        [7, 8],
      ],
      4,
    );
    const values = imp.params.map((p, i) => {
      const d = p.init() as Float32Array;
      if (p.lora?.factor === "B") d.forEach((_, j) => (d[j] = Math.cos(i * 3 + j) * 0.2));
      feeds[p.name] = { dtype: "float32", shape: p.shape, data: d };
      return d;
    });
    const s1 = await Session.create(toOnnxBytes(g), { threads: 1 });
    const adapted = (await s1.run(feeds))["embedding"].data as Float32Array;
    await s1.dispose();

    const dir = mkdtempSync(join(tmpdir(), "care-lora-"));
    exportCheckpoint(dir, { config, weights }, imp.params, values);
    const ck = openCheckpoint(dir);
    const s2 = await Session.create(toOnnxBytes(buildEncoder(ck.config, ck.weights, { pooling: "last" })), {
      threads: 1,
    });
    const merged = (
      await s2.run(
        tokenFeeds(
          [
            [3, 4, 5, 6],
            [7, 8],
          ],
          4,
        ),
      )
    )["embedding"].data as Float32Array;
    await s2.dispose();
    const base = await (async () => {
      const s = await Session.create(toOnnxBytes(buildEncoder(config, weights, { pooling: "last" })), {
        threads: 1,
      });
      const out = (
        await s.run(
          tokenFeeds(
            [
              [3, 4, 5, 6],
              [7, 8],
            ],
            4,
          ),
        )
      )["embedding"].data as Float32Array;
      await s.dispose();
      return out;
    })();
    let diff = 0;
    let moved = 0;
    adapted.forEach((x, i) => {
      diff = Math.max(diff, Math.abs(x - merged[i]));
      moved = Math.max(moved, Math.abs(x - base[i]));
    });
    expect(moved).toBeGreaterThan(1e-2);
    expect(diff).toBeLessThan(1e-4);
  });

  it("dropout masks depend only on the seed", async () => {
    const g = new Graph("drop");
    const x = g.input("x", "float32", [64, 64]);
    const seed = g.input("seed", "int64", []);
    g.output("y", dropout(x, 0.25, seed, 1));
    const s = await Session.create(toOnnxBytes(g), { threads: 1 });
    const ones = { dtype: "float32" as const, shape: [64, 64], data: new Float32Array(4096).fill(1) };
    const run = async (v: number): Promise<Float32Array> =>
      (await s.run({ x: ones, seed: { dtype: "int64", shape: [], data: BigInt64Array.of(BigInt(v)) } }))["y"]
        .data as Float32Array;
    const a = await run(17);
    const b = await run(17);
    const c = await run(18);
    await s.dispose();
    expect(Array.from(a)).toEqual(Array.from(b));
    const kept = a.filter((v) => v !== 0);
    expect(kept.length / a.length).toBeGreaterThan(0.7);
    expect(kept.length / a.length).toBeLessThan(0.8);
    kept.forEach((v) => expect(v).toBeCloseTo(1 / 0.75, 5));
    expect(a.filter((v, i) => (v === 0) !== (c[i] === 0)).length).toBeGreaterThan(500);
  });
});
