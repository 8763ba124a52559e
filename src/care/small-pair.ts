/**
 * A small CARE pair trained from random weights on the public data in minutes on a CPU, for the demo:
 * a Qwen3-shaped document encoder trained on its own (symmetric, contrastive), then a BERT-shaped query
 * encoder aligned to it (stage I) and the two fine-tuned together (stage II, LoRA on the document side).
 * Far below the paper's pretrained models; enough to give the dense half of a hybrid search meaning.
 * Every step is skipped when its output records the configured steps, so a rerun resumes.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildTrain } from "../mine/build-train.js";
import { charsFromFile, makeTiny } from "../models/make-tiny.js";
import { writeFileAtomic } from "../util/atomic.js";
import { readLines } from "../util/jsonl.js";
import { TRAINING_CARD } from "./encoder.js";
import { trainStage1 } from "./stage1.js";
import { trainStage2 } from "./stage2.js";
import { trainSymmetric } from "./symmetric.js";

export interface StageSettings {
  steps: number;
  lr: number;
  batchSize: number;
  /** Contrastive stages: documents per query (its positive and hard negatives). */
  groupSize?: number;
}

export interface SmallPairSettings {
  doc: { layers: number; hidden: number; heads: number };
  query: { layers: number; hidden: number; heads: number };
  queryMaxLength: number;
  docMaxLength: number;
  symmetric: StageSettings;
  stage1: StageSettings;
  stage2: StageSettings;
  loraRank: number;
  threads?: number;
}

/**
 * Sized for a few minutes of a 2-core machine; learning rates are above the recipe's 1e-4 because the
 * encoders start from random weights. Stage I sees one pass over `steps × batchSize` texts.
 */
export const SMALL_PAIR: SmallPairSettings = {
  doc: { layers: 2, hidden: 128, heads: 4 },
  query: { layers: 2, hidden: 64, heads: 2 },
  queryMaxLength: 32,
  docMaxLength: 64,
  symmetric: { steps: 400, lr: 1e-3, batchSize: 16, groupSize: 4 },
  stage1: { steps: 300, lr: 1e-3, batchSize: 32 },
  stage2: { steps: 200, lr: 5e-4, batchSize: 16, groupSize: 4 },
  loraRank: 8,
};

export interface SmallPairOptions {
  /** The data folder (../shared/data layout). */
  from: string;
  /** Where the training sets, initial weights and runs go. */
  work: string;
  settings?: SmallPairSettings;
  log?: (line: string) => void;
}

/** Trains (or finds, from an earlier run) the pair; returns its two checkpoint folders. */
export async function trainSmallPair(o: SmallPairOptions): Promise<{ queryDir: string; docDir: string }> {
  const s = o.settings ?? SMALL_PAIR;
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const work = resolve(o.work);
  const sets = join(work, "train");
  const stage2Data = join(sets, "stage2.jsonl");
  if (!existsSync(join(sets, "counts.json"))) {
    log(`building the training sets (no text of the evaluation suite) into ${sets}`);
    await buildTrain({ from: o.from, out: sets });
  }
  const stage1Data = join(sets, `stage1.spread${s.stage1.steps * s.stage1.batchSize}.jsonl`);
  if (!existsSync(stage1Data))
    await spread(join(sets, "stage1.jsonl"), stage1Data, s.stage1.steps * s.stage1.batchSize);

  const docInit = join(work, "init", "doc");
  const queryInit = join(work, "init", "query");
  const chars = charsFromFile(stage2Data);
  if (!existsSync(join(docInit, "config.json")))
    makeTiny({ out: docInit, family: "qwen3", ...s.doc, chars, seed: 1 });
  if (!existsSync(join(queryInit, "config.json")))
    makeTiny({ out: queryInit, family: "bert", ...s.query, chars, seed: 2 });

  const runs = join(work, "runs");
  const lengths = { queryMaxLength: s.queryMaxLength, docMaxLength: s.docMaxLength };
  const common = { threads: s.threads, saveEvery: 50 };
  const doc = join(runs, "doc", "model");
  await stage(log, "1/3 document encoder, trained on its own", doc, s.symmetric, () =>
    trainSymmetric({
      model: docInit,
      data: stage2Data,
      out: join(runs, "doc"),
      ...lengths,
      ...common,
      ...optim(s.symmetric),
    }),
  );
  const aligned = join(runs, "stage1", "query");
  await stage(log, "2/3 CARE stage I: query encoder aligned to the document encoder", aligned, s.stage1, () =>
    trainStage1({
      query: queryInit,
      doc,
      data: stage1Data,
      out: join(runs, "stage1"),
      maxLength: s.queryMaxLength,
      ...common,
      ...optim(s.stage1),
    }),
  );
  const pair = { queryDir: join(runs, "stage1+2", "query"), docDir: join(runs, "stage1+2", "doc") };
  await stage(log, "3/3 CARE stage II: both encoders fine-tuned together", pair.queryDir, s.stage2, () =>
    trainStage2({
      query: aligned,
      doc,
      data: stage2Data,
      out: join(runs, "stage1+2"),
      lora: { rank: s.loraRank, alpha: 2 * s.loraRank },
      ...lengths,
      ...common,
      ...optim(s.stage2),
    }),
  );
  return pair;
}

function optim(s: StageSettings) {
  return {
    steps: s.steps,
    lr: s.lr,
    batchSize: s.batchSize,
    ...(s.groupSize ? { groupSize: s.groupSize } : {}),
  };
}

async function stage(
  log: (line: string) => void,
  label: string,
  model: string,
  s: StageSettings,
  run: () => Promise<unknown>,
): Promise<void> {
  if (finished(model, s)) {
    log(`${label}: trained before (${model})`);
    return;
  }
  log(`${label}: ${s.steps} steps (progress below)`);
  await run();
}

/** Whether a checkpoint folder is the end of a run with these settings (its training card says so). */
function finished(dir: string, s: StageSettings): boolean {
  const file = join(dir, TRAINING_CARD);
  if (!existsSync(file)) return false;
  const card = JSON.parse(readFileSync(file, "utf8")) as {
    final_step?: number;
    lr?: number;
    batch_size?: number;
  };
  return card.final_step === s.steps && card.lr === s.lr && card.batch_size === s.batchSize;
}

/** `n` lines spread evenly over a file (its sources are in blocks; the head would be one source). */
async function spread(from: string, to: string, n: number): Promise<void> {
  const all: string[] = [];
  for await (const { text } of readLines(from)) all.push(text);
  const step = Math.max(1, all.length / n);
  const picked: string[] = [];
  for (let i = 0; i < all.length && picked.length < n; i += step) picked.push(all[Math.floor(i)]);
  writeFileAtomic(to, picked.join("\n") + "\n");
}
