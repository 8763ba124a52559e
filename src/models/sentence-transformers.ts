/**
 * The sentence-transformers files of a checkpoint folder, read and checked: modules.json (Transformer,
 * Pooling, Dense, Normalize), 1_Pooling/config.json, k_Dense/config.json, config_sentence_transformers.json
 * and sentence_bert_config.json. Anything this project cannot honour exactly is a CareError naming
 * the file and field; nothing is skipped. Field names follow sentence-transformers' own saves: the
 * legacy `pooling_mode_*` booleans (v2–v4) and the single `pooling_mode` (v5) are both read.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CareError } from "../core/errors.js";
import { readJsonFile } from "../weights/checkpoint.js";
import { POOLINGS, type Pooling } from "./layers.js";

export type DenseActivation = "identity" | "tanh" | "relu" | "gelu" | "sigmoid";

/** torch classes sentence-transformers writes as `activation_function`, by our name. */
export const TORCH_ACTIVATIONS: Record<DenseActivation, string> = {
  identity: "torch.nn.modules.linear.Identity",
  tanh: "torch.nn.modules.activation.Tanh",
  relu: "torch.nn.modules.activation.ReLU",
  gelu: "torch.nn.modules.activation.GELU",
  sigmoid: "torch.nn.modules.activation.Sigmoid",
};

/** A Dense module: y = act(x Wᵀ + b) (+ x, or + x Rᵀ, with use_residual); weights in `<path>/model.safetensors`. */
export interface StDense {
  /** Folder of the module inside the checkpoint, e.g. "2_Dense". */
  path: string;
  inFeatures: number;
  outFeatures: number;
  bias: boolean;
  activation: DenseActivation;
  residual: boolean;
}

export interface StPooling {
  mode: Pooling;
  includePrompt: boolean;
  /** `word_embedding_dimension` / `embedding_dimension`: must equal the hidden size. */
  dimension: number;
  file: string;
}

export interface StModules {
  file: string;
  pooling: StPooling;
  dense: StDense[];
  normalize: boolean;
}

export type Similarity = "cosine" | "dot" | "euclidean" | "manhattan";

/** What sentence-transformers would read from a folder; each part undefined where its file is absent. */
export interface StConfig {
  modules?: StModules;
  /** config_sentence_transformers.json */
  model?: {
    file: string;
    prompts: Record<string, string>;
    defaultPromptName: string | null;
    similarity: Similarity | null;
  };
  /** sentence_bert_config.json */
  transformer?: { file: string; maxSeqLength: number | null; doLowerCase: boolean };
}

export const MODULES_FILE = "modules.json";
export const ST_MODEL_FILE = "config_sentence_transformers.json";
export const ST_TRANSFORMER_FILE = "sentence_bert_config.json";

/** sentence-transformers' pooling mode names (v5 `pooling_mode` values) and ours. */
const ST_MODES: Record<string, Pooling> = {
  cls: "cls",
  mean: "mean",
  max: "max",
  lasttoken: "last",
  weightedmean: "weightedmean",
  mean_sqrt_len_tokens: "mean_sqrt_len",
};

/** The legacy boolean keys, in sentence-transformers' concatenation order. */
const LEGACY_MODES: [string, Pooling][] = [
  ["pooling_mode_cls_token", "cls"],
  ["pooling_mode_max_tokens", "max"],
  ["pooling_mode_mean_tokens", "mean"],
  ["pooling_mode_mean_sqrt_len_tokens", "mean_sqrt_len"],
  ["pooling_mode_weightedmean_tokens", "weightedmean"],
  ["pooling_mode_lasttoken", "last"],
];

function object(raw: unknown, file: string, what: string): Record<string, unknown> {
  if (!raw || typeof raw !== "object" || Array.isArray(raw))
    throw new CareError(`${what} is not a JSON object`, file);
  return raw as Record<string, unknown>;
}

function positiveInt(r: Record<string, unknown>, field: string, file: string): number {
  const v = r[field];
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0)
    throw new CareError(`field "${field}" must be a positive integer, got ${JSON.stringify(v)}`, file);
  return v;
}

function bool(r: Record<string, unknown>, field: string, file: string, fallback: boolean): boolean {
  const v = r[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "boolean")
    throw new CareError(`field "${field}" must be true or false, got ${JSON.stringify(v)}`, file);
  return v;
}

/** The class name of a modules.json `type` (`sentence_transformers.models.Pooling`, v5's module paths). */
function moduleClass(type: unknown, file: string, at: number): string {
  if (typeof type !== "string" || !type.startsWith("sentence_transformers."))
    throw new CareError(
      `field "[${at}].type" is ${JSON.stringify(type)}; supported: sentence-transformers' Transformer, Pooling, Dense, Normalize`,
      file,
    );
  return type.slice(type.lastIndexOf(".") + 1);
}

export function readPooling(file: string): StPooling {
  const r = object(readJsonFile(file, "pooling config"), file, "pooling config");
  const dimension =
    r.embedding_dimension !== undefined
      ? positiveInt(r, "embedding_dimension", file)
      : positiveInt(r, "word_embedding_dimension", file);
  let modes: Pooling[];
  if (r.pooling_mode !== undefined) {
    const list = Array.isArray(r.pooling_mode) ? r.pooling_mode : [r.pooling_mode];
    modes = list.map((m) => {
      const mode = typeof m === "string" ? ST_MODES[m.toLowerCase()] : undefined;
      if (!mode)
        throw new CareError(
          `field "pooling_mode" has ${JSON.stringify(m)}; supported: ${Object.keys(ST_MODES).join(", ")}`,
          file,
        );
      return mode;
    });
  } else {
    modes = LEGACY_MODES.filter(([key]) => bool(r, key, file, false)).map(([, mode]) => mode);
    // sentence-transformers falls back to mean when no flag is set.
    if (!modes.length) modes = ["mean"];
  }
  if (modes.length !== 1)
    throw new CareError(
      `field "pooling_mode" combines ${modes.join(" + ")}; only one pooling mode per model is supported`,
      file,
    );
  return { mode: modes[0], includePrompt: bool(r, "include_prompt", file, true), dimension, file };
}

function readActivation(r: Record<string, unknown>, file: string): DenseActivation {
  const v = r.activation_function;
  // sentence-transformers' Dense defaults to Tanh when the key is absent.
  if (v === undefined || v === null) return "tanh";
  const found = (Object.keys(TORCH_ACTIVATIONS) as DenseActivation[]).find((a) => {
    const full = TORCH_ACTIVATIONS[a];
    return v === full || v === `torch.nn.${full.slice(full.lastIndexOf(".") + 1)}`;
  });
  if (!found)
    throw new CareError(
      `field "activation_function" is ${JSON.stringify(v)}; supported: ${Object.values(TORCH_ACTIVATIONS).join(", ")}`,
      file,
    );
  return found;
}

function readDense(dir: string, path: string): StDense {
  const file = join(dir, path, "config.json");
  const r = object(readJsonFile(file, "Dense config"), file, "Dense config");
  for (const field of ["module_input_name", "module_output_name"]) {
    if (r[field] !== undefined && r[field] !== null && r[field] !== "sentence_embedding")
      throw new CareError(
        `field "${field}" is ${JSON.stringify(r[field])}; only "sentence_embedding" is supported`,
        file,
      );
  }
  const dense: StDense = {
    path,
    inFeatures: positiveInt(r, "in_features", file),
    outFeatures: positiveInt(r, "out_features", file),
    bias: bool(r, "bias", file, true),
    activation: readActivation(r, file),
    residual: bool(r, "use_residual", file, false),
  };
  if (!existsSync(join(dir, path, "model.safetensors"))) {
    const bin = existsSync(join(dir, path, "pytorch_model.bin"))
      ? " (pytorch_model.bin is not read: convert it to safetensors)"
      : "";
    throw new CareError(`Dense module has no model.safetensors${bin}`, join(dir, path));
  }
  return dense;
}

function readModules(dir: string): StModules {
  const file = join(dir, MODULES_FILE);
  const raw = readJsonFile(file, "modules.json");
  if (!Array.isArray(raw) || raw.length === 0)
    throw new CareError("modules.json is not a non-empty list", file);
  let pooling: StPooling | undefined;
  const dense: StDense[] = [];
  let normalize = false;
  raw.forEach((entry: unknown, i: number) => {
    const e = object(entry, file, `entry ${i}`);
    const cls = moduleClass(e.type, file, i);
    const path = e.path;
    if (typeof path !== "string") throw new CareError(`field "[${i}].path" must be a string`, file);
    if (path.includes(".."))
      throw new CareError(`field "[${i}].path" ${JSON.stringify(path)} leaves the folder`, file);
    const order = (ok: boolean, why: string) => {
      if (!ok) throw new CareError(`field "[${i}].type" ${cls}: ${why}`, file);
    };
    switch (cls) {
      case "Transformer":
        order(i === 0, "the Transformer must be the first module");
        if (path !== "")
          throw new CareError(
            `field "[${i}].path" is ${JSON.stringify(path)}; only a Transformer saved in the folder's root is supported`,
            file,
          );
        return;
      case "Pooling":
        order(i === 1, "Pooling must directly follow the Transformer");
        pooling = readPooling(join(dir, path, "config.json"));
        return;
      case "Dense":
        order(pooling !== undefined && !normalize, "Dense must come after Pooling and before Normalize");
        dense.push(readDense(dir, path));
        return;
      case "Normalize":
        order(pooling !== undefined && i === raw.length - 1, "Normalize must be the last module");
        normalize = true;
        return;
      default:
        throw new CareError(
          `field "[${i}].type" is ${JSON.stringify(e.type)}; supported modules: Transformer, Pooling, Dense, Normalize`,
          file,
        );
    }
  });
  if (!pooling)
    throw new CareError("no Pooling module: the token embeddings would not become one vector", file);
  let width = pooling.dimension;
  for (const d of dense) {
    if (d.inFeatures !== width)
      throw new CareError(
        `field "in_features" is ${d.inFeatures} but its input is ${width} wide`,
        join(dir, d.path, "config.json"),
      );
    width = d.outFeatures;
  }
  return { file, pooling, dense, normalize };
}

function readModelConfig(file: string): NonNullable<StConfig["model"]> {
  const r = object(readJsonFile(file, ST_MODEL_FILE), file, ST_MODEL_FILE);
  if (r.model_type !== undefined && r.model_type !== "SentenceTransformer")
    throw new CareError(
      `field "model_type" is ${JSON.stringify(r.model_type)}; only SentenceTransformer (dense embedding) models are supported`,
      file,
    );
  const prompts: Record<string, string> = {};
  if (r.prompts !== undefined && r.prompts !== null) {
    const p = object(r.prompts, file, 'field "prompts"');
    for (const [k, v] of Object.entries(p)) {
      if (typeof v !== "string")
        throw new CareError(`field "prompts.${k}" must be a string, got ${JSON.stringify(v)}`, file);
      prompts[k] = v;
    }
  }
  const def = r.default_prompt_name ?? null;
  if (def !== null && (typeof def !== "string" || !(def in prompts)))
    throw new CareError(
      `field "default_prompt_name" is ${JSON.stringify(def)}, not one of the prompts (${Object.keys(prompts).join(", ")})`,
      file,
    );
  const sim = r.similarity_fn_name ?? null;
  if (sim !== null && !["cosine", "dot", "euclidean", "manhattan"].includes(sim as string))
    throw new CareError(
      `field "similarity_fn_name" is ${JSON.stringify(sim)}; sentence-transformers knows cosine, dot, euclidean, manhattan`,
      file,
    );
  return { file, prompts, defaultPromptName: def as string | null, similarity: sim as Similarity | null };
}

function readTransformerConfig(file: string): NonNullable<StConfig["transformer"]> {
  const r = object(readJsonFile(file, ST_TRANSFORMER_FILE), file, ST_TRANSFORMER_FILE);
  // v5 names what the Transformer computes; only token embeddings for pooling are an embedding model.
  for (const [field, want] of [
    ["transformer_task", "feature-extraction"],
    ["module_output_name", "token_embeddings"],
  ]) {
    if (r[field] !== undefined && r[field] !== null && r[field] !== want)
      throw new CareError(`field "${field}" is ${JSON.stringify(r[field])}; supported: "${want}"`, file);
  }
  const max = r.max_seq_length ?? null;
  return {
    file,
    maxSeqLength: max === null ? null : positiveInt(r, "max_seq_length", file),
    doLowerCase: bool(r, "do_lower_case", file, false),
  };
}

/** Every sentence-transformers file the folder has, read and checked. */
export function readStConfig(dir: string): StConfig {
  const st: StConfig = {};
  if (existsSync(join(dir, MODULES_FILE))) st.modules = readModules(dir);
  if (existsSync(join(dir, ST_MODEL_FILE))) st.model = readModelConfig(join(dir, ST_MODEL_FILE));
  if (existsSync(join(dir, ST_TRANSFORMER_FILE)))
    st.transformer = readTransformerConfig(join(dir, ST_TRANSFORMER_FILE));
  return st;
}

/** Width of the vector after pooling and the Dense modules. */
export function headWidth(hidden: number, modules: StModules | undefined): number {
  return modules?.dense.length ? modules.dense[modules.dense.length - 1].outFeatures : hidden;
}

/** 1_Pooling/config.json as sentence-transformers v3/v4 write it (v5 reads these keys too). */
export function poolingConfigJson(
  mode: Pooling,
  dimension: number,
  includePrompt: boolean,
): Record<string, unknown> {
  if (!POOLINGS.includes(mode)) throw new CareError(`unknown pooling "${mode}"`);
  const out: Record<string, unknown> = { word_embedding_dimension: dimension };
  for (const [key, m] of LEGACY_MODES) out[key] = m === mode;
  out.include_prompt = includePrompt;
  return out;
}
