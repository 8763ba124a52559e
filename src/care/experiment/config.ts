import { join } from "node:path";

/**
 * The two settings of the small-scale CARE experiment. The full one is sized to finish in under three
 * hours on a 2-core machine (see FULL); the quick one only proves the pipeline end to end (tiny models,
 * a few steps, one task of each type) in test time — its numbers mean nothing.
 */

export interface ModelShape {
  layers: number;
  hidden: number;
  heads: number;
}

export interface ExperimentConfig {
  name: string;
  /** The large document encoder (Qwen3 family) and the small query encoder (BERT family). */
  large: ModelShape;
  small: ModelShape;
  /** Every compared model reads queries cut to this many tokens. */
  queryMaxLength: number;
  docMaxLength: number;
  /**
   * Optimizer updates every trained model gets. Stage I+II models split them: half in stage I, half
   * in stage II.
   */
  updates: number;
  /** Rows a step (stage II and the symmetric runs) and texts a step (stage I). */
  batchSize: number;
  stage1BatchSize: number;
  /** Documents per query in the contrastive runs: a positive and groupSize - 1 negatives. */
  groupSize: number;
  /**
   * Learning rates. Stage II uses the recipe's 1e-4: it starts from trained encoders, as the paper's
   * does. The runs that start from random weights (the symmetric baselines and stage I, which the paper
   * starts from pretrained checkpoints) need a larger one to move in this many updates: it is chosen
   * among `fromScratch` on the dev split (sym-small of the first seed trained at each, best dev nDCG@10).
   */
  lr: { fromScratch: number[]; stage2: number };
  /** Stage-II rows held out of training as the dev split (the last ones of the file). */
  devRows: number;
  lora: { rank: number; alpha: number };
  /** Widths the document encoder (sym-large) is trained to be cut to; the query width must be one. */
  matryoshkaDims: number[];
  /** Training seeds: each trained model is trained once per seed, from random weights of that seed. */
  seeds: number[];
  /** Only these suite tasks (all when absent). */
  tasks?: string[];
  /** Training rows (stage II) and texts (stage I) kept, from the top of each file (all when absent). */
  maxRows?: number;
  /** Queries of a ranking task and pairs of an STS task evaluated, the first ones (all when absent). */
  maxUnits?: number;
  /** Queries timed one at a time at each length for the latency figures. */
  latencyQueries: number;
  /** Bootstrap replicates for the confidence intervals. */
  replicates: number;
  threads: number;
}

/**
 * Sizing, from the full run of 6 Dec 2026 on the 2-core machine with nothing else running (its report's
 * training table): wall seconds a step sym-large 0.79, stage II 1.21, stage II with the document side
 * frozen 0.17, sym-small 0.19, stage I 0.035 (the document side cached); an evaluation of one (model,
 * seed) on the nine tasks ~100 s. Per seed: U·(0.79 + 0.19 + 0.035 + 1.21) + U/2·(0.035 + 1.21 + 0.17)
 * ≈ 2.9·U s, 52 min of training for 3 seeds at U = 360, plus the dev search (3 sym-small runs, 4 min)
 * and 21 evaluations (~35 min): about 1.5 h, half the three-hour budget. A machine shared with other
 * jobs takes two to four times as long.
 */
export const FULL: ExperimentConfig = {
  name: "care-small",
  large: { layers: 4, hidden: 256, heads: 4 },
  small: { layers: 2, hidden: 128, heads: 4 },
  queryMaxLength: 48,
  docMaxLength: 64,
  updates: 360,
  batchSize: 16,
  stage1BatchSize: 32,
  groupSize: 8,
  lr: { fromScratch: [2.5e-4, 5e-4, 1e-3], stage2: 1e-4 },
  devRows: 500,
  lora: { rank: 32, alpha: 64 },
  matryoshkaDims: [64, 128],
  seeds: [1, 2, 3],
  latencyQueries: 200,
  replicates: 1000,
  threads: 2,
};

export const QUICK: ExperimentConfig = {
  name: "care-small-quick",
  large: { layers: 1, hidden: 48, heads: 4 },
  small: { layers: 1, hidden: 32, heads: 2 },
  queryMaxLength: 24,
  docMaxLength: 32,
  updates: 8,
  batchSize: 4,
  stage1BatchSize: 8,
  groupSize: 3,
  lr: { fromScratch: [1e-3, 3e-3], stage2: 1e-4 },
  devRows: 40,
  lora: { rank: 4, alpha: 8 },
  matryoshkaDims: [16, 32],
  seeds: [1, 2],
  tasks: ["CMedQA-Reranking", "CMedQQ-STS", "MedicalDialogue-Retrieval"],
  maxRows: 300,
  latencyQueries: 10,
  replicates: 200,
  threads: 2,
};

/** Where an experiment keeps its suite, training sets, models and rankings (git-ignored, kept between runs). */
export function experimentWorkDir(name: string): string {
  return join(".cache", "care-experiment", name);
}

/** Where a trained (model, seed) run of the experiment keeps its checkpoints and final folders. */
export function runFolder(work: string, model: string, seed: number): string {
  return join(work, "runs", `${model}-seed${seed}`, "train");
}

/** The CARE pair an experiment trained through stage I then II (its first seed). */
export function trainedCarePair(
  name: string,
  config: ExperimentConfig = FULL,
): { queryDir: string; docDir: string } {
  const run = runFolder(experimentWorkDir(name), "care-stage1+2", config.seeds[0]);
  return { queryDir: join(run, "query"), docDir: join(run, "doc") };
}
