/**
 * The sentence-transformers side of an exported checkpoint folder: modules.json, 1_Pooling/config.json,
 * the Dense modules' config.json, a Normalize module, sentence_bert_config.json and
 * config_sentence_transformers.json, written from the model card so that sentence-transformers
 * embeds exactly as care does (pooling, Dense, lengths, lowercasing, query and document prompts,
 * normalised vectors compared by cosine). The shapes are those sentence-transformers v3/v4 save,
 * which v5 still reads.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { CareError } from "../core/errors.js";
import { writeFileAtomic } from "../util/atomic.js";
import { CARD_FILE, queryPrompt, type ModelCard } from "./card.js";
import {
  MODULES_FILE,
  poolingConfigJson,
  ST_MODEL_FILE,
  ST_TRANSFORMER_FILE,
  TORCH_ACTIVATIONS,
  type StDense,
} from "./sentence-transformers.js";

const TYPE = "sentence_transformers.models.";

function writeJson(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + "\n");
}

/** Dense config.json as sentence-transformers saves it (use_residual only when set). */
function denseConfigJson(d: StDense): Record<string, unknown> {
  return {
    in_features: d.inFeatures,
    out_features: d.outFeatures,
    bias: d.bias,
    activation_function: TORCH_ACTIVATIONS[d.activation],
    ...(d.residual ? { use_residual: true } : {}),
  };
}

/**
 * Writes the sentence-transformers files for a card into `dir` (the Dense modules' weights are the
 * caller's: `<dir>/<path>/model.safetensors`). `hidden` is the transformer's hidden size.
 */
export function writeStFiles(dir: string, card: ModelCard, hidden: number, dense: readonly StDense[]): void {
  const modules: Record<string, unknown>[] = [
    { idx: 0, name: "0", path: "", type: `${TYPE}Transformer` },
    { idx: 1, name: "1", path: "1_Pooling", type: `${TYPE}Pooling` },
  ];
  mkdirSync(join(dir, "1_Pooling"), { recursive: true });
  writeJson(
    join(dir, "1_Pooling", "config.json"),
    poolingConfigJson(card.pooling, hidden, card.include_prompt),
  );
  for (const d of dense) {
    const idx = modules.length;
    modules.push({ idx, name: String(idx), path: d.path, type: `${TYPE}Dense` });
    mkdirSync(join(dir, d.path), { recursive: true });
    writeJson(join(dir, d.path, "config.json"), denseConfigJson(d));
  }
  const norm = `${modules.length}_Normalize`;
  modules.push({ idx: modules.length, name: String(modules.length), path: norm, type: `${TYPE}Normalize` });
  mkdirSync(join(dir, norm), { recursive: true });
  writeJson(join(dir, MODULES_FILE), modules);
  writeJson(join(dir, ST_TRANSFORMER_FILE), {
    max_seq_length: card.max_length,
    do_lower_case: card.lowercase,
  });
  const query = queryPrompt(card);
  if (query === undefined)
    throw new CareError(
      `field "query_template" ${JSON.stringify(card.query_template)} has text after {text}; a sentence-transformers prompt can only come before it`,
      join(dir, CARD_FILE),
    );
  writeJson(join(dir, ST_MODEL_FILE), {
    prompts: { query, document: card.document_prompt ?? "" },
    default_prompt_name: null,
    similarity_fn_name: "cosine",
    model_type: "SentenceTransformer",
  });
}
