/**
 * The optimisation settings every CARE run shares, resolved against the recipe's defaults into the
 * training engine's options (schedule length, warm-up, AdamW, checkpoints).
 */
import { CareError } from "../core/errors.js";
import { CARE_DEFAULTS, stepsFor, warmupSteps } from "./defaults.js";

export interface OptimOptions {
  lr?: number;
  /** Warm-up as a fraction of the run's steps. */
  warmup?: number;
  weightDecay?: number;
  /** Global gradient-norm clip; 0 turns clipping off. */
  clipNorm?: number;
  batchSize?: number;
  /** Passes over the data (ignored when `steps` is given). */
  epochs?: number;
  steps?: number;
  seed?: number;
  /** Steps between checkpoints (resume points). */
  saveEvery?: number;
  /** ONNX Runtime intra-op threads. */
  threads?: number;
  /** Apply the encoders' configured dropout in training (default true: BERT's 0.1, as released). */
  dropout?: boolean;
}

export interface ResolvedOptim {
  lr: number;
  warmupSteps: number;
  steps: number;
  batchSize: number;
  seed: number;
  checkpointEvery: number;
  threads?: number;
  adamw: { weightDecay: number; clipNorm?: number };
  /** The settings as they were applied, for the training record. */
  record: Record<string, number>;
}

export function resolveOptim(
  o: OptimOptions,
  examples: number,
  defaults: { batchSize: number; epochs: number },
): ResolvedOptim {
  const batchSize = o.batchSize ?? defaults.batchSize;
  const epochs = o.epochs ?? defaults.epochs;
  const steps = o.steps ?? stepsFor(examples, batchSize, epochs);
  const lr = o.lr ?? CARE_DEFAULTS.lr;
  const warmup = o.warmup ?? CARE_DEFAULTS.warmup;
  const weightDecay = o.weightDecay ?? CARE_DEFAULTS.weightDecay;
  const clipNorm = o.clipNorm ?? CARE_DEFAULTS.clipNorm;
  const checks: [string, number, boolean][] = [
    ["batch size", batchSize, Number.isInteger(batchSize) && batchSize >= 1],
    ["steps", steps, Number.isInteger(steps) && steps >= 1],
    ["learning rate", lr, lr > 0],
    ["warm-up", warmup, warmup >= 0 && warmup < 1],
    ["weight decay", weightDecay, weightDecay >= 0],
    ["clip norm", clipNorm, clipNorm >= 0],
  ];
  for (const [what, v, ok] of checks) if (!ok) throw new CareError(`${what} ${v} is out of range`);
  const seed = o.seed ?? CARE_DEFAULTS.seed;
  return {
    lr,
    warmupSteps: warmupSteps(warmup, steps),
    steps,
    batchSize,
    seed,
    checkpointEvery: o.saveEvery ?? CARE_DEFAULTS.saveEvery,
    threads: o.threads,
    adamw: { weightDecay, clipNorm: clipNorm > 0 ? clipNorm : undefined },
    record: {
      lr,
      warmup,
      weight_decay: weightDecay,
      clip_norm: clipNorm,
      batch_size: batchSize,
      steps,
      seed,
    },
  };
}

/** The training engine's share of the settings, to spread into `train()`. */
export function trainerSettings(o: ResolvedOptim): Omit<ResolvedOptim, "record"> {
  const { record: _record, ...settings } = o;
  return settings;
}
