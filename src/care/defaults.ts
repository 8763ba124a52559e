/**
 * The CARE recipe's defaults, as the paper's released training scripts set them; every one is a flag of
 * `care train`: stage I two epochs with the MSE summed over dimensions; stage II lr 1e-4, temperature
 * 0.02, groups of 8 (a positive and 7 negatives), LoRA r 32 / alpha 64; BERT dropout 0.1 (its config's)
 * in training graphs. Where the release leaves a choice open (batch sizes, lengths), the values are
 * FlagEmbedding's fine-tuning defaults, which those scripts build on, scaled to a CPU.
 */
import type { Pooling } from "../models/family.js";

export const CARE_DEFAULTS = {
  lr: 1e-4,
  /** Fraction of the optimizer steps spent warming the learning rate up from 0. */
  warmup: 0.05,
  weightDecay: 0.05,
  /** Global gradient-norm clipping (Hugging Face Trainer's max_grad_norm). */
  clipNorm: 1.0,
  queryPooling: "cls" as Pooling,
  docPooling: "last" as Pooling,
  stage1: {
    temperature: 0.1,
    /** Weight of the MSE term next to InfoNCE. */
    mseWeight: 1,
    batchSize: 32,
    epochs: 2,
  },
  stage2: {
    temperature: 0.02,
    /** Documents per query: its positive and groupSize - 1 hard negatives. */
    groupSize: 8,
    batchSize: 16,
    epochs: 1,
  },
  queryMaxLength: 64,
  docMaxLength: 256,
  /** FlagEmbedding's query_instruction_format for encoders whose card has no template of their own. */
  instructionTemplate: "{instruction}{text}",
  /** The released stage-II script's LoRA shape. */
  lora: {
    rank: 32,
    alpha: 64,
    dropout: 0.1,
    targets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
  },
  saveEvery: 500,
  seed: 42,
};

/** Warm-up steps for a run of `steps` optimizer steps (at least one when warm-up is on). */
export function warmupSteps(fraction: number, steps: number): number {
  return fraction > 0 ? Math.max(1, Math.round(fraction * steps)) : 0;
}

/** Optimizer steps for `epochs` passes over `examples` at `perStep` examples a step. */
export function stepsFor(examples: number, perStep: number, epochs: number): number {
  return Math.max(1, Math.ceil((examples * epochs) / perStep));
}
