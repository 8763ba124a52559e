/**
 * First-token pruning: a CLS-pooled BERT loss computes the last layer for one row only, with the same
 * loss and gradients as the full graph (float64, padded batch, repeated tokens), and graphs that need
 * every row (a declared hidden-state output, last-token pooling) are left whole.
 */
import { describe, expect, it } from "vitest";
import { gradients } from "../../src/graph/autodiff.js";
import { Graph, type Value } from "../../src/graph/ir.js";
import { toOnnxBytes } from "../../src/graph/onnx.js";
import { Session, type Tensor } from "../../src/runtime/session.js";
import { importGraph, type Param } from "../../src/train/params.js";
import { pruneRows } from "../../src/train/prune-rows.js";
import { checkGradients, weightedSum } from "../graph/grad-check.js";
import { tinyEncoder, tokenFeeds } from "./tiny.js";

const ROWS = [
  [2, 5, 5, 9, 3],
  [4, 7, 2],
  [11, 5, 8, 8],
];

function build(family: "bert" | "qwen3"): {
  g: Graph;
  loss: Value;
  params: Param[];
  feeds: Record<string, Tensor>;
} {
  const { graph: enc } = tinyEncoder(family, "float64", { layers: 2 });
  const g = new Graph("train");
  const imp = importGraph(g, enc, { trainable: () => true });
  const feeds: Record<string, Tensor> = tokenFeeds(ROWS, 6);
  for (const p of imp.params) feeds[p.name] = { dtype: "float64", shape: p.shape, data: p.init() };
  const loss = weightedSum(imp.outputs["embedding"], 99, [ROWS.length, 8]);
  return { g, loss, params: imp.params, feeds };
}

async function lossAndGrads(
  g: Graph,
  loss: Value,
  params: Param[],
  feeds: Record<string, Tensor>,
): Promise<Record<string, Tensor>> {
  const grads = gradients(
    g,
    loss,
    params.map((p) => p.value),
  );
  g.output("loss", loss);
  for (const p of params) g.output(`grad.${p.name}`, grads.get(p.name)!);
  const s = await Session.create(toOnnxBytes(g), { threads: 1 });
  try {
    return await s.run(feeds);
  } finally {
    await s.dispose();
  }
}

/** Sequence lengths of the last layer's feed-forward product outputs (axis 1). */
function ffnRows(g: Graph): unknown[] {
  return g.nodes
    .filter((n) => n.op === "MatMul" && n.outputs[0].shape.at(-1) === 16)
    .map((n) => n.outputs[0].shape[1]);
}

describe("pruneRows", () => {
  it("computes a CLS-pooled BERT's last layer for the first token only, same loss and gradients", async () => {
    const full = build("bert");
    const cut = build("bert");
    const pruned = pruneRows(cut.g, cut.loss, cut.params);
    // Two layers: the first keeps every row, the last one's feed-forward runs on one row.
    expect(ffnRows(full.g)).toEqual(["seq", "seq"]);
    expect(ffnRows(pruned.graph)).toEqual(["seq", 1]);
    const a = await lossAndGrads(full.g, full.loss, full.params, full.feeds);
    const b = await lossAndGrads(pruned.graph, pruned.loss, pruned.params, cut.feeds);
    expect(Number(b["loss"].data[0])).toBeCloseTo(Number(a["loss"].data[0]), 12);
    for (const p of full.params) {
      const ga = a[`grad.${p.name}`].data as Float64Array;
      const gb = b[`grad.${p.name}`].data as Float64Array;
      expect(gb.length).toBe(ga.length);
      // Relative to the largest entry, absolute below 1 (the key bias's gradient is zero in exact arithmetic).
      const scale = Math.max(1, ...ga.map(Math.abs));
      const diff = Math.max(...ga.map((x, i) => Math.abs(x - gb[i])));
      if (diff / scale > 1e-10) throw new Error(`${p.name}: pruned gradient differs by ${diff}`);
    }
  });

  it("passes central finite differences on the pruned graph", async () => {
    const { g, loss, params, feeds } = build("bert");
    const pruned = pruneRows(g, loss, params);
    await checkGradients(
      pruned.graph,
      pruned.loss,
      pruned.params.map((p) => p.value),
      feeds,
      { coords: 2, directions: 1, tol: 1e-5 },
    );
  });

  it("leaves graphs whole where every row is needed", () => {
    const kept = build("bert");
    kept.g.output(
      "hidden",
      kept.g.nodes.find((n) => n.op === "Gather" && n.inputs[0]!.shape.length === 3)!.inputs[0]!,
    );
    const whole = pruneRows(kept.g, kept.loss, kept.params);
    expect(ffnRows(whole.graph)).toEqual(["seq", "seq"]);
    expect(whole.graph.nodes.some((n) => n.outputs[0].name.startsWith("rowcut"))).toBe(false);
    // Last-token pooling gathers a different row per sequence: nothing to cut.
    const qwen = build("qwen3");
    const q = pruneRows(qwen.g, qwen.loss, qwen.params);
    expect(q.graph.nodes.some((n) => n.outputs[0].name.startsWith("rowcut"))).toBe(false);
  });
});
