/**
 * Inference graphs built with ONNX Runtime's fused kernels (`fused: true`) against the plain graphs
 * that training differentiates: the same numbers (1e-4) for every family, padded batches included;
 * the fused kernels really in the graph; the CLS shortcut that skips the last layer's other rows.
 */
import { describe, expect, it } from "vitest";
import type { Graph } from "../../src/graph/ir.js";
import { toOnnxBytes } from "../../src/graph/onnx.js";
import { buildEncoder, type EncoderOptions } from "../../src/models/family.js";
import { Session, int64Tensor, type Tensor } from "../../src/runtime/session.js";
import { CareError } from "../../src/core/errors.js";
import { MapTensorSource, type TensorSource } from "../../src/weights/source.js";
import {
  tinyBert,
  tinyBertConfig,
  tinyGte,
  tinyGteConfig,
  tinyQwen,
  tinyQwen3Config,
} from "./tiny-weights.js";

type Config = Record<string, unknown>;

async function run(graph: Graph, ids: number[][], mask: number[][]): Promise<Record<string, Tensor>> {
  const session = await Session.create(toOnnxBytes(graph));
  try {
    return await session.run({ input_ids: int64Tensor(ids), attention_mask: int64Tensor(mask) });
  } finally {
    await session.dispose();
  }
}

/** Max abs difference over real (mask 1) positions of [b, s, h] hidden states. */
function hiddenError(a: Tensor, b: Tensor, mask: number[][]): number {
  const [batch, seq, width] = a.shape;
  let err = 0;
  for (let i = 0; i < batch; i++) {
    for (let s = 0; s < seq; s++) {
      if (mask[i][s] !== 1) continue;
      for (let j = 0; j < width; j++) {
        const at = (i * seq + s) * width + j;
        err = Math.max(err, Math.abs(Number(a.data[at]) - Number(b.data[at])));
      }
    }
  }
  return err;
}

function maxDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  let err = 0;
  for (let i = 0; i < a.data.length; i++)
    err = Math.max(err, Math.abs(Number(a.data[i]) - Number(b.data[i])));
  return err;
}

function cosineRows(a: Tensor, b: Tensor): number[] {
  const [rows, width] = a.shape;
  return Array.from({ length: rows }, (_, r) => {
    let d = 0;
    let na = 0;
    let nb = 0;
    for (let j = r * width; j < (r + 1) * width; j++) {
      const x = Number(a.data[j]);
      const y = Number(b.data[j]);
      d += x * y;
      na += x * x;
      nb += y * y;
    }
    return d / Math.sqrt(na * nb);
  });
}

const opCount = (graph: Graph, op: string): number => graph.nodes.filter((n) => n.op === op).length;

/** The packed gte checkpoint with qkv_proj split into separate q_proj / k_proj / v_proj tensors. */
function unpackedGte(): TensorSource {
  const src = tinyGte();
  const H = tinyGteConfig.hidden_size;
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const name of src.names()) {
    const data = src.float32(name);
    const m = /^(.*attention\.)qkv_proj\.(weight|bias)$/.exec(name);
    if (!m) {
      tensors.set(name, { shape: src.shape(name), data });
      continue;
    }
    const rows = m[2] === "weight" ? H : 1; // elements per output row: weight rows are [3H, H]
    ["q", "k", "v"].forEach((part, j) => {
      const piece = data.slice(j * H * rows, (j + 1) * H * rows);
      tensors.set(`${m[1]}${part}_proj.${m[2]}`, { shape: m[2] === "weight" ? [H, H] : [H], data: piece });
    });
  }
  return new MapTensorSource(tensors);
}

const RIGHT = {
  ids: [
    [2, 17, 5, 33, 8, 0],
    [2, 9, 39, 4, 0, 0],
  ],
  mask: [
    [1, 1, 1, 1, 1, 0],
    [1, 1, 1, 1, 0, 0],
  ],
};
const LEFT = {
  ids: [
    [0, 2, 17, 5, 33, 8],
    [0, 0, 2, 9, 39, 4],
  ],
  mask: [
    [0, 1, 1, 1, 1, 1],
    [0, 0, 1, 1, 1, 1],
  ],
};

const qwen2Config = { ...tinyQwen3Config, model_type: "qwen2", num_key_value_heads: 4, head_dim: 4 };

interface Case {
  name: string;
  config: Config;
  src: () => TensorSource;
  pooling: EncoderOptions["pooling"];
  /** Ops the fused graph must contain (and the plain one must not). */
  fusedOps: string[];
  /** Weight MatMuls per layer, plain and fused. */
  matmuls: [number, number];
  padding: (typeof RIGHT)[];
}

const CASES: Case[] = [
  {
    name: "bert",
    config: tinyBertConfig,
    src: () => tinyBert(),
    pooling: "cls",
    fusedOps: ["Attention", "SkipLayerNormalization", "BiasGelu"],
    matmuls: [6, 3],
    padding: [RIGHT],
  },
  {
    name: "gte (packed qkv_proj)",
    config: tinyGteConfig,
    src: () => tinyGte(),
    pooling: "cls",
    fusedOps: ["MultiHeadAttention", "SkipLayerNormalization"],
    matmuls: [4, 4],
    padding: [RIGHT],
  },
  {
    name: "gte (separate q/k/v_proj)",
    config: { ...tinyGteConfig, pack_qkv: false },
    src: unpackedGte,
    pooling: "mean",
    fusedOps: ["MultiHeadAttention", "SkipLayerNormalization"],
    matmuls: [6, 4],
    padding: [RIGHT],
  },
  {
    name: "gte (RMSNorm layers)",
    config: { ...tinyGteConfig, layer_norm_type: "rms_norm" },
    src: () => tinyGte(),
    pooling: "cls",
    fusedOps: ["MultiHeadAttention"],
    matmuls: [4, 4],
    padding: [RIGHT],
  },
  {
    name: "qwen3",
    config: tinyQwen3Config,
    src: () => tinyQwen(tinyQwen3Config),
    pooling: "last",
    fusedOps: [],
    matmuls: [7, 4],
    padding: [RIGHT, LEFT],
  },
  {
    name: "qwen2",
    config: qwen2Config,
    src: () => tinyQwen(qwen2Config),
    pooling: "last",
    fusedOps: [],
    matmuls: [7, 4],
    padding: [RIGHT, LEFT],
  },
];

/** MatMuls by a checkpoint weight (not attention products, not the rotary frequency table). */
const weightMatMuls = (graph: Graph): number =>
  graph.nodes.filter((n) => n.op === "MatMul" && /\.weight/.test(n.inputs[1]?.name ?? "")).length;

/** Slices that keep only position 0 of the sequence axis. */
function firstRowSlices(graph: Graph): number {
  const values = (name: string | undefined): number[] => {
    const init = name ? graph.initializers.get(name) : undefined;
    const data = init && typeof init.data !== "function" ? init.data : [];
    return Array.from(data as ArrayLike<number | bigint>, Number);
  };
  return graph.nodes.filter((n) => {
    if (n.op !== "Slice") return false;
    const [starts, ends, axes] = n.inputs.slice(1, 4).map((v) => values(v?.name));
    return axes.join() === "1" && starts.join() === "0" && ends.join() === "1";
  }).length;
}

describe("fused inference graphs", () => {
  for (const c of CASES) {
    it(`${c.name}: equals the plain graph (1e-4) and uses the fused kernels`, async () => {
      const src = c.src();
      const plain = buildEncoder(c.config, src, { pooling: c.pooling });
      const fused = buildEncoder(c.config, src, { pooling: c.pooling, fused: true });
      const layers = c.config.num_hidden_layers as number;
      expect(weightMatMuls(plain)).toBe(layers * c.matmuls[0]);
      expect(weightMatMuls(fused)).toBe(layers * c.matmuls[1]);
      for (const op of c.fusedOps) {
        expect(opCount(plain, op)).toBe(0);
        expect(opCount(fused, op)).toBeGreaterThanOrEqual(layers);
      }
      for (const { ids, mask } of c.padding) {
        const a = await run(plain, ids, mask);
        const b = await run(fused, ids, mask);
        expect(hiddenError(a.last_hidden_state, b.last_hidden_state, mask)).toBeLessThan(1e-4);
        expect(maxDiff(a.embedding, b.embedding)).toBeLessThan(1e-4);
      }
    });
  }

  it("qwen3: left and right padding still give the same last-token embedding", async () => {
    const graph = buildEncoder(tinyQwen3Config, tinyQwen(tinyQwen3Config), { pooling: "last", fused: true });
    const right = await run(graph, RIGHT.ids, RIGHT.mask);
    const left = await run(graph, LEFT.ids, LEFT.mask);
    expect(maxDiff(right.embedding, left.embedding)).toBeLessThan(1e-5);
  });

  for (const c of CASES.filter((x) => x.pooling === "cls")) {
    it(`${c.name}: an embedding-only CLS graph computes the same embedding from the first row`, async () => {
      const src = c.src();
      const full = buildEncoder(c.config, src, { pooling: "cls", fused: true });
      const lean = buildEncoder(c.config, src, { pooling: "cls", fused: true, outputs: "embedding" });
      expect(lean.outputs.map((o) => o.name)).toEqual(["embedding"]);
      // The last layer takes its residual and query from position 0 only (CLS pooling's own Gather
      // reads position 0 too, but it is no Slice).
      expect(firstRowSlices(full)).toBe(0);
      expect(firstRowSlices(lean)).toBeGreaterThanOrEqual(1);
      const a = await run(full, RIGHT.ids, RIGHT.mask);
      const b = await run(lean, RIGHT.ids, RIGHT.mask);
      expect(Object.keys(b)).toEqual(["embedding"]);
      expect(maxDiff(a.embedding, b.embedding)).toBeLessThan(1e-5);
    });
  }

  for (const c of [CASES[0], CASES[1], CASES[4]]) {
    it(`${c.name}: fused int8 stays as close to float32 as plain int8`, async () => {
      const src = c.src();
      const graph = buildEncoder(c.config, src, { pooling: c.pooling, fused: true, quantize: "int8" });
      const layers = c.config.num_hidden_layers as number;
      // Q, K and V as one quantised projection (BERT's inside QAttention), then the output, MLP-in
      // and MLP-out projections.
      const qAttention = opCount(graph, "QAttention");
      expect(qAttention).toBe(c.name === "bert" ? layers : 0);
      expect(opCount(graph, "DynamicQuantizeMatMul") + qAttention).toBe(layers * 4);
      expect(weightMatMuls(graph)).toBe(0);
      const fp = await run(buildEncoder(c.config, src, { pooling: c.pooling }), RIGHT.ids, RIGHT.mask);
      const plainQ = await run(
        buildEncoder(c.config, src, { pooling: c.pooling, quantize: "int8" }),
        RIGHT.ids,
        RIGHT.mask,
      );
      const fusedQ = await run(graph, RIGHT.ids, RIGHT.mask);
      const plainCos = cosineRows(fp.embedding, plainQ.embedding);
      cosineRows(fp.embedding, fusedQ.embedding).forEach((cos, r) => {
        expect(cos).toBeLessThan(1); // really quantised
        expect(1 - cos).toBeLessThan(2 * (1 - plainCos[r]) + 1e-4);
      });
    });
  }

  it("refuses fused kernels in a float64 graph (they have no float64 and no gradients)", () => {
    expect(() =>
      buildEncoder(tinyBertConfig, tinyBert(), { pooling: "cls", fused: true, dtype: "float64" }),
    ).toThrow(CareError);
  });
});
