/**
 * The typed library API of care: all that the subpaths `care-retrieval/bench` (no native addon),
 * `/embed`, `/serve` and `/train` export, and the parts no subpath carries (data suite, curation,
 * graph, weights, tokenizer, hub, GGUF, lexical). `/langchain` and `/llamaindex` stay separate.
 */
export * from "./entry/bench.js";
export * from "./entry/embed.js";
export * from "./entry/serve.js";
export * from "./entry/train.js";
export { hybridModel } from "./bench/hybrid-model.js";
export { VERSION } from "./util/version.js";
export { search, indexTask, type SearchOptions } from "./store/search.js";
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
export { buildBm25Side, Bm25Side, type KeyedHit } from "./lexical/bm25-side.js";
export { Graph, type DType, type Dim, type Value, type Node as GraphNode } from "./graph/ir.js";
export { toOnnxBytes, saveModel } from "./graph/onnx.js";
export { Session, int64Tensor, type Tensor, type SessionOptions } from "./runtime/session.js";
export { openGraph, type OpenGraphOptions } from "./runtime/open-graph.js";
export {
  buildEncoder,
  familyOf,
  defaultPooling,
  MODEL_TYPES,
  type Family,
  type Pooling,
  type EncoderOptions,
} from "./models/family.js";
export {
  fleissKappa,
  fleissKappaFromRatings,
  cohenKappa,
  confusionMatrix,
  type KappaWeights,
} from "./curate/agreement.js";
export {
  decide,
  relevanceGrade,
  buildRankingTask,
  buildStsTask,
  DEFAULT_THRESHOLDS,
  type Decision,
  type Thresholds,
  type VotedPair,
} from "./curate/aggregate.js";
export { makePair, pairId, readPairs, loadPairs, type Pair } from "./curate/pair.js";
export { RUBRIC_VERSION, RUBRIC_LEVELS, parseJudgment, judgmentMessages } from "./curate/rubric.js";
export { readJudgeConfigs, parseJudgeConfigs, type JudgeConfig } from "./curate/judge-config.js";
export {
  openJudge,
  openJudges,
  RubricJudge,
  type Judge,
  type Judgment,
  type JudgeInput,
} from "./curate/judge.js";
export {
  runJudges,
  countPending,
  needsJudgment,
  type JudgeRunOptions,
  type JudgeRunSummary,
} from "./curate/runner.js";
export { JudgmentStore, type JudgeTotals } from "./curate/store.js";
export { collectVotes } from "./curate/votes.js";
export { curationStats, falseNegativeAudit, type CurationStats } from "./curate/stats.js";
export { pipelineExpertAgreement, type ExpertAgreement } from "./curate/expert-agreement.js";
export { startReviewServer } from "./curate/review-server.js";
export { writeCurationReport } from "./curate/report.js";
export { MapTensorSource, type TensorSource } from "./weights/source.js";
export {
  SafetensorsFile,
  writeSafetensors,
  type WriteTensor,
  type StoredDtype,
  type WriteDtype,
} from "./weights/safetensors.js";
export { openCheckpoint, openWeights, CheckpointWeights, type Checkpoint } from "./weights/checkpoint.js";
export {
  TextTokenizer,
  padBatch,
  type BatchOptions,
  type EncodedBatch,
  type PaddingSide,
} from "./tokenize/tokenizer.js";
export { randomWeights } from "./models/make-tiny.js";
export {
  readStConfig,
  type StConfig,
  type StDense,
  type StModules,
  type StPooling,
} from "./models/sentence-transformers.js";
export { writeStFiles } from "./models/st-export.js";
export { checkpointDir, pullModel, type PullOptions } from "./hub/pull.js";
export { parseHubId, type HubRef } from "./hub/id.js";
export { hubSettings, type HubSettings } from "./hub/settings.js";
export { buildIndex, DOCUMENTS_ONLY, type BuildIndexOptions, type BuildReport } from "./store/build.js";
export { readManifest, type IndexManifest, type ModelIdentity, type Quantization } from "./store/manifest.js";
export { convertToGguf, type ConvertResult } from "./gguf/convert.js";
export { GGUF_OUT_TYPES, type GgufOutType } from "./gguf/tensor-type.js";
export { readGgufHeader, type GgufHeader } from "./gguf/reader.js";
export { squaredDistance } from "./train/losses.js";
export { exportFolder, type ExportOptions } from "./train/st-folder.js";
export { readResultRows } from "./bench/report/collect.js";
