/**
 * How the experiment trains each kind of model, in one place so that the main experiment and its
 * ablations train the same model the same way (and so find each other's finished runs in the work folder).
 */
import { join } from "node:path";
import { trainStage1 } from "../train-stage1.js";
import { trainStage2 } from "../train-stage2.js";
import { trainSymmetric } from "../symmetric.js";
import type { RunSettings } from "../finished-run.js";
import type { ExperimentConfig } from "./config.js";
import type { Prepared } from "./prepare.js";

/** A run's settings (what its training card is checked against) and how to train it into a folder. */
export interface Recipe {
  settings: RunSettings;
  go: (out: string) => Promise<unknown>;
}

const common = (c: ExperimentConfig) => ({
  threads: c.threads,
  saveEvery: Math.max(1, Math.min(100, Math.floor(c.updates / 4))),
  instructions: false,
  queryMaxLength: c.queryMaxLength,
  docMaxLength: c.docMaxLength,
});

/** The settings of a contrastive run on the stage-II rows, and the options every such trainer takes. */
function contrastive(c: ExperimentConfig, p: Prepared, o: { seed: number; lr: number; steps: number }) {
  const settings = { lr: o.lr, batchSize: c.batchSize, steps: o.steps, data: p.stage2Data };
  return { settings, base: { ...common(c), ...settings, groupSize: c.groupSize, seed: o.seed } };
}

/** One model for both sides, contrastive on the stage-II rows from random weights; `matryoshka` for the large one. */
export function symmetricRecipe(
  c: ExperimentConfig,
  p: Prepared,
  o: { seed: number; lr: number; steps: number; model: string; matryoshka?: boolean },
): Recipe {
  const { settings, base } = contrastive(c, p, o);
  return {
    settings,
    go: (out) =>
      trainSymmetric({
        ...base,
        model: o.model,
        out,
        ...(o.matryoshka ? { matryoshkaDims: c.matryoshkaDims } : {}),
      }),
  };
}

/** Stage I: `query` learns to put each unlabelled text where the frozen `doc` encoder puts it. */
export function stage1Recipe(
  c: ExperimentConfig,
  p: Prepared,
  work: string,
  o: { seed: number; lr: number; steps: number; query: string; doc: string },
): Recipe {
  const settings = { lr: o.lr, batchSize: c.stage1BatchSize, steps: o.steps, data: p.stage1Data };
  return {
    settings,
    go: (out) =>
      trainStage1({
        ...settings,
        seed: o.seed,
        threads: c.threads,
        saveEvery: common(c).saveEvery,
        instructions: false,
        query: o.query,
        doc: o.doc,
        out,
        maxLength: c.queryMaxLength,
        cache: join(work, "doc-cache"),
      }),
  };
}

/** Stage II: contrastive on the labelled rows, the document side through LoRA or frozen; the recipe's lr. */
export function stage2Recipe(
  c: ExperimentConfig,
  p: Prepared,
  o: { seed: number; steps: number; query: string; doc: string; docTraining: "lora" | "frozen" },
): Recipe {
  const { settings, base } = contrastive(c, p, { ...o, lr: c.lr.stage2 });
  return {
    settings,
    go: (out) =>
      trainStage2({
        ...base,
        query: o.query,
        doc: o.doc,
        out,
        docTraining: o.docTraining,
        lora: { rank: c.lora.rank, alpha: c.lora.alpha },
      }),
  };
}
