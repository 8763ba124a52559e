/**
 * `care-retrieval/embed`: embedders behind one interface (Hugging Face checkpoints on ONNX Runtime, CARE
 * pairs, GGUF through node-llama-cpp, OpenAI-compatible endpoints), opened from model specs. Backends
 * load when a model of their kind is opened.
 */
export type { Doc } from "../core/doc.js";
export type { Embedder, TaskHint } from "../core/embedder.js";
export { docText } from "../core/doc.js";
export { CareError } from "../core/errors.js";
export { normalize } from "../util/vector.js";
export {
  parseSpec,
  formatSpec,
  parseFusionText,
  SPEC_GRAMMAR,
  DEFAULT_FUSION,
  type ModelSpec,
  type DenseSpec,
  type Fusion,
} from "../core/spec.js";
export { loadEmbedder, openCareEmbedder, type LoadOptions } from "../embed/load.js";
export { HfEmbedder, type HfOptions } from "../embed/hf.js";
export { CareEmbedder } from "../embed/care.js";
export { OpenAIEmbedder, embeddingsUrl, type OpenAIEmbedderOptions } from "../embed/openai.js";
export { GgufEmbedder, type GgufEmbedderOptions } from "../embed/gguf.js";
export { CARD_FILE, defaultCard, loadCard, parseCard, formatQuery, type ModelCard } from "../models/card.js";
export {
  makeTiny,
  TINY_FAMILIES,
  TINY_SHAPES,
  type MakeTinyOptions,
  type TinyFamily,
  type TinyShape,
} from "../models/make-tiny.js";
