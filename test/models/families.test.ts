/**
 * Each family on tiny random weights against the independent plain-TypeScript reference forward
 * passes in test/reference (max abs error 1e-4), plus padding, prefixes, float64 and int8.
 */
import { describe, expect, it } from "vitest";
import { toOnnxBytes } from "../../src/graph/onnx.js";
import { buildEncoder, type EncoderOptions } from "../../src/models/family.js";
import { Session, int64Tensor } from "../../src/runtime/session.js";
import { type TensorSource, MapTensorSource } from "../../src/weights/source.js";
import { bertForward } from "../reference/bert.js";
import { gteForward } from "../reference/gte.js";
import { poolReference } from "../reference/pool.js";
import { qwenForward } from "../reference/qwen.js";
import {
  tinyBert,
  tinyBertConfig,
  tinyGte,
  tinyGteConfig,
  tinyQwen,
  tinyQwen3Config,
} from "./tiny-weights.js";

type Config = Record<string, unknown>;

async function encode(
  config: Config,
  src: TensorSource,
  ids: number[][],
  mask: number[][],
  options: EncoderOptions,
): Promise<{ hidden: Float32Array | Float64Array; embedding: Float32Array | Float64Array; width: number }> {
  const graph = buildEncoder(config, src, options);
  const session = await Session.create(toOnnxBytes(graph));
  const out = await session.run({ input_ids: int64Tensor(ids), attention_mask: int64Tensor(mask) });
  await session.dispose();
  const width = config.hidden_size as number;
  expect(out.last_hidden_state.shape).toEqual([ids.length, ids[0].length, width]);
  expect(out.embedding.shape).toEqual([ids.length, width]);
  return {
    hidden: out.last_hidden_state.data as Float32Array,
    embedding: out.embedding.data as Float32Array,
    width,
  };
}

/** Max abs difference over real (mask 1) positions of the hidden states, and over the pooled rows. */
function maxError(
  got: { hidden: ArrayLike<number>; embedding: ArrayLike<number>; width: number },
  ref: Float32Array[][],
  pooled: Float32Array[],
  mask: number[][],
): number {
  let err = 0;
  const seq = mask[0].length;
  ref.forEach((rows, b) =>
    rows.forEach((row, s) => {
      if (mask[b][s] !== 1) return;
      row.forEach((v, j) => (err = Math.max(err, Math.abs(v - got.hidden[(b * seq + s) * got.width + j]))));
    }),
  );
  pooled.forEach((row, b) =>
    row.forEach((v, j) => (err = Math.max(err, Math.abs(v - got.embedding[b * got.width + j])))),
  );
  return err;
}

const IDS = [
  [2, 17, 5, 33, 8, 0],
  [2, 9, 39, 4, 0, 0],
];
const MASK = [
  [1, 1, 1, 1, 1, 0],
  [1, 1, 1, 1, 0, 0],
];

describe("BERT family", () => {
  it("equals the reference forward pass (every pooling mode)", async () => {
    const src = tinyBert();
    const ref = bertForward(tinyBertConfig, src, IDS, MASK);
    for (const pooling of ["cls", "mean", "max", "weightedmean", "mean_sqrt_len"] as const) {
      const got = await encode(tinyBertConfig, src, IDS, MASK, { pooling });
      expect(maxError(got, ref, poolReference(ref, MASK, pooling), MASK)).toBeLessThan(1e-4);
    }
  });

  it("accepts the bert. prefix and legacy gamma/beta names", async () => {
    const plain = tinyBert();
    const renamed = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const name of plain.names()) {
      const legacy = name
        .replace(/LayerNorm\.weight$/, "LayerNorm.gamma")
        .replace(/LayerNorm\.bias$/, "LayerNorm.beta");
      renamed.set(`bert.${legacy}`, { shape: plain.shape(name), data: plain.float32(name) });
    }
    const a = await encode(tinyBertConfig, plain, IDS, MASK, { pooling: "cls" });
    const b = await encode(tinyBertConfig, new MapTensorSource(renamed), IDS, MASK, { pooling: "cls" });
    expect(Array.from(b.embedding)).toEqual(Array.from(a.embedding));
  });

  it("numbers RoBERTa positions from padding_idx + 1", async () => {
    // The same weights with the position table shifted down by pad_token_id + 1 rows must give the
    // BERT result on unpadded input.
    const bert = tinyBert();
    const cfg = { ...tinyBertConfig, model_type: "roberta", pad_token_id: 1 };
    const shifted = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const name of bert.names())
      shifted.set(`roberta.${name}`, { shape: bert.shape(name), data: bert.float32(name) });
    const pos = bert.float32("embeddings.position_embeddings.weight");
    const H = tinyBertConfig.hidden_size;
    const moved = new Float32Array(pos.length);
    moved.set(pos.subarray(0, pos.length - 2 * H), 2 * H);
    shifted.set("roberta.embeddings.position_embeddings.weight", {
      shape: bert.shape("embeddings.position_embeddings.weight"),
      data: moved,
    });
    const ids = [[2, 17, 5, 33]];
    const mask = [[1, 1, 1, 1]];
    const a = await encode(tinyBertConfig, bert, ids, mask, { pooling: "cls" });
    const b = await encode(cfg, new MapTensorSource(shifted), ids, mask, { pooling: "cls" });
    Array.from(a.embedding).forEach((v, i) => expect(b.embedding[i]).toBeCloseTo(v, 5));
  });

  it("builds a float64 graph that equals the reference to float32 rounding", async () => {
    const src = tinyBert();
    const ref = bertForward(tinyBertConfig, src, IDS, MASK);
    const got = await encode(tinyBertConfig, src, IDS, MASK, { pooling: "cls", dtype: "float64" });
    expect(got.embedding).toBeInstanceOf(Float64Array);
    expect(maxError(got, ref, poolReference(ref, MASK, "cls"), MASK)).toBeLessThan(1e-6);
  });
});

const qwen2Config = {
  ...tinyQwen3Config,
  model_type: "qwen2",
  num_key_value_heads: 4,
  head_dim: 4,
  rope_theta: 10000,
};

describe("Qwen family", () => {
  for (const [name, cfg] of [
    ["qwen3 (GQA, q/k norms)", tinyQwen3Config],
    ["qwen2 (q/k/v biases)", qwen2Config],
  ] as const) {
    it(`${name} equals the reference forward pass with last-token pooling`, async () => {
      const src = tinyQwen(cfg);
      const ref = qwenForward(cfg, src, IDS, MASK);
      const got = await encode(cfg, src, IDS, MASK, { pooling: "last" });
      expect(maxError(got, ref, poolReference(ref, MASK, "last"), MASK)).toBeLessThan(1e-4);
    });
  }

  it("gives the same last-token embedding with left and right padding", async () => {
    const src = tinyQwen(tinyQwen3Config);
    const right = await encode(
      tinyQwen3Config,
      src,
      [
        [5, 6, 7, 8, 0, 0],
        [1, 2, 3, 4, 5, 6],
      ],
      [
        [1, 1, 1, 1, 0, 0],
        [1, 1, 1, 1, 1, 1],
      ],
      { pooling: "last" },
    );
    const left = await encode(
      tinyQwen3Config,
      src,
      [
        [0, 0, 5, 6, 7, 8],
        [1, 2, 3, 4, 5, 6],
      ],
      [
        [0, 0, 1, 1, 1, 1],
        [1, 1, 1, 1, 1, 1],
      ],
      { pooling: "last" },
    );
    const alone = await encode(tinyQwen3Config, src, [[5, 6, 7, 8]], [[1, 1, 1, 1]], { pooling: "last" });
    const W = right.width;
    for (let j = 0; j < W; j++) {
      expect(Math.abs(left.embedding[j] - right.embedding[j])).toBeLessThan(1e-5);
      expect(Math.abs(alone.embedding[j] - right.embedding[j])).toBeLessThan(1e-5);
    }
    // The rows differ from each other, so the comparison above is not vacuous.
    expect(Math.abs(right.embedding[0] - right.embedding[W])).toBeGreaterThan(1e-3);
  });

  it("accepts checkpoints without the model. prefix (as Qwen3-Embedding ships)", async () => {
    const a = await encode(tinyQwen3Config, tinyQwen(tinyQwen3Config, 2, "model."), IDS, MASK, {
      pooling: "last",
    });
    const b = await encode(tinyQwen3Config, tinyQwen(tinyQwen3Config, 2, ""), IDS, MASK, { pooling: "last" });
    expect(Array.from(b.embedding)).toEqual(Array.from(a.embedding));
  });

  it("builds a float64 graph that equals the reference to float32 rounding", async () => {
    const src = tinyQwen(tinyQwen3Config);
    const ref = qwenForward(tinyQwen3Config, src, IDS, MASK);
    const got = await encode(tinyQwen3Config, src, IDS, MASK, { pooling: "last", dtype: "float64" });
    expect(maxError(got, ref, poolReference(ref, MASK, "last"), MASK)).toBeLessThan(1e-6);
  });
});

describe("gte new family", () => {
  it("builds a float64 graph that equals the reference to float32 rounding", async () => {
    const src = tinyGte();
    const ref = gteForward(tinyGteConfig, src, IDS, MASK);
    const got = await encode(tinyGteConfig, src, IDS, MASK, { pooling: "mean", dtype: "float64" });
    expect(maxError(got, ref, poolReference(ref, MASK, "mean"), MASK)).toBeLessThan(1e-6);
  });

  for (const [name, cfg] of [
    ["NTK-scaled rotary", tinyGteConfig],
    ["plain rotary", { ...tinyGteConfig, rope_scaling: null }],
    ["RMSNorm layers", { ...tinyGteConfig, layer_norm_type: "rms_norm" }],
  ] as const) {
    it(`equals the reference forward pass (${name})`, async () => {
      const src = tinyGte();
      const ref = gteForward(cfg, src, IDS, MASK);
      const got = await encode(cfg, src, IDS, MASK, { pooling: "cls" });
      expect(maxError(got, ref, poolReference(ref, MASK, "cls"), MASK)).toBeLessThan(1e-4);
    });
  }
});

function cosine(a: ArrayLike<number>, b: ArrayLike<number>, from: number, to: number): number {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = from; i < to; i++) {
    d += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return d / Math.sqrt(na * nb);
}

describe("int8 dynamic quantisation", () => {
  for (const [name, cfg, src, pooling, linearsPerLayer] of [
    ["bert", tinyBertConfig, tinyBert(), "cls", 6],
    ["qwen3", tinyQwen3Config, tinyQwen(tinyQwen3Config), "last", 7],
    ["gte", tinyGteConfig, tinyGte(), "cls", 4],
  ] as const) {
    it(`${name}: quantised linear layers stay close to float32 (cosine >= 0.99)`, async () => {
      const graph = buildEncoder(cfg, src, { pooling, quantize: "int8" });
      const quantised = graph.nodes.filter((n) => n.op === "DynamicQuantizeMatMul").length;
      expect(quantised).toBe(cfg.num_hidden_layers * linearsPerLayer);
      const fp = await encode(cfg, src, IDS, MASK, { pooling });
      const q = await encode(cfg, src, IDS, MASK, { pooling, quantize: "int8" });
      for (let b = 0; b < IDS.length; b++) {
        const c = cosine(fp.embedding, q.embedding, b * fp.width, (b + 1) * fp.width);
        expect(c).toBeGreaterThan(0.99);
        expect(c).toBeLessThan(1); // quantisation really changed the numbers
      }
    });
  }
});

describe("errors", () => {
  it("names an unsupported model_type and lists the supported ones", () => {
    expect(() =>
      buildEncoder({ model_type: "llama" }, tinyBert(), { pooling: "cls", configFile: "m/config.json" }),
    ).toThrow(
      'm/config.json: unsupported model_type "llama"; supported: bert, roberta, xlm-roberta, qwen2, qwen3, new',
    );
  });

  it("names the tensor and both shapes on a config/weights mismatch", () => {
    const cfg = { ...tinyBertConfig, intermediate_size: 30 };
    expect(() => buildEncoder(cfg, tinyBert(), { pooling: "cls" })).toThrow(
      'tensor "encoder.layer.0.intermediate.dense.weight" has shape [24, 16] but config.json implies [30, 16]',
    );
  });

  it("rejects config features the graphs do not implement, naming the field", () => {
    const src = tinyQwen(tinyQwen3Config);
    const yarn = { ...tinyQwen3Config, rope_scaling: { rope_type: "yarn", factor: 4 } };
    expect(() => buildEncoder(yarn, src, { pooling: "last" })).toThrow(/field "rope_scaling" type "yarn"/);
    const sliding = { ...tinyQwen3Config, use_sliding_window: true };
    expect(() => buildEncoder(sliding, src, { pooling: "last" })).toThrow(/use_sliding_window/);
    const relu = { ...tinyBertConfig, hidden_act: "relu" };
    expect(() => buildEncoder(relu, tinyBert(), { pooling: "cls" })).toThrow(/field "hidden_act" is "relu"/);
  });

  it("names a missing tensor and a missing config field", () => {
    const src = tinyQwen(tinyQwen3Config);
    const without = new Map([...src.tensors].filter(([n]) => n !== "model.layers.1.self_attn.k_norm.weight"));
    expect(() => buildEncoder(tinyQwen3Config, new MapTensorSource(without), { pooling: "last" })).toThrow(
      'checkpoint is missing tensor "model.layers.1.self_attn.k_norm.weight"',
    );
    const { hidden_size: _, ...noHidden } = tinyQwen3Config;
    expect(() => buildEncoder(noHidden, src, { pooling: "last" })).toThrow(
      'config.json: missing field "hidden_size"',
    );
  });
});
