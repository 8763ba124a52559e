/**
 * What every run of the small-scale experiment starts from, built once in its work folder and shared by
 * the main experiment and its ablations: the suite, the training sets (with the dev split held apart)
 * and the random initial weights of each seed.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildSuite } from "../../data/build-suite.js";
import { buildTrain } from "../../mine/build-train.js";
import { charsFromFile, makeTiny } from "../../models/make-tiny.js";
import { writeFileAtomic } from "../../util/atomic.js";
import { readLines } from "../../util/jsonl.js";
import type { ExperimentConfig, ModelShape } from "./config.js";
import { splitOffDev } from "./dev-split.js";

export interface Prepared {
  /** CMedTEB-lite task folders. */
  suite: string;
  stage1Data: string;
  /** Stage-II rows the models train on (the dev rows taken out). */
  stage2Data: string;
  /** The dev rows, held apart from training and from the suite. */
  devFile: string;
  /** Characters of the training text: the vocabulary of the tiny random checkpoints. */
  chars: string[];
}

/** The first `n` lines of a file (the quick setting's training subset). */
async function head(from: string, to: string, n: number): Promise<void> {
  const lines: string[] = [];
  for await (const { text } of readLines(from)) {
    if (lines.length >= n) break;
    lines.push(text);
  }
  writeFileAtomic(to, lines.join("\n") + "\n");
}

/** Builds what is missing (each part marked done only once whole), reporting each part to `done`. */
export async function prepareData(
  c: ExperimentConfig,
  data: string,
  work: string,
  done: (label: string) => void = () => {},
): Promise<Prepared> {
  const suite = join(work, "suite");
  const sets = join(work, "train");
  const suiteDone = join(suite, ".built");
  if (!existsSync(suiteDone)) {
    await buildSuite({ from: data, out: suite });
    writeFileSync(suiteDone, "");
  }
  done("CMedTEB-lite suite");
  const setsDone = join(sets, ".built");
  if (!existsSync(setsDone)) {
    await buildTrain({ from: data, out: sets });
    writeFileSync(setsDone, "");
  }
  done("training sets");
  let stage1Data = join(sets, "stage1.jsonl");
  let stage2Data = join(sets, "stage2.jsonl");
  if (c.maxRows) {
    const s1 = join(sets, `stage1.head${c.maxRows}.jsonl`);
    const s2 = join(sets, `stage2.head${c.maxRows}.jsonl`);
    await head(stage1Data, s1, c.maxRows);
    await head(stage2Data, s2, c.maxRows);
    [stage1Data, stage2Data] = [s1, s2];
  }
  const devFile = join(sets, `stage2.dev${c.devRows}.jsonl`);
  const fitFile = stage2Data.replace(/\.jsonl$/, `.fit-dev${c.devRows}.jsonl`);
  await splitOffDev(stage2Data, c.devRows, fitFile, devFile);
  done("training subsets and the dev split");
  return {
    suite,
    stage1Data,
    stage2Data: fitFile,
    devFile,
    chars: charsFromFile(join(sets, "stage2.jsonl")),
  };
}

const shapeName = (s: ModelShape) => `${s.layers}x${s.hidden}x${s.heads}`;

/** The random initial checkpoints of a seed: the large (Qwen3) and small (BERT) shapes. */
export function initModels(
  c: ExperimentConfig,
  work: string,
  chars: string[],
  seed: number,
): { largeInit: string; smallInit: string } {
  // The folder names the shapes: a changed shape gets fresh random weights, not the old ones.
  const init = join(work, "init", `seed${seed}-${shapeName(c.large)}-${shapeName(c.small)}`);
  const largeInit = join(init, "qwen3");
  const smallInit = join(init, "bert");
  for (const [family, dir, shape] of [
    ["qwen3", largeInit, c.large],
    ["bert", smallInit, c.small],
  ] as const)
    if (!existsSync(join(dir, "config.json")))
      makeTiny({ out: dir, family, ...shape, chars, seed: family === "bert" ? 2 * seed : 2 * seed + 1 });
  return { largeInit, smallInit };
}
