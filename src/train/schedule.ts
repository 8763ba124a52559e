/** Learning-rate schedules, evaluated in TypeScript and fed to the training graph as an input. */

export interface LinearSchedule {
  lr: number;
  /** Steps of linear warm-up from 0 to `lr`. */
  warmupSteps: number;
  /** Total optimizer steps; the rate decays linearly to 0 at this step. */
  totalSteps: number;
}

/** Learning rate for optimizer step `step` (0-based), as HF's get_linear_schedule_with_warmup. */
export function linearWarmupDecay(s: LinearSchedule, step: number): number {
  if (step < s.warmupSteps) return (s.lr * (step + 1)) / s.warmupSteps;
  const rest = Math.max(1, s.totalSteps - s.warmupSteps);
  return s.lr * Math.max(0, (s.totalSteps - step) / rest);
}
