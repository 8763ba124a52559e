/**
 * Checkpoint folders with sentence-transformers files written by hand, in the shapes
 * sentence-transformers saves (v3/v4 boolean pooling flags, v5 `pooling_mode`), over make-tiny
 * checkpoints: the fixtures of the parity and export tests.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeTiny, type TinyFamily } from "../../src/models/make-tiny.js";
import { writeSafetensors } from "../../src/weights/safetensors.js";
import { rng } from "../../src/util/rng.js";
import type { Pooling } from "../reference/pool.js";

export const HIDDEN = 32;

export interface DenseCase {
  out: number;
  act: "tanh" | "identity" | "gelu" | "relu";
  bias: boolean;
}

export interface Case {
  name: string;
  family: TinyFamily;
  pooling: Pooling;
  /** 1_Pooling/config.json in v5 form (`pooling_mode`) rather than v3/v4 booleans. */
  v5?: boolean;
  dense?: DenseCase[];
  prompts?: Record<string, string>;
  includePrompt?: boolean;
  lowercase?: boolean;
  maxSeqLength?: number;
  /** config.json additions (gte-Qwen2's remote-code auto_map). */
  config?: Record<string, unknown>;
  /** What the reference forward is told about causality (gte-Qwen2 attends both ways). */
  causal?: boolean;
}

const ST_MODE: Record<Pooling, string> = {
  cls: "cls",
  mean: "mean",
  max: "max",
  last: "lasttoken",
  weightedmean: "weightedmean",
  mean_sqrt_len: "mean_sqrt_len_tokens",
};
const LEGACY: [string, Pooling][] = [
  ["pooling_mode_cls_token", "cls"],
  ["pooling_mode_mean_tokens", "mean"],
  ["pooling_mode_max_tokens", "max"],
  ["pooling_mode_mean_sqrt_len_tokens", "mean_sqrt_len"],
  ["pooling_mode_weightedmean_tokens", "weightedmean"],
  ["pooling_mode_lasttoken", "last"],
];
const TORCH_ACT = {
  tanh: "torch.nn.modules.activation.Tanh",
  identity: "torch.nn.modules.linear.Identity",
  gelu: "torch.nn.modules.activation.GELU",
  relu: "torch.nn.modules.activation.ReLU",
};

function json(file: string, value: unknown): void {
  writeFileSync(file, JSON.stringify(value, null, 2));
}

function randomMatrix(n: number, seed: number, scale: number): Float32Array {
  const next = rng(seed);
  return Float32Array.from({ length: n }, () => (2 * next() - 1) * scale);
}

/** A make-tiny folder with sentence-transformers files as sentence-transformers would save them. */
export function writeCase(c: Case, dir: string): void {
  const tiny = makeTiny({ out: dir, family: c.family, seed: 11, layers: 2, hidden: HIDDEN, heads: 4 });
  rmSync(join(dir, "care.json"));
  if (c.config) json(join(dir, "config.json"), { ...tiny.config, ...c.config });
  const modules: Record<string, unknown>[] = [
    { idx: 0, name: "0", path: "", type: "sentence_transformers.models.Transformer" },
    { idx: 1, name: "1", path: "1_Pooling", type: "sentence_transformers.models.Pooling" },
  ];
  mkdirSync(join(dir, "1_Pooling"));
  const pooling: Record<string, unknown> = c.v5
    ? { embedding_dimension: HIDDEN, pooling_mode: ST_MODE[c.pooling] }
    : {
        word_embedding_dimension: HIDDEN,
        ...Object.fromEntries(LEGACY.map(([k, m]) => [k, m === c.pooling])),
      };
  if (c.includePrompt !== undefined) pooling.include_prompt = c.includePrompt;
  json(join(dir, "1_Pooling", "config.json"), pooling);
  let width = HIDDEN;
  (c.dense ?? []).forEach((d, i) => {
    const idx = modules.length;
    const path = `${idx}_Dense`;
    modules.push({ idx, name: String(idx), path, type: "sentence_transformers.models.Dense" });
    mkdirSync(join(dir, path));
    json(join(dir, path, "config.json"), {
      in_features: width,
      out_features: d.out,
      bias: d.bias,
      activation_function: TORCH_ACT[d.act],
    });
    const tensors = [
      {
        name: "linear.weight",
        shape: [d.out, width],
        dtype: "F32" as const,
        data: randomMatrix(d.out * width, 100 + i, 1 / Math.sqrt(width)),
      },
    ];
    if (d.bias)
      tensors.push({
        name: "linear.bias",
        shape: [d.out],
        dtype: "F32",
        data: randomMatrix(d.out, 200 + i, 0.5),
      });
    writeSafetensors(join(dir, path, "model.safetensors"), tensors);
    width = d.out;
  });
  const norm = modules.length;
  modules.push({
    idx: norm,
    name: String(norm),
    path: `${norm}_Normalize`,
    type: "sentence_transformers.models.Normalize",
  });
  json(join(dir, "modules.json"), modules);
  json(join(dir, "sentence_bert_config.json"), {
    max_seq_length: c.maxSeqLength ?? 128,
    do_lower_case: c.lowercase ?? false,
  });
  json(join(dir, "config_sentence_transformers.json"), {
    __version__: { sentence_transformers: "3.0.1", transformers: "4.41.2", pytorch: "2.3.0" },
    prompts: c.prompts ?? {},
    default_prompt_name: null,
    similarity_fn_name: "cosine",
  });
}
