/** The typed library API of care. */
export type { Doc, Embedder, TaskHint } from "./embed/embedder.js";
export { docText, normalize } from "./embed/embedder.js";
export { parseSpec, formatSpec, SPEC_GRAMMAR, type ModelSpec } from "./embed/spec.js";
export type * from "./bench/task.js";
export { CareError } from "./util/errors.js";
export {
  buildSuite,
  formatSuiteSummary,
  type BuildSuiteOptions,
  type SuiteSummary,
  type SuiteTaskSummary,
} from "./data/build-suite.js";
export {
  assembleSuite,
  checkSuiteSources,
  suiteTextSet,
  SUITE_SOURCES,
  type AssembledSuite,
} from "./data/suite.js";
export {
  isHeldOut,
  splitPoint,
  overlapKey,
  TextSet,
  HELD_OUT_FRACTION,
  DIALOGUE_QUERY_FRACTION,
  type HeldOutSource,
} from "./data/splits.js";
export { createBm25Model } from "./lexical/bm25.js";
export { BM25_DEFAULTS, type Bm25Params } from "./lexical/bm25-scorer.js";
export { tokenize as jiebaTokenize } from "./lexical/tokenize.js";
export {
  OpenAIEmbedder,
  embeddingsUrl,
  QWEN3_QUERY_TEMPLATE,
  type OpenAIEmbedderOptions,
} from "./embed/openai.js";
export { Graph, type DType, type Dim, type Value, type Node as GraphNode } from "./graph/ir.js";
export { toOnnxBytes, saveModel } from "./graph/onnx.js";
export { Session, int64Tensor, type Tensor, type SessionOptions } from "./runtime/session.js";
export {
  buildEncoder,
  familyOf,
  defaultPooling,
  MODEL_TYPES,
  type Family,
  type Pooling,
  type EncoderOptions,
} from "./models/family.js";
