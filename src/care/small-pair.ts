/**
 * A small CARE pair trained from random weights on the public data in minutes on a CPU, for the demo:
 * a Qwen3-shaped document encoder trained on its own (symmetric, contrastive), then a BERT-shaped query
 * encoder aligned to it (stage I) and the two fine-tuned together (stage II, LoRA on the document side).
 * Far below the paper's pretrained models, and far below BM25 on its own: what it is worth next to BM25
 * is measured on a dev split of question-answer rows held apart from training (and, as the training
 * sets are, from the evaluation suite), which also picks how the two are fused.
 * Every step is skipped when its output records the configured steps, so a rerun resumes.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { denseModel } from "../bench/dense-model.js";
import { chooseFusion, type FusionChoice } from "../bench/fusion-choice.js";
import type { Doc } from "../core/doc.js";
import type { Fusion } from "../core/spec.js";
import { openCareEmbedder } from "../embed/load.js";
import { Bm25Search } from "../lexical/bm25-search.js";
import { buildTrain } from "../mine/build-train.js";
import { RETRIEVAL_TYPE, type Stage2Row } from "../mine/records.js";
import { charsFromFile, makeTiny } from "../models/make-tiny.js";
import { writeFileAtomic } from "../util/atomic.js";
import { readLines } from "../util/jsonl.js";
import { trainStage1 } from "./train-stage1.js";
import { trainStage2 } from "./train-stage2.js";
import { trainSymmetric } from "./symmetric.js";
import { trained } from "./finished-run.js";

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
  /** Stage-II rows trained on, spread over the training file (all when absent). */
  trainRows?: number;
  /** Question-answer rows held apart from training: their answers are the dev corpus ... */
  devRows: number;
  /** ... and the first of them the dev queries. */
  devQueries: number;
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
  devRows: 1000,
  devQueries: 300,
};

export interface SmallPairOptions {
  /** The data folder (../shared/data layout). */
  from: string;
  /** Where the training sets, initial weights and runs go. */
  work: string;
  settings?: SmallPairSettings;
  log?: (line: string) => void;
}

export interface SmallPair {
  queryDir: string;
  docDir: string;
  /** The fusion that scored best on the dev split, and the dev scores (mean nDCG@10). */
  fusion: Fusion;
  dev: FusionChoice;
}

/** Trains (or finds, from an earlier run) the pair, and measures it on the dev split. */
export async function trainSmallPair(o: SmallPairOptions): Promise<SmallPair> {
  const s = o.settings ?? SMALL_PAIR;
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const work = resolve(o.work);
  const sets = join(work, "train");
  if (!existsSync(join(sets, "counts.json"))) {
    log(`building the training sets (no text of the evaluation suite) into ${sets}`);
    await buildTrain({ from: o.from, out: sets });
  }
  const stage2Data = join(
    sets,
    `stage2.without-dev${s.devRows}${s.trainRows ? `.spread${s.trainRows}` : ""}.jsonl`,
  );
  const devData = join(sets, `dev${s.devRows}.jsonl`);
  const texts = s.stage1.steps * s.stage1.batchSize;
  const stage1Data = join(sets, `stage1.without-dev${s.devRows}.spread${texts}.jsonl`);
  if (![stage1Data, stage2Data, devData].every((f) => existsSync(f))) {
    const dev = await holdApart(join(sets, "stage2.jsonl"), stage2Data, devData, s.devRows, s.trainRows);
    await spread(join(sets, "stage1.jsonl"), stage1Data, texts, dev);
  }

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
  // A stage after one that trained again trains again too: its input changed.
  let fresh = false;
  const stage = async (
    label: string,
    model: string,
    st: StageSettings,
    data: string,
    run: () => Promise<unknown>,
  ) => {
    if (!fresh && trained(model, { ...st, data })) {
      log(`${label}: trained before (${model})`);
      return;
    }
    log(`${label}: ${st.steps} steps (progress below)`);
    await run();
    fresh = true;
  };
  await stage("1/3 document encoder, trained on its own", doc, s.symmetric, stage2Data, () =>
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
  await stage(
    "2/3 CARE stage I: query encoder aligned to the document encoder",
    aligned,
    s.stage1,
    stage1Data,
    () =>
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
  await stage(
    "3/3 CARE stage II: both encoders fine-tuned together",
    pair.queryDir,
    s.stage2,
    stage2Data,
    () =>
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
  const fusionFile = join(runs, "fusion.json");
  const dev =
    !fresh && existsSync(fusionFile)
      ? (JSON.parse(readFileSync(fusionFile, "utf8")) as FusionChoice)
      : await measureOnDev(pair, devData, s.devQueries, s.threads);
  writeFileAtomic(fusionFile, JSON.stringify(dev, null, 2) + "\n");
  return { ...pair, fusion: dev.best, dev };
}

/**
 * The last `n` question-answer rows of the stage-II file become the dev split; the rest is the
 * training file. Returns every text of the dev rows, which stage I must not see either.
 */
async function holdApart(
  from: string,
  train: string,
  dev: string,
  n: number,
  trainRows?: number,
): Promise<Set<string>> {
  const rows: { text: string; row: Stage2Row }[] = [];
  for await (const { text } of readLines(from))
    if (text.trim()) rows.push({ text, row: JSON.parse(text) as Stage2Row });
  const retrieval = rows.flatMap((r, i) => (r.row.type === RETRIEVAL_TYPE ? [i] : []));
  const held = new Set(retrieval.slice(-n));
  writeFileAtomic(dev, [...held].map((i) => rows[i].text).join("\n") + "\n");
  const rest = rows.filter((_, i) => !held.has(i)).map((r) => r.text);
  writeFileAtomic(train, spreadOver(rest, trainRows ?? rest.length).join("\n") + "\n");
  return new Set([...held].flatMap((i) => [rows[i].row.query, ...rows[i].row.pos]));
}

/** BM25, the pair and their fusions on the dev split: its answers as the corpus, its first questions. */
async function measureOnDev(
  pair: { queryDir: string; docDir: string },
  devData: string,
  queries: number,
  threads?: number,
): Promise<FusionChoice> {
  const rows: Stage2Row[] = [];
  for await (const { text } of readLines(devData)) if (text.trim()) rows.push(JSON.parse(text) as Stage2Row);
  const idOf = new Map<string, string>();
  const corpus: Doc[] = [];
  for (const r of rows)
    for (const p of r.pos)
      if (!idOf.has(p)) {
        idOf.set(p, `dev-d${corpus.length}`);
        corpus.push({ id: idOf.get(p)!, text: p });
      }
  const asked = rows.slice(0, queries).map((r, i) => ({ id: `dev-q${i}`, text: r.query }));
  const qrels = new Map(
    rows.slice(0, queries).map((r, i) => [asked[i].id, new Map(r.pos.map((p) => [idOf.get(p)!, 1]))]),
  );
  const depth = 100;
  const bm25 = Bm25Search.build(corpus);
  const lexical = asked.map((q) => bm25.search(q.text, depth, false));
  const model = denseModel(await openCareEmbedder(pair.queryDir, pair.docDir, { threads }));
  try {
    const hint = { name: "dev", type: "retrieval" as const, queryInstruction: rows[0]?.prompt };
    const dense = await model.retrieve(asked, corpus, depth, hint);
    return chooseFusion(
      asked.map((q) => q.id),
      lexical,
      dense,
      qrels,
    );
  } finally {
    await model.close?.();
  }
}

function optim(s: StageSettings) {
  return {
    steps: s.steps,
    lr: s.lr,
    batchSize: s.batchSize,
    ...(s.groupSize ? { groupSize: s.groupSize } : {}),
  };
}

/**
 * `n` lines spread evenly over a stage-I file (its sources are in blocks; the head would be one
 * source), leaving out the texts in `skip`.
 */
async function spread(from: string, to: string, n: number, skip: Set<string>): Promise<void> {
  const all: string[] = [];
  for await (const { text } of readLines(from))
    if (text.trim() && !skip.has((JSON.parse(text) as { query: string }).query)) all.push(text);
  writeFileAtomic(to, spreadOver(all, n).join("\n") + "\n");
}

/** `n` items evenly spaced over `all` (all of them when there are no more than `n`). */
function spreadOver<T>(all: readonly T[], n: number): T[] {
  const step = Math.max(1, all.length / n);
  const picked: T[] = [];
  for (let i = 0; i < all.length && picked.length < n; i += step) picked.push(all[Math.floor(i)]);
  return picked;
}
