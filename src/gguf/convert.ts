import { existsSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { loadCard } from "../models/card.js";
import { ConfigReader } from "../models/config.js";
import { isCausal } from "../models/qwen.js";
import { readStConfig } from "../models/sentence-transformers.js";
import { CareError } from "../core/errors.js";
import { Progress } from "../util/progress.js";
import { readJsonFile, type Checkpoint } from "../weights/checkpoint.js";
import type { TensorSource } from "../weights/source.js";
import { GGML_QUANT_VERSION, GGUF_CARD_KEY, LlamaFileType } from "./format.js";
import { GgufMetadata } from "./metadata.js";
import { addArchitecture, expectedShape, ggufTensorName, qwenHparams, requiredTensors } from "./qwen.js";
import { storageType, type GgufOutType } from "./tensor-type.js";
import { addVocab, readVocab } from "./vocab.js";
import { writeGguf, type GgufTensorPlan } from "./writer.js";

const FILE_TYPE: Record<GgufOutType, LlamaFileType> = {
  f32: LlamaFileType.ALL_F32,
  f16: LlamaFileType.MOSTLY_F16,
  q8_0: LlamaFileType.MOSTLY_Q8_0,
};

export interface ConvertResult {
  file: string;
  arch: string;
  tensors: number;
  bytes: number;
}

/**
 * Converts a Hugging Face Qwen2/Qwen3 checkpoint folder (config.json, tokenizer.json, and its weights as
 * a TensorSource) into a GGUF embedding model for llama.cpp: last-token pooling, end-of-text appended.
 * Shapes are checked against the config before anything is written; the output appears atomically.
 */
export function convertToGguf(
  checkpoint: Checkpoint<TensorSource>,
  out: string,
  type: GgufOutType,
): ConvertResult {
  const { dir, config, weights } = checkpoint;
  const configFile = join(dir, "config.json");
  const h = qwenHparams(config, configFile);

  const plans: GgufTensorPlan[] = [];
  for (const hfName of weights.names()) {
    const name = ggufTensorName(hfName, configFile);
    if (name === null) continue;
    const shape = weights.shape(hfName);
    const want = expectedShape(name, h);
    if (!want || want.join() !== shape.join())
      throw new CareError(
        `tensor "${hfName}" has shape [${shape.join(", ")}], config implies [${want?.join(", ") ?? "none"}]`,
        configFile,
      );
    plans.push({ name, shape, type: storageType(type, shape), read: () => weights.float32(hfName) });
  }
  const have = new Set(plans.map((p) => p.name));
  const missing = requiredTensors(h).filter((n) => !have.has(n));
  if (missing.length)
    throw new CareError(`checkpoint lacks tensors llama.cpp needs: ${missing.slice(0, 5).join(", ")}`, dir);
  // llama.cpp loads biases only where its graph has them (qwen2); for qwen3 they were refused above.
  plans.sort((a, b) => tensorOrder(a.name) - tensorOrder(b.name) || a.name.localeCompare(b.name));

  const st = readStConfig(dir);
  const card = loadCard(dir, "qwen", config, st);
  // llama.cpp runs a causal Qwen and pools its last hidden state: nothing after pooling, no
  // bidirectional attention, no prompt left out of pooling.
  if (st.modules?.dense.length)
    throw new CareError(`a Dense module after pooling: the GGUF path has none`, st.modules.file);
  if (!isCausal(new ConfigReader(config, configFile)))
    throw new CareError(
      `bidirectional attention (gte-Qwen2, is_causal false): llama.cpp's Qwen is causal`,
      configFile,
    );
  // The ONNX path also caps inputs at the tokenizer's model_max_length; the GGUF has no tokenizer
  // config, so the cap goes into the stored card.
  const tokMax = modelMaxLength(dir);
  if (tokMax !== undefined) card.max_length = Math.min(card.max_length, tokMax);
  if (card.pooling !== "last" || !card.include_prompt)
    throw new CareError(
      `model card pooling "${card.pooling}"${card.include_prompt ? "" : " without the prompt"}: the GGUF path pools the last token`,
      join(dir, "care.json"),
    );

  const meta = new GgufMetadata();
  addArchitecture(meta, h);
  meta
    .string("general.name", basename(resolve(dir)))
    .u32("general.file_type", FILE_TYPE[type])
    .u32("general.quantization_version", GGML_QUANT_VERSION)
    // The card travels inside the file so that a lone .gguf still formats queries and cuts widths
    // exactly as the ONNX path does for its folder.
    .string(GGUF_CARD_KEY, JSON.stringify(card));
  const vocab = readVocab(dir, h.vocabSize);
  if (vocab.tokens.length !== h.vocabSize)
    throw new CareError(
      `tokenizer.json has ids up to ${vocab.tokens.length - 1} but vocab_size is ${h.vocabSize}`,
      join(dir, "tokenizer.json"),
    );
  addVocab(meta, vocab);

  const progress = new Progress(`gguf ${type}`, plans.length, "tensors");
  let bytes = 0;
  writeGguf(out, meta, plans, (_, n) => {
    bytes += n;
    progress.tick();
  });
  progress.finish();
  return { file: out, arch: h.arch, tensors: plans.length, bytes };
}

function modelMaxLength(dir: string): number | undefined {
  const file = join(dir, "tokenizer_config.json");
  if (!existsSync(file)) return undefined;
  const max = (readJsonFile(file, "tokenizer_config.json") as { model_max_length?: unknown })
    .model_max_length;
  return typeof max === "number" && max > 0 && max < 1e9 ? max : undefined;
}

/** Token embedding first, then blocks in numeric order, then the final norm: the order llama.cpp writes. */
function tensorOrder(name: string): number {
  if (name.startsWith("token_embd")) return -1;
  const m = /^blk\.(\d+)\./.exec(name);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}
