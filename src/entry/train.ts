/**
 * `care-retrieval/train`: reverse-mode training of the encoders' ONNX graphs, the training-data tools
 * (diverse sampling, hard-negative mining, false-negative filtering) and the CARE two-stage recipe.
 */
export { gradients } from "../graph/autodiff.js";
export {
  importGraph,
  type Param,
  type LoraOptions,
  type ImportOptions,
  type Imported,
} from "../train/params.js";
export { infoNce, mse, cosineLoss, matryoshka, l2Normalize, type InfoNceOptions } from "../train/losses.js";
export { adamwStep, globalNorm, clipFactor, type AdamWConfig } from "../train/adamw.js";
export { linearWarmupDecay, type LinearSchedule } from "../train/schedule.js";
export { buildTrainGraph, decayMatrices, type TrainGraphOptions } from "../train/train-graph.js";
export { Stepper, type TrainSpec, type StepperOptions, type OptimizerMode } from "../train/stepper.js";
export { train, type TrainerOptions, type TrainResult, type LogEntry } from "../train/trainer.js";
export { exportCheckpoint, trainedTensors, type ExportBase } from "../train/export.js";
export {
  mineDiverse,
  offerCandidate,
  KeptSet,
  type DiverseOptions,
  type DiverseCounts,
} from "../mine/diverse.js";
export {
  mineNegatives,
  excludePositives,
  type MineNegativesOptions,
  type NegativeCounts,
} from "../mine/negatives.js";
export {
  filterNegatives,
  filterRow,
  candidatePair,
  type FilterOptions,
  type FilterCounts,
  type FalseNegativeAction,
} from "../mine/filter.js";
export { openCorpusRetriever, type CorpusRetriever, type MineQuery } from "../mine/retriever.js";
export { writeStage1, stage1Row, TextHashSet } from "../mine/self-pairs.js";
export { ResumableJsonl, runChunks } from "../mine/resumable.js";
export { emptyHistogram, histogramRows, type Histogram } from "../mine/histogram.js";
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
} from "../mine/records.js";
export {
  buildTrain,
  formatTrainSummary,
  pairsToRows,
  type BuildTrainOptions,
  type TrainSummary,
  type TrainSourceCounts,
} from "../mine/build-train.js";
export { CARE_DEFAULTS } from "../care/defaults.js";
export { trainStage1, docSpec, type Stage1Options } from "../care/train-stage1.js";
export { trainStage2, type Stage2Options, type ContrastiveOptions } from "../care/train-stage2.js";
export { trainSymmetric, type SymmetricOptions } from "../care/symmetric.js";
export {
  trainSmallPair,
  SMALL_PAIR,
  type SmallPair,
  type SmallPairOptions,
  type SmallPairSettings,
} from "../care/small-pair.js";
export type { TrainOutcome } from "../care/outcome.js";
export type { OptimOptions } from "../care/optim.js";
export { embedDocuments, DocEmbeddingCache, type EmbeddedDocuments } from "../care/doc-cache.js";
export { readStage1Texts, readStage2Rows, type PairRow, type Stage1Format } from "../care/data.js";
