/**
 * Losses: values against plain TypeScript formulas, gradients against finite differences (float64).
 */
import { describe, expect, it } from "vitest";
import { Graph, type Value } from "../../src/graph/ir.js";
import { toOnnxBytes } from "../../src/graph/onnx.js";
import { Session, type Tensor } from "../../src/runtime/session.js";
import {
  cosineLoss,
  infoNce,
  l2Normalize,
  matryoshka,
  mse,
  squaredDistance,
  type InfoNceOptions,
} from "../../src/train/losses.js";
import { matryoshkaContrastiveLoss } from "../../src/care/objective.js";
import { checkGradients, randomData } from "../graph/grad-check.js";

const B = 3;
const D = 4;

function rowsOf(data: Float64Array, width: number): number[][] {
  return Array.from({ length: data.length / width }, (_, i) =>
    Array.from(data.subarray(i * width, (i + 1) * width)),
  );
}
const dot = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * b[i], 0);

function infoNceRef(q: number[][], d: number[][], o: InfoNceOptions): number {
  const G = o.groupSize ?? 1;
  let total = 0;
  q.forEach((qi, i) => {
    const cand = d
      .map((dj, j) => ({ j, s: dot(qi, dj) / o.temperature }))
      .filter(({ j }) => o.inBatch !== false || Math.floor(j / G) === i);
    const max = Math.max(...cand.map((c) => c.s));
    const lse = max + Math.log(cand.reduce((s, c) => s + Math.exp(c.s - max), 0));
    total += lse - dot(qi, d[i * G]) / o.temperature;
  });
  return total / q.length;
}

/** Builds loss(q, d) over graph inputs (dynamic batch), checks its value and its gradients. */
async function checkLoss(
  groups: number,
  build: (q: Value, d: Value) => Value,
  ref: (q: number[][], d: number[][]) => number,
): Promise<void> {
  const feeds: Record<string, Tensor> = {
    q: { dtype: "float64", shape: [B, D], data: randomData(B * D, 1) },
    d: { dtype: "float64", shape: [B * groups, D], data: randomData(B * groups * D, 2) },
  };
  const value = new Graph("value");
  value.output(
    "loss",
    build(value.input("q", "float64", ["batch", D]), value.input("d", "float64", ["docs", D])),
  );
  const s = await Session.create(toOnnxBytes(value), { threads: 1 });
  const got = Number((await s.run(feeds))["loss"].data[0]);
  await s.dispose();
  const want = ref(rowsOf(feeds.q.data as Float64Array, D), rowsOf(feeds.d.data as Float64Array, D));
  // ORT's float64 path agrees to ~1e-8 relative here, not to the last bit.
  expect(Math.abs(got - want)).toBeLessThan(1e-7 * Math.max(1, Math.abs(want)));

  const g = new Graph("grad");
  const q = g.input("q", "float64", ["batch", D]);
  const d = g.input("d", "float64", ["docs", D]);
  await checkGradients(g, build(q, d), [q, d], feeds, { directions: 2 });
}

describe("losses", () => {
  it("InfoNCE: in-batch only, with hard-negative groups, and own-group only", async () => {
    for (const o of [
      { temperature: 0.5 },
      { temperature: 0.2, groupSize: 3 },
      { temperature: 0.3, groupSize: 2, inBatch: false },
    ]) {
      await checkLoss(
        o.groupSize ?? 1,
        (q, d) => infoNce(q, d, o),
        (q, d) => infoNceRef(q, d, o),
      );
    }
  });

  it("InfoNCE with a mask leaves the masked candidates out of the softmax", async () => {
    // Query 0 loses candidate 2, query 2 loses candidate 0 (groups of 1: own positive is column i).
    const bias = new Float64Array(B * B);
    bias[0 * B + 2] = -1e4;
    bias[2 * B + 0] = -1e4;
    const masked = new Set([2, 6]);
    const ref = (q: number[][], d: number[][]): number => {
      let total = 0;
      q.forEach((qi, i) => {
        const cand = d
          .map((dj, j) => ({ j, s: dot(qi, dj) / 0.2 }))
          .filter(({ j }) => !masked.has(i * B + j));
        const lse = Math.log(cand.reduce((s, c) => s + Math.exp(c.s), 0));
        total += lse - dot(qi, d[i]) / 0.2;
      });
      return total / B;
    };
    await checkLoss(
      1,
      (q, d) => {
        const g = q.graph;
        const mask = g.constant("float64", [B, B], bias);
        return infoNce(q, d, { temperature: 0.2, mask });
      },
      ref,
    );
  });

  it("squared distance: summed over dimensions, averaged over rows", async () => {
    await checkLoss(
      1,
      squaredDistance,
      (q, d) => q.flat().reduce((s, x, i) => s + (x - d.flat()[i]) ** 2, 0) / B,
    );
  });

  it("CARE's Matryoshka contrastive loss averages grouped InfoNCE over normalised prefixes", async () => {
    const widths = [2, 4];
    const cut = (rows: number[][], w: number): number[][] =>
      rows.map((r) => {
        const p = r.slice(0, w);
        const n = Math.sqrt(dot(p, p));
        return p.map((x) => x / n);
      });
    const o = { temperature: 0.3, groupSize: 2 };
    await checkLoss(
      2,
      (q, d) => matryoshkaContrastiveLoss(q, d, widths, o),
      (q, d) => widths.reduce((s, w) => s + infoNceRef(cut(q, w), cut(d, w), o), 0) / widths.length,
    );
  });

  it("MSE and cosine loss", async () => {
    await checkLoss(1, mse, (q, d) => q.flat().reduce((s, x, i) => s + (x - d.flat()[i]) ** 2, 0) / (B * D));
    const cos = (a: number[], b: number[]): number => dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
    await checkLoss(1, cosineLoss, (q, d) => q.reduce((s, qi, i) => s + 1 - cos(qi, d[i]), 0) / B);
  });

  it("Matryoshka averages a loss over widths of normalised prefixes", async () => {
    const widths = [2, 4];
    const cut = (rows: number[][], w: number): number[][] =>
      rows.map((r) => {
        const p = r.slice(0, w);
        const n = Math.sqrt(dot(p, p));
        return p.map((x) => x / n);
      });
    await checkLoss(
      1,
      (q, d) =>
        matryoshka((a, b) => infoNce(l2Normalize(a), l2Normalize(b), { temperature: 0.1 }), [q, d], widths),
      (q, d) =>
        widths.reduce((s, w) => s + infoNceRef(cut(q, w), cut(d, w), { temperature: 0.1 }), 0) /
        widths.length,
    );
  });
});
