import { type StsPair, DEFAULT_MAIN_SCORE } from "../../core/task.js";
import type { SkipLog } from "../../core/errors.js";
import { readCMedQQ, type QuestionPair } from "../sources/cmedqq.js";
import { readKuakeQQR } from "../sources/kuake-qqr.js";
import { readTianchi } from "../sources/tianchi.js";
import { isHeldOut } from "../splits.js";
import type { SourceTasks, SuiteTask } from "../suite-task.js";

const INSTRUCTION = "检索与给定医疗健康问题语义相同的问题";

function stsTask(
  name: string,
  source: string,
  description: string,
  max: number,
  pairs: StsPair[],
): SuiteTask {
  return {
    meta: {
      name,
      type: "sts",
      split: "dev",
      main_score: DEFAULT_MAIN_SCORE.sts,
      query_instruction: INSTRUCTION,
      source,
      description,
      min_score: 0,
      max_score: max,
    },
    pairs,
  };
}

const toPair = (p: QuestionPair): StsPair => ({ sentence1: p.query1, sentence2: p.query2, score: p.label });

/** cMedQQ dev: binary question pairs, scored as STS the way C-MTEB scores pair classification sets. */
export async function cmedqqTasks(file: string, skips: SkipLog): Promise<SourceTasks> {
  const pairs: StsPair[] = [];
  for await (const p of readCMedQQ(file, skips)) pairs.push(toPair(p));
  return {
    tasks: [
      stsTask(
        "CMedQQ-STS",
        "ChineseBLUE cMedQQ dev (CHIP-2019 question matching; Apache-2.0)",
        "Pairs of patient questions, 1 when they ask the same thing, 0 otherwise.",
        1,
        pairs,
      ),
    ],
    notes: { "CMedQQ-STS": `${pairs.length} pairs` },
  };
}

/** KUAKE-QQR: the held-out query1 groups of train.json, graded 0..2. */
export async function kuakeTasks(file: string, skips: SkipLog): Promise<SourceTasks> {
  const all = readKuakeQQR(file, skips);
  const pairs = all.filter((p) => isHeldOut("kuake-qqr", p.query1)).map(toPair);
  return {
    tasks: [
      stsTask(
        "KUAKE-QQR-STS",
        "CBLUE KUAKE-QQR train.json, deterministic held-out part (by query1)",
        "Search query pairs graded 2 (same or broader meaning), 1 (narrower), 0 (different).",
        2,
        pairs,
      ),
    ],
    notes: { "KUAKE-QQR-STS": `${all.length} pairs read, ${pairs.length} held out for evaluation` },
  };
}

/** Tianchi COVID question pairs: the held-out query1 groups of train.csv, binary. */
export async function tianchiTasks(file: string, skips: SkipLog): Promise<SourceTasks> {
  let read = 0;
  const pairs: StsPair[] = [];
  for await (const p of readTianchi(file, skips)) {
    read++;
    if (isHeldOut("tianchi", p.query1)) pairs.push(toPair(p));
  }
  return {
    tasks: [
      stsTask(
        "Tianchi-STS",
        "Tianchi 2020 COVID similar-question pairs train.csv, deterministic held-out part (by query1)",
        "Pairs of patient questions about respiratory diseases, 1 when they mean the same, 0 otherwise.",
        1,
        pairs,
      ),
    ],
    notes: { "Tianchi-STS": `${read} labelled pairs read, ${pairs.length} held out for evaluation` },
  };
}
