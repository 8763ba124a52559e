/**
 * `care-retrieval/bench`: the benchmark harness (task folders, evaluators, metrics, results, reports)
 * without native addons: importing it loads neither ONNX Runtime, SQLite, llama.cpp nor jieba. Dense
 * models passed by spec load their backend when evaluated.
 */
export type { Doc } from "../core/doc.js";
export type { Embedder, TaskHint } from "../core/embedder.js";
export type * from "../core/task.js";
export type { BenchModel, Hit, ProgressSink } from "../core/bench-model.js";
export { CareError } from "../core/errors.js";
export { loadTask, loadTaskMeta, findTasks, type LoadTaskOptions } from "../tasks/load.js";
export * from "../bench/metrics/index.js";
export { miniBatchKMeans, type KMeansResult, type MiniBatchKMeansOptions } from "../bench/cluster/kmeans.js";
export { evaluateTask } from "../bench/evaluators/index.js";
export type { Evaluation } from "../bench/evaluators/evaluation.js";
export { runBench, type RunBenchOptions, type BenchOutcome } from "../bench/run.js";
export { modelFolder, resultPath, readResult, type ResultFile, type ResultRecord } from "../bench/result.js";
export { MTEB_TASKS, type TaskInfo } from "../bench/mteb-tasks.js";
export { fingerprintTask, type TaskFingerprint } from "../bench/provenance.js";
export { evaluateRun, type RunEvaluation } from "../bench/eval-run.js";
export { formatRun, formatTrecQrels, readTrecRun, readQrelsFile } from "../bench/trec-files.js";
export { denseModel, type DenseModelOptions } from "../bench/dense-model.js";
export { loadBenchModel, type LoadBenchModelOptions } from "../bench/load-model.js";
export { fuseRankings, reciprocalRankFusion, blendScores } from "../lexical/fusion.js";
export { chooseFusion, FUSION_CANDIDATES, type FusionChoice } from "../bench/fusion-choice.js";
export { buildLeaderboard, type Leaderboard } from "../bench/report/leaderboard.js";
export { collectResults, taskCatalog } from "../bench/report/collect.js";
export { leaderboardMarkdown } from "../bench/report/markdown.js";
export { leaderboardHtml, leaderboardSvg } from "../bench/report/html.js";
export { exactTopK, packRows, type PackedRows, type Rows, type ExactTopKOptions } from "../store/exact.js";
export { evaluate, type EvaluateOptions, type TaskScores } from "../bench/evaluate.js";
