/**
 * The typed library API of care: `loadEmbedder`, `evaluate`, `openIndex` and `search` first, then every
 * part. Subpaths load less: `care-retrieval/bench` (no native addon), `/embed`, `/serve`, `/train`,
 * `/langchain`, `/llamaindex`.
 */
export type { Doc } from "./core/doc.js";
export type { Embedder, TaskHint } from "./core/embedder.js";
export { docText } from "./core/doc.js";
export { normalize } from "./util/vector.js";
export {
  parseSpec,
  formatSpec,
  parseFusionText,
  SPEC_GRAMMAR,
  DEFAULT_FUSION,
  type ModelSpec,
  type DenseSpec,
  type Fusion,
} from "./core/spec.js";
export type * from "./core/task.js";
export type { BenchModel, Hit } from "./core/bench-model.js";
export { loadTask, loadTaskMeta, findTasks, type LoadTaskOptions } from "./tasks/load.js";
export * from "./bench/metrics/index.js";
export { miniBatchKMeans, type KMeansResult, type MiniBatchKMeansOptions } from "./bench/cluster/kmeans.js";
export { evaluateTask } from "./bench/evaluators/index.js";
export type { Evaluation } from "./bench/evaluators/evaluation.js";
export { runBench, type RunBenchOptions, type BenchOutcome } from "./bench/run.js";
export { modelFolder, resultPath, readResult, type ResultFile, type ResultRecord } from "./bench/result.js";
export { MTEB_TASKS, type TaskInfo } from "./bench/mteb-tasks.js";
export { fingerprintTask, type TaskFingerprint } from "./bench/provenance.js";
export { evaluateRun, type RunEvaluation } from "./bench/eval-run.js";
export { formatRun, formatTrecQrels, readTrecRun, readQrelsFile } from "./bench/trec-files.js";
export { denseModel, type DenseModelOptions } from "./bench/dense-model.js";
export { loadBenchModel, type LoadBenchModelOptions } from "./bench/load-model.js";
export { hybridModel } from "./bench/hybrid-model.js";
export { chooseFusion, FUSION_CANDIDATES, type FusionChoice } from "./bench/fusion-choice.js";
export { buildLeaderboard, type Leaderboard } from "./bench/report/leaderboard.js";
export { collectResults, taskCatalog } from "./bench/report/collect.js";
export { leaderboardMarkdown } from "./bench/report/markdown.js";
export { leaderboardHtml, leaderboardSvg } from "./bench/report/html.js";
export { exactTopK, packRows, type PackedRows, type Rows, type ExactTopKOptions } from "./store/exact.js";
export { CareError } from "./core/errors.js";
export { VERSION } from "./util/version.js";
export { evaluate, type EvaluateOptions, type TaskScores } from "./bench/evaluate.js";
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
export { fuseRankings, reciprocalRankFusion, blendScores } from "./lexical/fusion.js";
export { buildBm25Side, Bm25Side, type KeyedHit } from "./lexical/bm25-side.js";
export { OpenAIEmbedder, embeddingsUrl, type OpenAIEmbedderOptions } from "./embed/openai.js";
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
export {
  makeTiny,
  randomWeights,
  TINY_FAMILIES,
  TINY_SHAPES,
  type MakeTinyOptions,
  type TinyFamily,
  type TinyShape,
} from "./models/make-tiny.js";
export { CARD_FILE, defaultCard, loadCard, parseCard, formatQuery, type ModelCard } from "./models/card.js";
export {
  readStConfig,
  type StConfig,
  type StDense,
  type StModules,
  type StPooling,
} from "./models/sentence-transformers.js";
export { writeStFiles } from "./models/st-export.js";
export { HfEmbedder, type HfOptions } from "./embed/hf.js";
export { CareEmbedder } from "./embed/care.js";
export { loadEmbedder, type LoadOptions } from "./embed/load.js";
export { checkpointDir, pullModel, type PullOptions } from "./hub/pull.js";
export { parseHubId, type HubRef } from "./hub/id.js";
export { hubSettings, type HubSettings } from "./hub/settings.js";
export { buildIndex, DOCUMENTS_ONLY, type BuildIndexOptions, type BuildReport } from "./store/build.js";
export { openIndex, type OpenIndexOptions } from "./store/open.js";
export {
  StoreUnavailable,
  type SearchHit,
  type SearchMode,
  type StoreDoc,
  type VectorStore,
} from "./store/store.js";
export { parseFilter, type Fields, type FieldValue, type Filter } from "./store/filter.js";
export { readManifest, type IndexManifest, type ModelIdentity, type Quantization } from "./store/manifest.js";
export { recallAtK } from "./store/recall.js";
export { createServer, type CareServer, type ServerOptions } from "./serve/server.js";
export { RETRIEVERS, type RetrieverKind } from "./serve/retriever.js";
export { GgufEmbedder, type GgufEmbedderOptions } from "./embed/gguf.js";
export { convertToGguf, type ConvertResult } from "./gguf/convert.js";
export { GGUF_OUT_TYPES, type GgufOutType } from "./gguf/tensor-type.js";
export { readGgufHeader, type GgufHeader } from "./gguf/reader.js";
export { gradients } from "./graph/autodiff.js";
export {
  importGraph,
  type Param,
  type LoraOptions,
  type ImportOptions,
  type Imported,
} from "./train/params.js";
export {
  infoNce,
  mse,
  squaredDistance,
  cosineLoss,
  matryoshka,
  l2Normalize,
  type InfoNceOptions,
} from "./train/losses.js";
export { adamwStep, globalNorm, clipFactor, type AdamWConfig } from "./train/adamw.js";
export { linearWarmupDecay, type LinearSchedule } from "./train/schedule.js";
export { buildTrainGraph, decayMatrices, type TrainGraphOptions } from "./train/train-graph.js";
export { Stepper, type TrainSpec, type StepperOptions, type OptimizerMode } from "./train/stepper.js";
export { train, type TrainerOptions, type TrainResult, type LogEntry } from "./train/trainer.js";
export { exportCheckpoint, trainedTensors, type ExportBase } from "./train/export.js";
export { exportFolder, type ExportOptions } from "./train/st-folder.js";
export { readResultRows } from "./bench/report/collect.js";
export {
  mineDiverse,
  offerCandidate,
  KeptSet,
  type DiverseOptions,
  type DiverseCounts,
} from "./mine/diverse.js";
export {
  mineNegatives,
  excludePositives,
  type MineNegativesOptions,
  type NegativeCounts,
} from "./mine/negatives.js";
export {
  filterNegatives,
  filterRow,
  candidatePair,
  type FilterOptions,
  type FilterCounts,
  type FalseNegativeAction,
} from "./mine/filter.js";
export { openCorpusRetriever, type CorpusRetriever, type MineQuery } from "./mine/retriever.js";
export { writeStage1, stage1Row, TextHashSet } from "./mine/self-pairs.js";
export { ResumableJsonl, runChunks } from "./mine/resumable.js";
export { emptyHistogram, histogramRows, type Histogram } from "./mine/histogram.js";
export {
  readTrainRows,
  readMinedRows,
  readCorpus,
  parseTrainRow,
  STS_TYPE,
  RETRIEVAL_TYPE,
  DEFAULT_PROMPTS,
  type TrainRow,
  type MinedRow,
  type Candidate,
  type Stage1Row,
  type Stage2Row,
} from "./mine/records.js";
export {
  buildTrain,
  formatTrainSummary,
  pairsToRows,
  type BuildTrainOptions,
  type TrainSummary,
  type TrainSourceCounts,
} from "./mine/build-train.js";
export { CARE_DEFAULTS } from "./care/defaults.js";
export { trainStage1, docSpec, type Stage1Options } from "./care/train-stage1.js";
export { trainStage2, type Stage2Options, type ContrastiveOptions } from "./care/train-stage2.js";
export { trainSymmetric, type SymmetricOptions } from "./care/symmetric.js";
export {
  trainSmallPair,
  SMALL_PAIR,
  type SmallPairOptions,
  type SmallPairSettings,
} from "./care/small-pair.js";
export type { TrainOutcome } from "./care/outcome.js";
export type { OptimOptions } from "./care/optim.js";
export { embedDocuments, DocEmbeddingCache, type EmbeddedDocuments } from "./care/doc-cache.js";
export { readStage1Texts, readStage2Rows, type PairRow, type Stage1Format } from "./care/data.js";
