/**
 * Trained parameters back to a Hugging Face folder the model engine loads: every tensor of the base
 * checkpoint, with trained ones replaced (Linear weights transposed back to [out, in]) and LoRA
 * adapters merged, W += (alpha / r) * (A B)^T; the sentence-transformers Dense modules' weights into
 * their own folders; plus config.json and the tokenizer files.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import { CareError } from "../core/errors.js";
import { writeSafetensors, type WriteTensor } from "../weights/safetensors.js";
import type { TensorSource } from "../weights/source.js";
import type { FloatData, Param } from "./params.js";
import type { DenseLayer } from "../models/head.js";

/** Files beside the weights that loaders read, copied from the base checkpoint folder when present. */
const SIDE_FILES = [
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "vocab.txt",
  "sentencepiece.bpe.model",
  "merges.txt",
  "vocab.json",
  "added_tokens.json",
  "generation_config.json",
  "care.json",
];

/**
 * The side files a checkpoint folder has, plus its Python files: the remote code an `auto_map` names
 * (gte-Qwen2's modeling_qwen.py), without which transformers cannot load the folder.
 */
export function sideFiles(dir: string): string[] {
  const py = readdirSync(dir).filter((f) => f.endsWith(".py"));
  return [...SIDE_FILES.filter((f) => existsSync(join(dir, f))), ...py];
}

export interface ExportBase {
  config: Record<string, unknown>;
  /** The base checkpoint's tensors (frozen ones are written as they are). */
  weights: TensorSource;
  /** Folder to copy tokenizer files from. */
  dir?: string;
  /** Only parameters whose name starts with this belong to this model (two encoders share a graph). */
  prefix?: string;
  /** Dense modules after pooling (tensors named "<path>/linear.weight"), written to <dir>/<path>/. */
  dense?: readonly DenseLayer[];
}

/** [rows, cols] row-major to [cols, rows], widening or narrowing to float32. */
function transposed(data: FloatData, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

/** The checkpoint tensors after training, by checkpoint name (HF layout, float32). */
export function trainedTensors(
  base: ExportBase,
  params: readonly Param[],
  values: readonly FloatData[],
): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  const prefix = base.prefix ?? "";
  const lora = new Map<string, { a?: FloatData; b?: FloatData; scale: number; rank: number }>();
  params.forEach((p, i) => {
    if (!p.name.startsWith(prefix)) return;
    if (p.origin) {
      const data = values[i];
      out.set(
        p.origin.tensor,
        p.origin.transform === "transpose"
          ? transposed(data, p.shape[0], p.shape[1])
          : Float32Array.from(data),
      );
    } else if (p.lora) {
      const entry = lora.get(p.lora.tensor) ?? { scale: p.lora.scale, rank: 0 };
      if (p.lora.factor === "A") {
        entry.a = values[i];
        entry.rank = p.shape[1];
      } else entry.b = values[i];
      lora.set(p.lora.tensor, entry);
    }
  });
  for (const [tensor, { a, b, scale, rank }] of lora) {
    if (!a || !b) throw new Error(`LoRA adapter for ${tensor} is missing a factor`);
    const w = out.get(tensor) ?? base.weights.float32(tensor).slice();
    const [outDim, inDim] = base.weights.shape(tensor);
    // W[o, i] += scale * sum_r A[i, r] B[r, o]
    for (let o = 0; o < outDim; o++) {
      for (let i = 0; i < inDim; i++) {
        let s = 0;
        for (let r = 0; r < rank; r++) s += a[i * rank + r] * b[r * outDim + o];
        w[o * inDim + i] += scale * s;
      }
    }
    out.set(tensor, w);
  }
  return out;
}

/** Writes `dir` as a Hugging Face checkpoint folder (model.safetensors in float32). */
export function exportCheckpoint(
  dir: string,
  base: ExportBase,
  params: readonly Param[],
  values: readonly FloatData[],
): void {
  const trained = trainedTensors(base, params, values);
  const tensors: WriteTensor[] = base.weights.names().map((name) => ({
    name,
    shape: base.weights.shape(name),
    dtype: "F32",
    data: trained.get(name) ?? base.weights.float32(name),
  }));
  const dense = base.dense ?? [];
  for (const name of trained.keys()) {
    if (!base.weights.has(name) && !dense.some((d) => d.weights.has(name)))
      throw new CareError(`trained tensor "${name}" is not in the base checkpoint`);
  }
  writeSafetensors(join(dir, "model.safetensors"), tensors);
  for (const d of dense) {
    mkdirSync(join(dir, d.path), { recursive: true });
    writeSafetensors(
      join(dir, d.path, "model.safetensors"),
      d.weights.names().map((name) => ({
        name: name.slice(d.path.length + 1),
        shape: d.weights.shape(name),
        dtype: "F32",
        data: trained.get(name) ?? d.weights.float32(name),
      })),
    );
  }
  writeFileAtomic(
    join(dir, "config.json"),
    JSON.stringify({ ...base.config, torch_dtype: "float32" }, null, 2) + "\n",
  );
  if (base.dir) for (const f of sideFiles(base.dir)) copyFileSync(join(base.dir, f), join(dir, f));
}
