/**
 * Ablation: is stage I short of updates? The main experiment gives every model the same number of
 * optimizer updates, which leaves stage I — the cheapest step of all, the document side cached — with as
 * few as the costliest runs. Here the first seed's query encoder is aligned to sym-large for multiples of
 * that budget, alone and followed by the same stage II (document side frozen, the cheap variant, which
 * scored as LoRA did in the main run), and each pair is scored on the dev split held apart from the suite
 * (nDCG@10), beside sym-small and sym-large, with the alignment stage I optimises: the mean cosine
 * between a text through the query encoder and the same text through the document encoder. It chooses
 * nothing; it shows where the recipe's budget sits on the curve.
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { denseModel } from "../../bench/dense-model.js";
import { loadEmbedder } from "../../embed/load.js";
import { writeFileAtomic } from "../../util/atomic.js";
import { Progress } from "../../util/progress.js";
import { dot } from "../../util/vector.js";
import { trained } from "../finished-run.js";
import { runFolder, type ExperimentConfig } from "./config.js";
import { loadDevTask } from "./dev-split.js";
import { evaluateForExperiment } from "./evaluate.js";
import { memoCorpus } from "./memo-corpus.js";
import { evaluationStamp, readJson } from "./records.js";
import { initModels, prepareData } from "./prepare.js";
import { stage1Recipe, stage2Recipe, symmetricRecipe, type Recipe } from "./recipes.js";

export interface BudgetOptions {
  config: ExperimentConfig;
  data: string;
  /** The main experiment's work folder: runs it already finished are used, not trained again. */
  work: string;
  /** The learning rate the main experiment chose on the dev split (its details.json). */
  lr: number;
  /** Stage-I budgets as multiples of the main experiment's updates (0: the untrained query encoder). */
  multiples: number[];
}

export interface BudgetPoint {
  model: string;
  stage1_updates: number;
  stage2_updates: number;
  /** dev nDCG@10, 0..1 */
  dev_ndcg_at_10: number | null;
  /** Mean cosine of query-side and document-side vectors of the dev queries' texts (CARE pairs only). */
  alignment: number | null;
}

export interface BudgetResult {
  config: string;
  seed: number;
  lr: number;
  updates: number;
  dev_rows: number;
  points: BudgetPoint[];
  wall_seconds: number;
  finished: string;
}

export async function runStage1Budget(o: BudgetOptions): Promise<BudgetResult> {
  const started = Date.now();
  const c = o.config;
  const work = resolve(o.work);
  mkdirSync(work, { recursive: true });
  const prep = await prepareData(c, o.data, work);
  const seed = c.seeds[0];
  const U = c.updates;
  const half = Math.max(1, Math.floor(U / 2));
  const { largeInit, smallInit } = initModels(c, work, prep.chars, seed);
  // The main experiment's folder names, so that its finished runs are found and kept.
  const stage1Name = (steps: number) =>
    steps === U ? "care-stage1" : steps === half ? "stage1-half" : `stage1-u${steps}`;
  const stage2Name = (steps1: number) =>
    steps1 === half ? "care-stage1+2-frozen-doc" : `stage1-u${steps1}+2-frozen-doc`;
  const budgets = o.multiples.map((m) => Math.round(m * U));
  const progress = new Progress("stage-I budget ablation", 2 + 2 * budgets.length, "jobs");
  const fit = async (name: string, r: Recipe, final: string): Promise<string> => {
    const out = runFolder(work, name, seed);
    if (!trained(join(out, final), r.settings)) await r.go(out);
    progress.tick();
    return join(out, final);
  };

  const large = await fit(
    "sym-large",
    symmetricRecipe(c, prep, { seed, lr: o.lr, steps: U, model: largeInit, matryoshka: true }),
    "model",
  );
  const small = await fit(
    "sym-small",
    symmetricRecipe(c, prep, { seed, lr: o.lr, steps: U, model: smallInit }),
    "model",
  );
  const pairs: { model: string; s1: number; s2: number; query: string; doc: string }[] = [
    { model: "sym-small", s1: 0, s2: 0, query: small, doc: small },
    { model: "sym-large", s1: 0, s2: 0, query: large, doc: large },
  ];
  for (const steps of budgets) {
    const query =
      steps === 0
        ? smallInit
        : await fit(
            stage1Name(steps),
            stage1Recipe(c, prep, work, { seed, lr: o.lr, steps, query: smallInit, doc: large }),
            "query",
          );
    pairs.push({ model: `stage I ${steps}`, s1: steps, s2: 0, query, doc: large });
    if (steps === 0) continue;
    const joint = await fit(
      stage2Name(steps),
      stage2Recipe(c, prep, { seed, steps: half, query, doc: large, docTraining: "frozen" }),
      "query",
    );
    pairs.push({
      model: `stage I ${steps} + II ${half} (frozen doc)`,
      s1: steps,
      s2: half,
      query: joint,
      doc: large,
    });
  }
  progress.finish();

  const task = await loadDevTask(prep.devFile);
  const texts = task.data.queries.map((q) => q.text);
  const docMemo = new Map<string, Float32Array>();
  const points: BudgetPoint[] = [];
  const records = join(work, "records", "stage1-budget");
  for (const p of pairs) {
    const asymmetric = p.query !== p.doc;
    const spec = asymmetric ? `care:${p.query},${p.doc}` : `hf:${p.query}`;
    const file = join(records, `${p.model.replace(/[^\w.+-]+/g, "_")}.json`);
    const stamp = evaluationStamp(c, spec);
    const kept = readJson<{ stamp: string; point: BudgetPoint }>(file);
    if (kept?.stamp === stamp) {
      points.push(kept.point);
      continue;
    }
    const e = await loadEmbedder(spec);
    const model = denseModel(memoCorpus(e, asymmetric ? docMemo : new Map()));
    try {
      const score = (await evaluateForExperiment(task, model)).record.score;
      let alignment: number | null = null;
      if (asymmetric) {
        const q = await e.encodeQueries(texts);
        const d = await e.encodeCorpus(texts.map((text, i) => ({ id: String(i), text })));
        alignment = q.reduce((s, v, i) => s + dot(v, d[i]), 0) / q.length;
      }
      const point = {
        model: p.model,
        stage1_updates: p.s1,
        stage2_updates: p.s2,
        dev_ndcg_at_10: score,
        alignment,
      };
      writeFileAtomic(file, JSON.stringify({ stamp, point }));
      points.push(point);
      process.stderr.write(
        `[stage-I budget] ${p.model}: dev nDCG@10 ${score?.toFixed(4)}, alignment ${alignment?.toFixed(3) ?? "n/a"}\n`,
      );
    } finally {
      await model.close?.();
    }
  }
  return {
    config: c.name,
    seed,
    lr: o.lr,
    updates: U,
    dev_rows: c.devRows,
    points,
    wall_seconds: (Date.now() - started) / 1000,
    finished: new Date().toISOString(),
  };
}
