/**
 * CARE stage II: the query and document encoders train together on labelled rows — the document side
 * through LoRA adapters (merged into its weights on export) or fully for small models — with InfoNCE
 * over each query's positive, its hard negatives and the other queries' documents in the batch.
 * The trained document encoder is a new folder, so its identity differs from the one any existing
 * index was built with, and `care index` refuses to mix the two: the index must be rebuilt.
 */
import { join, resolve } from "node:path";
import { checkpointArg } from "../hub/pull.js";
import { formatQuery } from "../models/card.js";
import { Graph } from "../graph/ir.js";
import { DROPOUT_SEED, type Pooling } from "../models/family.js";
import { importGraph, type LoraOptions } from "../train/params.js";
import { train } from "../train/trainer.js";
import { CareError } from "../core/errors.js";
import { readStage2Rows } from "./data.js";
import { CARE_DEFAULTS } from "./defaults.js";
import { exportEncoder, TrainableEncoder, writeEncoderFiles } from "./encoder.js";
import { prefixDims } from "./graph-dims.js";
import { trainingTemplate, type InstructionOptions } from "./instructions.js";
import { contrastiveLoss, cutNormalize } from "./objective.js";
import { resolveOptim, type OptimOptions, trainerSettings } from "./optim.js";
import { outcome, type TrainOutcome } from "./outcome.js";
import { buildPairSet, collateTwo, typedBatchOrder, type PairExample } from "./pairs.js";

export interface ContrastiveOptions extends OptimOptions, InstructionOptions {
  /** Stage-II JSONL (query, pos, neg, prompt, type). */
  data: string;
  out: string;
  temperature?: number;
  groupSize?: number;
  queryMaxLength?: number;
  docMaxLength?: number;
}

export interface Stage2Options extends ContrastiveOptions {
  query: string;
  doc: string;
  /**
   * "lora" (default): adapters on the document encoder; "full": every document weight learns; "frozen":
   * only the query encoder learns (the built index stays valid; the trained pair's document side is
   * the given folder itself).
   */
  docTraining?: "lora" | "full" | "frozen";
  lora?: Partial<Omit<LoraOptions, "seed">>;
  queryPooling?: Pooling;
  docPooling?: Pooling;
}

export function contrastiveSettings(o: ContrastiveOptions): { temperature: number; groupSize: number } {
  const temperature = o.temperature ?? CARE_DEFAULTS.stage2.temperature;
  const groupSize = o.groupSize ?? CARE_DEFAULTS.stage2.groupSize;
  if (!(temperature > 0)) throw new CareError(`temperature ${temperature} must be positive`);
  if (!Number.isInteger(groupSize) || groupSize < 1)
    throw new CareError(`group size ${groupSize} must be a positive integer`);
  return { temperature, groupSize };
}

export async function trainStage2(o: Stage2Options): Promise<TrainOutcome> {
  const started = Date.now();
  const out = resolve(o.out);
  const rows = await readStage2Rows(o.data);
  const { temperature, groupSize } = contrastiveSettings(o);
  const optim = resolveOptim(o, rows.length, CARE_DEFAULTS.stage2);
  const docTraining = o.docTraining ?? "lora";
  const full = docTraining === "full";
  const frozen = docTraining === "frozen";
  const lora: LoraOptions | undefined =
    docTraining === "lora" ? { ...CARE_DEFAULTS.lora, ...o.lora, seed: optim.seed } : undefined;
  const query = await checkpointArg(o.query);
  const docBase = await checkpointArg(o.doc);
  const q = TrainableEncoder.open(query, {
    pooling: o.queryPooling ?? CARE_DEFAULTS.queryPooling,
    maxLength: o.queryMaxLength ?? CARE_DEFAULTS.queryMaxLength,
    dropout: o.dropout,
  });
  let d: TrainableEncoder | undefined;
  try {
    d = TrainableEncoder.open(docBase, {
      pooling: o.docPooling ?? CARE_DEFAULTS.docPooling,
      maxLength: o.docMaxLength ?? CARE_DEFAULTS.docMaxLength,
      dropout: o.dropout,
    });
    const doc = d;
    const dim = q.dim;
    if (doc.dim < dim)
      throw new CareError(
        `the document encoder is ${doc.dim} wide, narrower than the query encoder (${dim})`,
        o.doc,
      );
    const template = trainingTemplate(q.card, o);
    // Cards keep the lengths training used: longer inputs would reach untrained positions.
    const qCard = { ...q.card, pooling: q.pooling, query_template: template, max_length: q.maxLength };
    const dCard = { ...doc.card, pooling: doc.pooling, max_length: doc.maxLength };
    const set = buildPairSet(
      rows,
      (r) => q.encode(formatQuery(qCard, r.query, r.prompt)),
      (t) => doc.encodeDocument(t),
    );
    const record = {
      stage: "care-stage2",
      query_base: resolve(query),
      document_base: resolve(docBase),
      data: resolve(o.data),
      rows: rows.length,
      temperature,
      group_size: groupSize,
      doc_training: docTraining,
      lora: lora ?? null,
      query_template: template,
      query_max_length: q.maxLength,
      doc_max_length: doc.maxLength,
      query_pooling: q.pooling,
      doc_pooling: doc.pooling,
      ...optim.record,
    };
    const result = await train<PairExample>({
      outDir: out,
      examples: set.examples,
      spec: {
        build() {
          const g = new Graph("care-stage2");
          const qi = importGraph(g, prefixDims(q.graph(), "q."), { prefix: "q.", trainable: () => true });
          const di = importGraph(g, prefixDims(doc.graph(), "d."), {
            prefix: "d.",
            trainable: full ? () => true : undefined,
            lora,
          });
          if (!frozen && !di.params.length)
            throw new CareError(
              `no LoRA target (${lora?.targets.join(", ")}) in the document encoder; pass other targets or full training`,
              o.doc,
            );
          const mask = g.input("mask", "float32", ["q.batch", "d.batch"]);
          const loss = contrastiveLoss(
            cutNormalize(qi.outputs["embedding"], dim),
            cutNormalize(di.outputs["embedding"], dim),
            { temperature, groupSize, mask },
          );
          return {
            graph: g,
            loss,
            params: [...qi.params, ...di.params],
            seeds: [di.loraSeed, qi.inputs[DROPOUT_SEED], di.inputs[DROPOUT_SEED]],
          };
        },
      },
      collate: (batch) =>
        collateTwo(
          batch,
          set,
          groupSize,
          optim.seed,
          { padId: q.padId, side: q.paddingSide },
          { padId: doc.padId, side: doc.paddingSide },
        ),
      save: (dir, params, values) => {
        writeEncoderFiles(join(dir, "query"), q, params, values, { prefix: "q.", card: qCard, record });
        if (!frozen)
          writeEncoderFiles(join(dir, "doc"), doc, params, values, { prefix: "d.", card: dCard, record });
      },
      ...trainerSettings(optim),
      order: typedBatchOrder(set.examples, optim.batchSize, optim.seed),
    });
    const models = { query: join(out, "query"), doc: frozen ? resolve(docBase) : join(out, "doc") };
    const final = { ...record, final_step: optim.steps };
    exportEncoder(models.query, q, result.params, result.values, {
      prefix: "q.",
      card: qCard,
      record: final,
    });
    if (!frozen)
      exportEncoder(models.doc, doc, result.params, result.values, {
        prefix: "d.",
        card: dCard,
        record: final,
      });
    return outcome(out, models, result, set.examples.length, started);
  } finally {
    q.close();
    d?.close();
  }
}
